import type {
	ICredentialDataDecryptedObject,
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

	test: ICredentialTestRequest = {
		request: {
			baseURL: BASE_URL_EXPRESSION,
			url: '/diagrams',
			qs: { limit: 1 },
		},
		rules: [
			{
				type: 'responseCode',
				properties: {
					value: 401,
					message:
						'The secret key was not accepted (unknown, revoked or expired). Create a new key in Just Flow It under Settings → API keys.',
				},
			},
			{
				type: 'responseCode',
				properties: {
					value: 403,
					message:
						'The key works but may not list diagrams: it needs the diagrams:read scope, and the account needs a Pro or Team plan.',
				},
			},
		],
	};
}
