'use strict';
/**
 * The credential in n8n's own HTTP Request node ("Custom API calls" in the README), in a real n8n
 * on both lines: the packed package installed as users get it, a credential pointing at the fake
 * API on 127.0.0.1, and HTTP Request nodes with Authentication → Predefined Credential Type →
 * Just Flow It API, run with `n8n execute`.
 *
 * "Another host" is `localhost`: it resolves to 127.0.0.1 here (the fake's image host listens
 * there and records every request with its headers), but it is not the Base URL's host name.
 *
 * On line 2 the suite also starts n8n as a server and reads the types the editor gets, to show
 * that n8n offers the credential to the HTTP Request node and adds "Custom API Call" to the node.
 */
const { execFileSync } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');

const { prepareN8n, selectedLines, installDir, ensureN8nInstalled } = require('./n8n-runner');
const { startFakeServer, TEST_KEY, LIVE_KEY } = require('../fake/server');
const { setUpOwner, startN8nServer } = require('../browser/stack');

/** The declarative header as built (dist/ is built before the tests run). */
const bearerHeaderExpression = () => require('../../dist/credentials/credentialSettings').BEARER_HEADER_EXPRESSION;

const ROOT = path.resolve(__dirname, '..', '..');
const CREDENTIAL = { id: 'jfiHttpCredential', name: 'Just Flow It (fake API)' };
const MISMATCHED_CREDENTIAL = { id: 'jfiHttpMismatched', name: 'Just Flow It (live key, staging)' };
const BEFORE_ALL_TIMEOUT_MS = 45 * 60 * 1000;
const DEFAULT_LINES = ['2', '1'];
/** The HTTP Request node's newest version on each line (what the editor adds). */
const HTTP_REQUEST_VERSION = { 1: 4.3, 2: 4.5 };
// 4.3 carries credentials over a cross-origin redirect by default; 4.4 and later do not.

/** Manual Trigger → HTTP Request (GET `url`, the Just Flow It credential, full response). */
function httpRequestWorkflow(id, url, line, credential = CREDENTIAL) {
	return {
		id,
		name: id,
		active: false,
		nodes: [
			{ id: 'start', name: 'Start', type: 'n8n-nodes-base.manualTrigger', typeVersion: 1, position: [0, 0], parameters: {} },
			{
				id: 'http',
				name: 'HTTP Request',
				type: 'n8n-nodes-base.httpRequest',
				typeVersion: HTTP_REQUEST_VERSION[line],
				position: [220, 0],
				parameters: {
					url,
					authentication: 'predefinedCredentialType',
					nodeCredentialType: 'justFlowItApi',
					options: { response: { response: { fullResponse: true, responseFormat: 'autodetect' } } },
				},
				credentials: { justFlowItApi: { ...credential } },
			},
		],
		connections: { Start: { main: [[{ node: 'HTTP Request', type: 'main', index: 0 }]] } },
		settings: { executionOrder: 'v1' },
	};
}

/** The fake image host's origin under the name `localhost`: another host, same machine. */
function otherHost(fake) {
	return fake.imageOrigin.replace('://127.0.0.1:', '://localhost:');
}

