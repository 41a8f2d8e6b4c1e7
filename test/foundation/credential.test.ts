import type { ICredentialType, IHttpRequestOptions } from 'n8n-workflow';

import { LIVE_KEY, requestLines, run, TEST_KEY, useFake } from '../support/context';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const { loadPackage } = require('../harness/engine');

const fake = useFake();
let credentialType: ICredentialType;

beforeAll(async () => {
	credentialType = (await loadPackage()).credentialTypes.justFlowItApi;
});

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

	it('authenticate() never puts the key on a request to another origin, protocol-relative //host included', async () => {
		const authenticate = credentialType.authenticate as (
			c: Record<string, unknown>,
			r: IHttpRequestOptions,
		) => Promise<IHttpRequestOptions>;
		const credentials = { apiKey: TEST_KEY, environment: 'staging', baseUrl: fake.baseUrl };
		const own = await authenticate(credentials, { url: '/diagrams', baseURL: fake.baseUrl });
		expect(own.headers?.Authorization).toBe(`Bearer ${TEST_KEY}`);
		expect(own.sendCredentialsOnCrossOriginRedirect).toBe(false);
		await expect(authenticate(credentials, { url: `${fake.imageOrigin}/x.png` })).rejects.toThrow(
			/Refused to send the Just Flow It key/,
		);
		// axios takes "//host/…" as absolute and ignores baseURL: it must count as that host.
		const protocolRelative = `//${new URL(fake.imageOrigin).host}/x.png`;
		await expect(authenticate(credentials, { url: protocolRelative, baseURL: fake.baseUrl })).rejects.toThrow(
			/Refused to send the Just Flow It key/,
		);
	});

	it('has a credential test that lists one diagram and reads the API error code, not only the status', () => {
		// What each rule says, through n8n's own credential tester (POST /rest/credentials/test), is
		// proven in test/browser/editor.browser.js against a running n8n.
		const test = credentialType.test!;
		expect(test.request).toMatchObject({ url: '/diagrams', qs: { limit: 1 }, json: true, ignoreHttpStatusErrors: true });
		expect((test.rules ?? []).every((rule) => rule.type === 'responseSuccessBody')).toBe(true);
	});
});
