import { assertUrlAllowed } from 'n8n-workflow';
import type {
	IAuthenticate,
	IAuthenticateGeneric,
	IAuthenticateRuleResponseSuccessBody,
	ICredentialTestRequest,
	ICredentialType,
	INodeProperties,
	Icon,
} from 'n8n-workflow';

import {
	BASE_URL_EXPRESSION,
	BASE_URL_HOST_EXPRESSION,
	BEARER_HEADER_EXPRESSION,
	DEFAULT_BASE_URL,
	authenticateOnBaseUrlOnly,
} from './credentialSettings';

export class JustFlowItApi implements ICredentialType {
	name = 'justFlowItApi';

	displayName = 'Just Flow It API';

	icon: Icon = { light: 'file:../icons/justflowit.svg', dark: 'file:../icons/justflowit.dark.svg' };

	documentationUrl = 'https://github.com/justflowit/n8n-nodes-justflowit#credentials';

	properties: INodeProperties[] = [
		{
			displayName: 'Secret Key',
			name: 'apiKey',
			type: 'string',
			typeOptions: { password: true },
			default: '',
			required: true,
			placeholder: 'e.g. jfi_sk_live_…',
			description:
				'Create one in Just Flow It under Settings → API keys (Pro or Team plan). It is shown only once.',
		},
		{
			displayName: 'Environment',
			name: 'environment',
			type: 'options',
			options: [
				{
					name: 'Production',
					value: 'production',
					description: 'Real diagrams; keys start with jfi_sk_live_',
				},
				{
					name: 'Staging',
					value: 'staging',
					description: 'Throwaway test data; keys start with jfi_sk_test_',
				},
			],
			default: 'production',
			description: 'Which kind of key this is. The key prefix must match.',
		},
		{
			displayName: 'Base URL',
			name: 'baseUrl',
			type: 'string',
			default: DEFAULT_BASE_URL,
			placeholder: DEFAULT_BASE_URL,
			description:
				'Leave the default unless Just Flow It support gave you another address. Must be https:// (http:// only for localhost).',
		},
		...BASE_URL_HOST_ONLY,
	];

	/**
	 * The Bearer header. On n8n 2.x in n8n's declarative form: n8n sends only that form to the
	 * editor, so the credential is offered in the HTTP Request node (Predefined Credential Type)
	 * and n8n adds "Custom API Call" to the node; n8n's domain check, which reads the two fields at
	 * the end of `properties`, then holds every use to the Base URL's host. n8n 1.x checks those
	 * fields on redirects only, not on the request itself, so there the credential checks each
	 * request (authenticateOnBaseUrlOnly). The node's own requests go through its transport on
	 * every line, which puts the key on with authenticateOnBaseUrlOnly itself (so only on the Base
	 * URL's origin) and follows redirects itself (shared/transport.ts).
	 */
	authenticate: IAuthenticate = n8nChecksAllowedDomains() ? BEARER_HEADER : authenticateOnBaseUrlOnly;

	/**
	 * Lists one diagram. The request does not throw on 4xx/5xx (ignoreHttpStatusErrors): n8n's
	 * `responseCode` rules see only the status, and a 403 must say whether the plan or the key's
	 * scope is missing, which only the body's `error.code` tells. So the rules read the body
	 * (`responseSuccessBody`, checked in order) and the last one fails anything that is not the
	 * API's list envelope (`has_more` missing): an HTML page or another server's 404 when the Base
	 * URL does not end with /api/v1.
	 */
	test: ICredentialTestRequest = {
		request: {
			baseURL: BASE_URL_EXPRESSION,
			url: '/diagrams',
			qs: { limit: 1 },
			json: true,
			ignoreHttpStatusErrors: true,
		},
		rules: [
			bodyRule('missing_api_key', NOT_SENT),
			bodyRule('invalid_api_key', NOT_ACCEPTED),
			bodyRule('revoked_api_key', 'This secret key was revoked. Create a new key in Just Flow It under Settings → API keys and paste it here.'),
			bodyRule('expired_api_key', 'This secret key has expired. Create a new key in Just Flow It under Settings → API keys and paste it here.'),
			bodyRule(
				'plan_required',
				'The key is valid, but the Just Flow It account is not on a Pro or Team plan, which the API needs. Upgrade the plan, or use a key of an account that has one.',
			),
			bodyRule(
				'insufficient_scope',
				'The key is valid, but it lacks the diagrams:read scope (the test lists one diagram). Create a key with the scopes your workflows need (diagrams:read, diagrams:write, folders:read, folders:write, generate).',
			),
			bodyRule('resource_not_found', WRONG_BASE_URL),
			bodyRule(
				'rate_limit_exceeded',
				'The key is valid, but Just Flow It is rate-limiting it right now (120 requests a minute). Wait a minute and test again.',
			),
			{
				type: 'responseSuccessBody',
				properties: { key: 'error.type', value: 'api_error', message: 'Just Flow It had a server problem. Try again in a few minutes.' },
			},
			{ type: 'responseSuccessBody', properties: { key: 'has_more', value: undefined, message: WRONG_BASE_URL } },
		],
	};
}

const BEARER_HEADER: IAuthenticateGeneric = {
	type: 'generic',
	properties: { headers: { Authorization: BEARER_HEADER_EXPRESSION } },
};

/**
 * Whether this n8n refuses a request to a host outside the credential's Allowed Domains before
 * it leaves: n8n 2.x's HTTP client calls n8n-workflow's `assertUrlAllowed` for the request and
 * each redirect (verified on 2.41.1). n8n-workflow 1.x has no such export, and n8n 1.x checks
 * redirects only (verified on 1.123.81: the HTTP Request node sent the key to another host).
 */
function n8nChecksAllowedDomains(): boolean {
	return typeof assertUrlAllowed === 'function';
}

/**
 * n8n's "Allowed HTTP Request Domains" for this credential, fixed to the Base URL's host and not
 * shown: n8n 2.x refuses to use the credential in the HTTP Request and GraphQL nodes for a URL,
 * or a redirect, on any other host (n8n 1.x for a redirect only). n8n adds the same two fields with "All" as the
 * default to every credential that does not declare them; declaring them here (hidden) keeps them
 * fixed. n8n reads them by these names from the credential's data.
 */
const BASE_URL_HOST_ONLY: INodeProperties[] = [
	{ displayName: 'Allowed HTTP Request Domains', name: 'allowedHttpRequestDomains', type: 'hidden', default: 'domains' },
	{ displayName: 'Allowed Domains', name: 'allowedDomains', type: 'hidden', default: BASE_URL_HOST_EXPRESSION },
];

const NOT_ACCEPTED =
	'The secret key was not accepted. Check that it is copied whole (it starts with jfi_sk_live_ or jfi_sk_test_), or create a new key in Just Flow It under Settings → API keys.';

const NOT_SENT =
	'No key reached Just Flow It. The credential sends its secret key only when the key matches the Environment (Production keys start with jfi_sk_live_, Staging keys with jfi_sk_test_) and the Base URL starts with https:// (http:// only for localhost). Check both, and that the key is pasted whole.';

const WRONG_BASE_URL = `The Base URL did not answer like the Just Flow It API. It must end with /api/v1 (the default is ${DEFAULT_BASE_URL}); leave it at the default unless Just Flow It support gave you another address.`;

/** A rule that fails the test with `message` when the API's error code is `code`. */
function bodyRule(code: string, message: string): IAuthenticateRuleResponseSuccessBody {
	return { type: 'responseSuccessBody', properties: { key: 'error.code', value: code, message } };
}
