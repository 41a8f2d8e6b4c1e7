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

	/**
	 * What n8n's credential test shows for an answer: the request does not throw on 4xx/5xx
	 * (ignoreHttpStatusErrors), then n8n checks the `responseSuccessBody` rules in order against the
	 * parsed body (lodash get + ===) and shows the first match's message, or "Connection successful!".
	 */
	function testVerdict(body: unknown): string {
		const get = (value: unknown, path: string) =>
			path.split('.').reduce<unknown>((at, key) => (at && typeof at === 'object' ? (at as Record<string, unknown>)[key] : undefined), value);
		for (const rule of credentialType.test?.rules ?? []) {
			if (rule.type === 'responseSuccessBody' && get(body, rule.properties.key) === rule.properties.value) {
				return rule.properties.message;
			}
		}
		return 'OK';
	}

	async function answerTo(baseUrl: string, apiKey: string): Promise<unknown> {
		const test = credentialType.test!;
		const response = await fetch(`${baseUrl}${test.request.url}?limit=1`, { headers: { Authorization: `Bearer ${apiKey}` } });
		const text = await response.text();
		try {
			return JSON.parse(text);
		} catch {
			return text;
		}
	}

	it('has a credential test that lists one diagram and reads the API error code, not only the status', () => {
		const test = credentialType.test!;
		expect(test.request).toMatchObject({ url: '/diagrams', qs: { limit: 1 }, json: true, ignoreHttpStatusErrors: true });
		expect((test.rules ?? []).every((rule) => rule.type === 'responseSuccessBody')).toBe(true);
	});

	it('credential test: a good key passes; unknown, revoked and expired keys each say what to do', async () => {
		expect(testVerdict(await answerTo(fake.baseUrl, TEST_KEY))).toBe('OK');
		expect(testVerdict(await answerTo(fake.baseUrl, 'jfi_sk_test_UNKNOWN00000000000000000'))).toContain('was not accepted');
		fake.addKey('jfi_sk_test_REVOKED00000000000000000', { status: 'revoked' });
		expect(testVerdict(await answerTo(fake.baseUrl, 'jfi_sk_test_REVOKED00000000000000000'))).toContain('was revoked');
		fake.addKey('jfi_sk_test_EXPIRED00000000000000000', { status: 'expired' });
		expect(testVerdict(await answerTo(fake.baseUrl, 'jfi_sk_test_EXPIRED00000000000000000'))).toContain('has expired');
	});

	it('credential test: a 403 says plan or scope, as the API code tells', async () => {
		fake.addKey('jfi_sk_test_FREEPLAN0000000000000000', { plan: 'free' });
		fake.addKey('jfi_sk_test_NOREADSCOPE0000000000000', { scopes: ['generate'] });
		const plan = testVerdict(await answerTo(fake.baseUrl, 'jfi_sk_test_FREEPLAN0000000000000000'));
		const scope = testVerdict(await answerTo(fake.baseUrl, 'jfi_sk_test_NOREADSCOPE0000000000000'));
		expect(plan).toContain('Pro or Team plan');
		expect(plan).not.toContain('scope');
		expect(scope).toContain('lacks the diagrams:read scope');
		expect(scope).not.toContain('plan');
		expect(fake.requests.slice(-2).map((r) => r.status)).toEqual([403, 403]);
	});

	it('credential test: a Base URL without /api/v1, or an HTML page, is told to end with /api/v1', async () => {
		const withoutApiV1 = await answerTo(fake.origin, TEST_KEY);
		expect(fake.requests.at(-1)).toMatchObject({ path: '/diagrams', status: 404 });
		expect(testVerdict(withoutApiV1)).toContain('It must end with /api/v1');
		expect(testVerdict('<!doctype html><html><body>Just Flow It</body></html>')).toContain('It must end with /api/v1');
		expect(testVerdict({ error: { type: 'api_error', code: 'internal_error' } })).toContain('server problem');
		expect(testVerdict({ error: { type: 'rate_limit_error', code: 'rate_limit_exceeded' } })).toContain('rate-limiting');
	});
});