function httpRequestSuite(line) {
	let work;
	let n8n;
	let fake;

	beforeAll(async () => {
		work = fs.mkdtempSync(path.join(os.tmpdir(), 'jfi-e2e-http-'));
		execFileSync('npm', ['run', 'build'], { cwd: ROOT, stdio: 'ignore' });
		const packed = JSON.parse(
			execFileSync('npm', ['pack', '--json', '--ignore-scripts', '--pack-destination', work], { cwd: ROOT, encoding: 'utf8' }),
		);
		fake = await startFakeServer();
		n8n = await prepareN8n({ packageTarball: path.join(work, packed[0].filename), line });
		await n8n.importCredentials([
			{ ...CREDENTIAL, type: 'justFlowItApi', data: { apiKey: TEST_KEY, environment: 'staging', baseUrl: fake.baseUrl } },
			{ ...MISMATCHED_CREDENTIAL, type: 'justFlowItApi', data: { apiKey: LIVE_KEY, environment: 'staging', baseUrl: fake.baseUrl } },
		]);
		expect(otherHost(fake)).not.toBe(fake.imageOrigin);
	}, BEFORE_ALL_TIMEOUT_MS);

	afterAll(async () => {
		await n8n?.cleanup();
		await fake?.close();
		if (work) fs.rmSync(work, { recursive: true, force: true });
	});

	beforeEach(() => fake.reset());

	test('the HTTP Request node with the credential lists diagrams; the API sees the Bearer key', async () => {
		const diagram = fake.seedDiagram({ name: 'Called by hand' });
		await n8n.importWorkflow(httpRequestWorkflow('e2eHttpList', `${fake.baseUrl}/diagrams?limit=5`, line));
		const run = await n8n.execute('e2eHttpList');
		const [response] = n8n.nodeOutput(run, 'HTTP Request');
		expect(response.json.statusCode).toBe(200);
		expect(response.json.body.data.map((d) => d.name)).toEqual([diagram.name]);
		expect(fake.requests.map((r) => `${r.method} ${r.path}?${new URLSearchParams(r.query)}`)).toEqual(['GET /api/v1/diagrams?limit=5']);
		expect(fake.requests[0].headers.authorization).toBe(`Bearer ${TEST_KEY}`);
	});

	test('a request with the credential to another host fails and that host never gets the key', async () => {
		await n8n.importWorkflow(httpRequestWorkflow('e2eHttpOtherHost', `${otherHost(fake)}/collect`, line));
		const run = await n8n.execute('e2eHttpOtherHost', { allowError: true });
		const error = n8n.runError(run);
		expect(error).toBeDefined();
		// Line 2: n8n's own domain check; line 1: the credential's (n8n 1.x checks redirects only).
		expect(`${error.message} ${error.description ?? ''}`).toMatch(
			line === '2'
				? /Domain not allowed: This credential is restricted from accessing localhost:\d+\. Only the following domains are allowed: 127\.0\.0\.1/
				: /Refused to send the Just Flow It key to http:\/\/localhost:\d+: it is only sent to the credential's Base URL\./,
		);
		expect(fake.imageHostRequests).toEqual([]);
		expect(JSON.stringify(run)).not.toContain(TEST_KEY);
	});

	test('a key that does not match the credential\'s environment is never sent', async () => {
		await n8n.importWorkflow(httpRequestWorkflow('e2eHttpMismatch', `${fake.baseUrl}/diagrams`, line, MISMATCHED_CREDENTIAL));
		const run = await n8n.execute('e2eHttpMismatch', { allowError: true });
		const error = n8n.runError(run);
		if (line === '2') {
			// The declarative header carries no key: the API answers missing_api_key.
			expect(fake.requests.map((r) => [r.path, r.status, r.headers.authorization])).toEqual([['/api/v1/diagrams', 401, 'Bearer']]);
			expect(error.message).toMatch(/^Authorization failed/);
		} else {
			expect(fake.requests).toEqual([]);
			expect(error.message).toMatch(/^The secret key does not match the credential's environment: Staging keys start with "jfi_sk_test_"/);
		}
		expect(JSON.stringify(fake.requests)).not.toContain(LIVE_KEY);
		expect(JSON.stringify(run)).not.toContain(LIVE_KEY);
	});

	test('the API redirecting the HTTP Request node to another origin: the key never reaches it', async () => {
		fake.settings.imageMode = 'redirect';
		const diagram = fake.seedDiagram({ name: 'Redirected' });
		await n8n.importWorkflow(
			httpRequestWorkflow('e2eHttpRedirect', `${fake.baseUrl}/diagrams/${diagram.id}/image?format=png&theme=light`, line),
		);
		const run = await n8n.execute('e2eHttpRedirect', { allowError: true });
		expect(fake.requests.map((r) => r.headers.authorization)).toEqual([`Bearer ${TEST_KEY}`]);
		if (line === '2') {
			// n8n 2.x drops the header on a cross-origin redirect (HTTP Request 4.4 and later).
			expect(fake.imageHostRequests).toHaveLength(1);
			expect(fake.imageHostRequests[0].headers.authorization).toBeUndefined();
			expect(n8n.runError(run)).toBeUndefined();
		} else {
			// n8n 1.x before 1.123.5x would copy it onto any redirect: with the key, no redirect is
			// followed, and the node fails with the API's answer.
			expect(fake.imageHostRequests).toEqual([]);
			expect(n8n.runError(run).message).toBe('302 - ""');
		}
		expect(JSON.stringify(fake.imageHostRequests)).not.toContain(TEST_KEY);
	});

	if (line !== '2') return;

	test('n8n offers the credential to the HTTP Request node, adds "Custom API Call" to the node, and its credential test passes', async () => {
		const install = await ensureN8nInstalled({ line });
		const server = await startN8nServer(n8n, install, { logFile: path.join(work, 'n8n-server.log') });
		try {
			const cookie = await setUpOwner(server.base, {
				email: 'owner@example.com',
				firstName: 'E2E',
				lastName: 'Owner',
				password: 'E2e-owner-password-1',
			});
			const headers = { cookie: `n8n-auth=${cookie}`, 'browser-id': 'jfi-e2e' };
			const credentialTypes = await (await fetch(`${server.base}/types/credentials.json`, { headers })).json();
			const ours = credentialTypes.find((type) => type.name === 'justFlowItApi');
			// The HTTP Request node's Credential Type list takes types that have `authenticate`.
			expect(ours.authenticate).toEqual({
				type: 'generic',
				properties: { headers: { Authorization: bearerHeaderExpression() } },
			});
			const httpRequest = (await (await fetch(`${server.base}/types/nodes.json`, { headers })).json()).find(
				(type) => type.name === 'n8n-nodes-base.httpRequest' && [].concat(type.version).includes(HTTP_REQUEST_VERSION[line]),
			);
			const credentialType = httpRequest.properties.find((p) => p.name === 'nodeCredentialType');
			expect(credentialType.credentialTypes).toContain('has:authenticate');
			const nodeTypes = await (await fetch(`${server.base}/types/nodes.json`, { headers })).json();
			const node = nodeTypes.find((type) => type.name === 'n8n-nodes-justflowit.justFlowIt');
			const resource = node.properties.find((p) => p.name === 'resource');
			expect(resource.options.at(-1)).toEqual({ name: 'Custom API Call', value: '__CUSTOM_API_CALL__' });

			// The credential dialog's Test, with the hidden fields as the editor sends them (their
			// defaults, the host still an expression): n8n resolves it, and its domain check lets the
			// test request through to the Base URL.
			const defaults = Object.fromEntries(ours.properties.map((p) => [p.name, p.default]));
			expect(defaults.allowedHttpRequestDomains).toBe('domains');
			fake.reset();
			const tested = await fetch(`${server.base}/rest/credentials/test`, {
				method: 'POST',
				headers: { ...headers, 'content-type': 'application/json' },
				body: JSON.stringify({
					credentials: {
						id: CREDENTIAL.id,
						name: CREDENTIAL.name,
						type: 'justFlowItApi',
						data: { ...defaults, apiKey: TEST_KEY, environment: 'staging', baseUrl: fake.baseUrl },
					},
				}),
			});
			expect(await tested.json()).toEqual({ data: { status: 'OK', message: 'Connection successful!' } });
			expect(fake.requests.map((r) => [r.path, r.headers.authorization])).toEqual([['/api/v1/diagrams', `Bearer ${TEST_KEY}`]]);
		} finally {
			await server.stop();
		}
	});
}

for (const line of selectedLines(DEFAULT_LINES)) {
	describe(`HTTP Request node with the credential, ${path.basename(installDir(line))}`, () => httpRequestSuite(line));
}
