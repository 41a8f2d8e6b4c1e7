import type {
	ICredentialDataDecryptedObject,
	IAuthenticateRuleResponseSuccessBody,
	ICredentialTestRequest,
	ICredentialType,
	IHttpRequestOptions,
	INodeProperties,
	Icon,
} from 'n8n-workflow';

import {
	BASE_URL_EXPRESSION,
	DEFAULT_BASE_URL,
	allowedOrigin,
	findCredentialProblem,
	requestOrigin,
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
	];

	/**
	 * Adds the Bearer header, but only after checking that the key matches the environment and
	 * that the request goes to the configured API origin: the key never leaves for another host.
	 */
	async authenticate(
		credentials: ICredentialDataDecryptedObject,
		requestOptions: IHttpRequestOptions,
	): Promise<IHttpRequestOptions> {
		const problem = findCredentialProblem(credentials);
		if (problem) {
			throw new Error(`${problem.message}. ${problem.fix}`);
		}
		const target = requestOrigin(requestOptions.url, requestOptions.baseURL);
		if (target !== allowedOrigin(credentials.baseUrl)) {
			throw new Error(
				`Refused to send the Just Flow It key to ${target ?? 'an unknown address'}: it is only sent to the credential's Base URL.`,
			);
		}
		return {
			...requestOptions,
			headers: {
				...requestOptions.headers,
				Authorization: `Bearer ${String(credentials.apiKey).trim()}`,
			},
			sendCredentialsOnCrossOriginRedirect: false,
		};
	}

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
			...['missing_api_key', 'invalid_api_key'].map((code) => bodyRule(code, NOT_ACCEPTED)),
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

const NOT_ACCEPTED =
	'The secret key was not accepted. Check that it is copied whole (it starts with jfi_sk_live_ or jfi_sk_test_), or create a new key in Just Flow It under Settings → API keys.';

const WRONG_BASE_URL = `The Base URL did not answer like the Just Flow It API. It must end with /api/v1 (the default is ${DEFAULT_BASE_URL}); leave it at the default unless Just Flow It support gave you another address.`;

/** A rule that fails the test with `message` when the API's error code is `code`. */
function bodyRule(code: string, message: string): IAuthenticateRuleResponseSuccessBody {
	return { type: 'responseSuccessBody', properties: { key: 'error.code', value: code, message } };
}
