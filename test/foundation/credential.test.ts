import type { ICredentialDataDecryptedObject, IDataObject, ICredentialType, IHttpRequestOptions, INode, INodeParameters } from 'n8n-workflow';
import { getCredentialAllowedDomains, isDomainAllowed, NodeHelpers, Workflow } from 'n8n-workflow';

import {
	BEARER_HEADER_EXPRESSION,
	authenticateOnBaseUrlOnly,
	findCredentialProblem,
	normalizeBaseUrl,
} from '../../credentials/credentialSettings';

import { LIVE_KEY, requestLines, run, TEST_KEY, useFake } from '../support/context';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const lodashGet = require('lodash/get') as (object: unknown, path: string) => unknown;
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { loadPackage } = require('../harness/engine');

const fake = useFake();
let credentialType: ICredentialType;

beforeAll(async () => {
	credentialType = (await loadPackage()).credentialTypes.justFlowItApi;
});

const HTTP_NODE: INode = {
	id: 'http',
	name: 'HTTP Request',
	type: 'n8n-nodes-base.httpRequest',
	typeVersion: 4.4,
	position: [0, 0],
	parameters: {},
};

const NO_NODE_TYPES = { getByName: () => undefined, getByNameAndVersion: () => undefined, getKnownTypes: () => ({}) } as never;

/**
 * The credential's data as n8n hands it to a node: defaults filled in (NodeHelpers.getNodeParameters)
 * and expressions resolved with `$self` = that data, as n8n's CredentialsHelper does.
 */
function resolveCredentialData(stored: INodeParameters): ICredentialDataDecryptedObject {
	const withDefaults = NodeHelpers.getNodeParameters(credentialType.properties, stored, true, false, null, null) as INodeParameters;
	const workflow = new Workflow({ nodes: [HTTP_NODE], connections: {}, active: false, nodeTypes: NO_NODE_TYPES });
	return workflow.expression.getComplexParameterValue(HTTP_NODE, withDefaults, 'internal', {}, undefined, undefined, withDefaults) as ICredentialDataDecryptedObject;
}

/** Request options as n8n 1.x's HTTP Request node passes them (`uri`, no `url`). */
function legacyRequest(options: Record<string, unknown>): IHttpRequestOptions {
	return options as unknown as IHttpRequestOptions;
}

/** An expression of the declarative `authenticate`, resolved as n8n's CredentialsHelper does. */
function resolveWithCredentials(expression: string, credentials: ICredentialDataDecryptedObject): unknown {
	const workflow = new Workflow({ nodes: [HTTP_NODE], connections: {}, active: false, nodeTypes: NO_NODE_TYPES });
	return workflow.expression.getSimpleParameterValue(HTTP_NODE, expression, 'internal', { $credentials: credentials }, undefined, '');
}

const listDiagrams = { resource: 'diagram', operation: 'getAll', returnAll: false, limit: 1 };

describe('credential justFlowItApi', () => {
	it('sends the key as a Bearer header and tolerates a trailing slash in the base URL', async () => {
		const result = await run(fake, listDiagrams, { credentials: { baseUrl: `${fake.baseUrl}/` } });
		expect(result.error).toBeUndefined();
		expect(requestLines(fake)).toEqual(['GET /diagrams?limit=1']);
		expect(fake.requests[0].headers.authorization).toBe(`Bearer ${TEST_KEY}`);
	});

	it('works with a live key in the Production environment', async () => {
		const result = await run(fake, listDiagrams, { credentials: { apiKey: LIVE_KEY, environment: 'production' } });
		expect(result.error).toBeUndefined();
		expect(fake.requests[0].headers.authorization).toBe(`Bearer ${LIVE_KEY}`);
	});

	it('refuses a test key in Production before any request, and says how to fix it', async () => {
		const result = await run(fake, listDiagrams, { credentials: { apiKey: TEST_KEY, environment: 'production' } });
		expect(fake.requests).toHaveLength(0);
		expect(result.error?.message).toBe(
			'The secret key does not match the credential\'s environment: Production keys start with "jfi_sk_live_", this one starts with "jfi_sk_test_"',
		);
		expect(result.error?.description).toBe(
			'Set Environment to Staging in the credential, or use a key that starts with "jfi_sk_live_".',
		);
	});

	it('refuses plain http:// to a host that is not loopback, before any request', async () => {
		const result = await run(fake, listDiagrams, { credentials: { baseUrl: 'http://api.example.com/api/v1' } });
		expect(fake.requests).toHaveLength(0);
		expect(result.error?.message).toBe(
			"The credential's Base URL uses plain http:// to api.example.com, which would send the key unencrypted",
		);
	});

	it('declares authenticate in n8n\'s declarative form, which survives the JSON n8n sends to the editor', () => {
		// n8n offers a credential under the HTTP Request node's "Predefined Credential Type", and adds
		// "Custom API Call" to its node, only when the type as JSON has `authenticate`.
		const asSentToEditor = JSON.parse(JSON.stringify(credentialType)) as ICredentialType;
		expect(asSentToEditor.authenticate).toEqual({
			type: 'generic',
			properties: { headers: { Authorization: BEARER_HEADER_EXPRESSION } },
		});
	});

	it.each([
		['a test key in Staging, http:// to loopback', { apiKey: ` ${TEST_KEY}\n`, environment: 'staging', baseUrl: 'http://127.0.0.1:5678/api/v1' }],
		['a live key in Production, the default Base URL', { apiKey: LIVE_KEY, environment: 'production', baseUrl: '' }],
		['a live key, another https:// Base URL', { apiKey: LIVE_KEY, environment: 'production', baseUrl: 'https://api.example.com/api/v1' }],
		['http://localhost', { apiKey: TEST_KEY, environment: 'staging', baseUrl: 'http://localhost:8080/api/v1' }],
		['http://[::1]', { apiKey: TEST_KEY, environment: 'staging', baseUrl: 'http://[::1]:8080/api/v1' }],
		['a test key in Production', { apiKey: TEST_KEY, environment: 'production', baseUrl: '' }],
		['a live key in Staging', { apiKey: LIVE_KEY, environment: 'staging', baseUrl: 'http://127.0.0.1:5678/api/v1' }],
		['no key', { apiKey: '  ', environment: 'production', baseUrl: '' }],
		['plain http:// to another host', { apiKey: LIVE_KEY, environment: 'production', baseUrl: 'http://api.example.com/api/v1' }],
		['http:// to a host that starts like loopback', { apiKey: LIVE_KEY, environment: 'production', baseUrl: 'http://127.0.0.1.example.com/' }],
		['http:// to localhost.<domain>', { apiKey: LIVE_KEY, environment: 'production', baseUrl: 'http://localhost.example.com/' }],
		['another scheme', { apiKey: LIVE_KEY, environment: 'production', baseUrl: 'ftp://justflow.it/api/v1' }],
	])('the declarative header carries the key exactly when the node would send it (%s)', (_case, credentials) => {
		const header = resolveWithCredentials(BEARER_HEADER_EXPRESSION, credentials);
		const safe = findCredentialProblem(credentials) === undefined;
		expect(header).toBe(safe ? `Bearer ${credentials.apiKey.trim()}` : 'Bearer ');
	});

	it('puts the trimmed key on the node\'s own request as a Bearer header', async () => {
		const result = await run(fake, listDiagrams, { credentials: { apiKey: `  ${TEST_KEY}\n` } });
		expect(result.error).toBeUndefined();
		expect(fake.requests[0].headers.authorization).toBe(`Bearer ${TEST_KEY}`);
	});

	it('never puts the key on the node\'s request that a redirect sends to another origin', async () => {
		fake.settings.imageMode = 'redirect';
		const diagram = fake.seedDiagram({ name: 'Redirected' });
		const result = await run(fake, { resource: 'render', operation: 'image', diagramId: String(diagram.id), format: 'png' });
		expect(result.error).toBeUndefined();
		expect(fake.requests.map((r) => r.headers.authorization)).toEqual([`Bearer ${TEST_KEY}`]);
		expect(fake.imageHostRequests).toHaveLength(1);
		expect(fake.imageHostRequests[0].headers.authorization).toBeUndefined();
		expect(JSON.stringify(fake.imageHostRequests)).not.toContain(TEST_KEY);
	});

	it.each([
		['the default', '', 'justflow.it'],
		['a custom https URL with port, user and path', ' https://User@API.Example.com:8443/api/v1/ ', 'api.example.com'],
		['loopback with a port', 'http://127.0.0.1:40123/api/v1', '127.0.0.1'],
		['IPv6 loopback', 'http://[::1]:8080/api/v1', '[::1]'],
		['an unreadable value', 'not a url', 'base-url-not-valid.invalid'],
	])('holds n8n\'s Allowed HTTP Request Domains to the Base URL\'s host (%s)', (_case, baseUrl, host) => {
		const data = resolveCredentialData({ apiKey: TEST_KEY, environment: 'staging', baseUrl });
		expect(data.allowedHttpRequestDomains).toBe('domains');
		expect(data.allowedDomains).toBe(host);
		if (host.endsWith('.invalid')) return;
		expect(host).toBe(new URL(normalizeBaseUrl(baseUrl)).hostname);
		// n8n's own check, as the HTTP Request node runs it (n8n-workflow 2.41).
		const allowed = getCredentialAllowedDomains({ node: HTTP_NODE, credentialData: data }) ?? '';
		expect(allowed).toBe(host);
		const scheme = host.startsWith('[') ? 'http' : 'https';
		expect(isDomainAllowed({ url: `${scheme}://${host}/diagrams`, allowedDomains: allowed })).toBe(true);
		expect(isDomainAllowed({ url: 'https://evil.example.net/diagrams', allowedDomains: allowed })).toBe(false);
		expect(isDomainAllowed({ url: `https://${host.replace(/^\[|\]$/g, '')}.evil.example.net/`, allowedDomains: allowed })).toBe(false);
	});

	describe('on n8n 1.x, which checks Allowed Domains on redirects only: authenticateOnBaseUrlOnly', () => {
		const credentials = { apiKey: ` ${TEST_KEY} `, environment: 'staging', baseUrl: 'http://127.0.0.1:5678/api/v1' };

		it('keys the HTTP Request node\'s request, whose URL n8n passes as `uri`, on the Base URL, and lets it follow no redirect', async () => {
			const options = legacyRequest({ uri: 'http://127.0.0.1:5678/api/v1/diagrams?limit=5', method: 'GET' });
			const keyed = await authenticateOnBaseUrlOnly(credentials, options);
			expect(keyed.headers?.Authorization).toBe(`Bearer ${TEST_KEY}`);
			expect(keyed.sendCredentialsOnCrossOriginRedirect).toBe(false);
			// n8n 1.x before 1.123.5x would copy the header onto a redirect to any host.
			expect(keyed).toMatchObject({ followRedirect: false, followAllRedirects: false });
		});

		it('keys the transport\'s request (`url` with `baseURL`) on the Base URL', async () => {
			const keyed = await authenticateOnBaseUrlOnly(credentials, { url: '/diagrams', baseURL: credentials.baseUrl });
			expect(keyed.headers?.Authorization).toBe(`Bearer ${TEST_KEY}`);
			// The transport follows redirects itself (disableFollowRedirect); nothing added here.
			expect(keyed).not.toHaveProperty('followRedirect');
		});

		it.each([
			['another host', { uri: 'http://localhost:5678/api/v1/diagrams' }],
			['another port', { uri: 'http://127.0.0.1:5679/api/v1/diagrams' }],
			['user info that hides the host', { uri: 'http://127.0.0.1:5678@evil.example.net/' }],
			['a protocol-relative URL, which axios takes as absolute', { url: '//evil.example.net/x', baseURL: 'http://127.0.0.1:5678/api/v1' }],
			['no URL at all', {}],
		])('refuses %s; the request gets no header', async (_case, options) => {
			const request = legacyRequest({ ...options, headers: {} });
			await expect(authenticateOnBaseUrlOnly(credentials, request)).rejects.toThrow(
				/^Refused to send the Just Flow It key to .*: it is only sent to the credential's Base URL\.$/,
			);
			expect(request.headers).toEqual({});
		});

		it('refuses a key that does not match the environment', async () => {
			await expect(
				authenticateOnBaseUrlOnly({ ...credentials, environment: 'production' }, legacyRequest({ uri: 'http://127.0.0.1:5678/api/v1/diagrams' })),
			).rejects.toThrow(/does not match the credential's environment/);
		});
	});

	describe("the credential test (Test button): n8n's rule evaluation over the fake's real answers", () => {
		/**
		 * What n8n's credential tester does with the answer (n8n 2.41.1, cli/dist/services/
		 * credentials-tester.service.js): the first `responseSuccessBody` rule whose `key` (lodash get)
		 * equals its `value` fails the test with its message; no match is "Connection tested successfully".
		 */
		function verdict(body: unknown): string {
			for (const rule of credentialType.test!.rules ?? []) {
				if (rule.type !== 'responseSuccessBody') continue;
				if (lodashGet(body, rule.properties.key) === rule.properties.value) return rule.properties.message;
			}
			return 'OK';
		}

		/** Sends the credential's own test request (its method, url and qs) to `baseUrl` with `apiKey`. */
		async function testWith(apiKey: string | undefined, baseUrl = fake.baseUrl): Promise<string> {
			const request = credentialType.test!.request;
			expect(request).toMatchObject({ url: '/diagrams', qs: { limit: 1 }, json: true, ignoreHttpStatusErrors: true });
			const url = `${baseUrl}${request.url}?${new URLSearchParams(request.qs as Record<string, string>)}`;
			const answer = await fetch(url, { headers: apiKey === undefined ? {} : { Authorization: `Bearer ${apiKey}` } });
			return verdict(await answer.json());
		}

		const keyWith = (name: string, options: IDataObject) => {
			const apiKey = `jfi_sk_test_${name.padEnd(24, '0').slice(0, 24)}`;
			fake.addKey(apiKey, options);
			return apiKey;
		};

		it('a working key passes; each API error code the test can meet fails it with the message for that code', async () => {
			expect(await testWith(TEST_KEY)).toBe('OK');
			expect(await testWith(undefined)).toMatch(/^No key reached Just Flow It\./);
			expect(await testWith('jfi_sk_test_UnknownKeyUnknownKey00000')).toMatch(/^The secret key was not accepted\./);
			expect(await testWith(keyWith('Revoked', { status: 'revoked' }))).toBe(
				'This secret key was revoked. Create a new key in Just Flow It under Settings → API keys and paste it here.',
			);
			expect(await testWith(keyWith('Expired', { status: 'expired' }))).toBe(
				'This secret key has expired. Create a new key in Just Flow It under Settings → API keys and paste it here.',
			);
			expect(await testWith(keyWith('FreePlan', { plan: 'free' }))).toMatch(/^The key is valid, but the Just Flow It account is not on a Pro or Team plan/);
			expect(await testWith(keyWith('NoRead', { scopes: ['generate'] }))).toMatch(/^The key is valid, but it lacks the diagrams:read scope/);
			expect(await testWith(TEST_KEY, fake.baseUrl.replace(/\/api\/v1$/, '/api/v2'))).toMatch(/^The Base URL did not answer like the Just Flow It API\./);
			fake.injectFailure({ path: '/diagrams', status: 429, body: { error: { type: 'rate_limit_error', code: 'rate_limit_exceeded', message: 'Slow down.' } } });
			expect(await testWith(TEST_KEY)).toBe('The key is valid, but Just Flow It is rate-limiting it right now (120 requests a minute). Wait a minute and test again.');
			fake.injectFailure({ path: '/diagrams', status: 500, body: { error: { type: 'api_error', code: 'internal_error', message: 'Oops.' } } });
			expect(await testWith(TEST_KEY)).toBe('Just Flow It had a server problem. Try again in a few minutes.');
		});
	});
});
