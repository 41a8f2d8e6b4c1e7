'use strict';
/**
 * Just Flow It tools behind n8n's MCP Server Trigger, in a real n8n 2.41.1: the packed package
 * installed as users get it, a workflow with an MCP Server Trigger (`@n8n/n8n-nodes-langchain.mcpTrigger`
 * v2, Streamable HTTP at /mcp/<path>) and two Just Flow It tools, published, `n8n start`. A small
 * MCP client written here (JSON-RPC over POST; answers as JSON or as SSE `data:` lines) lists the
 * tools and calls one; the fake API on 127.0.0.1 checks what the tool sent.
 *
 * Line 2 only, like the agent suite: n8n's AI nodes are tested on the current line.
 */
const { execFileSync } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');

const { prepareN8n, installDir, ensureN8nInstalled } = require('./n8n-runner');
const { startFakeServer, TEST_KEY } = require('../fake/server');
const { startN8nServer } = require('../browser/stack');

const ROOT = path.resolve(__dirname, '..', '..');
const LINE = '2';
const CREDENTIAL = { id: 'jfiMcpCredential', name: 'Just Flow It (fake API)' };
const WORKFLOW_ID = 'e2eMcpServer';
const MCP_PATH = 'jfi-diagrams';
const BEFORE_ALL_TIMEOUT_MS = 45 * 60 * 1000;
/** Each MCP answer must come within this (n8n runs the tool and the fake answers at once). */
const ANSWER_TIMEOUT_MS = 60 * 1000;
/** n8n registers the published workflow's webhooks shortly after its REST API answers. */
const ENDPOINT_READY_TIMEOUT_MS = 60 * 1000;

function tool(id, name, parameters, x) {
	return {
		id,
		name,
		type: 'n8n-nodes-justflowit.justFlowItTool',
		typeVersion: 1,
		position: [x, 220],
		parameters,
		credentials: { justFlowItApi: { ...CREDENTIAL } },
	};
}

const WORKFLOW = {
	id: WORKFLOW_ID,
	name: 'Just Flow It over MCP',
	active: false,
	nodes: [
		{
			id: 'mcp',
			name: 'MCP Server Trigger',
			type: '@n8n/n8n-nodes-langchain.mcpTrigger',
			typeVersion: 2,
			position: [0, 0],
			webhookId: '6f1f3a52-2d0e-4f38-9a4c-7f0f4d1e9b21',
			parameters: { path: MCP_PATH, authentication: 'none' },
		},
		tool(
			'list',
			'List diagrams',
			{
				resource: 'diagram',
				operation: 'getAll',
				limit: "={{ $fromAI('Limit', `How many diagrams to list, newest first (1 to 100)`, 'number') }}",
			},
			-120,
		),
		tool(
			'get',
			'Get diagram',
			{
				resource: 'diagram',
				operation: 'get',
				diagramId: { __rl: true, mode: 'id', value: "={{ $fromAI('Diagram', `The diagram's ID`, 'string') }}" },
			},
			120,
		),
	],
	connections: {
		'List diagrams': { ai_tool: [[{ node: 'MCP Server Trigger', type: 'ai_tool', index: 0 }]] },
		'Get diagram': { ai_tool: [[{ node: 'MCP Server Trigger', type: 'ai_tool', index: 0 }]] },
	},
	settings: { executionOrder: 'v1' },
};

/**
 * A minimal MCP client for the Streamable HTTP transport: each JSON-RPC message is a POST; a
 * request's answer comes as `application/json` or as a `text/event-stream` whose `data:` lines
 * carry JSON-RPC messages. The session id from `initialize` goes on every later message.
 */
class McpClient {
	constructor(url) {
		this.url = url;
		this.sessionId = undefined;
		this.nextId = 1;
	}

	async post(message) {
		const headers = { 'content-type': 'application/json', accept: 'application/json, text/event-stream' };
		if (this.sessionId) headers['mcp-session-id'] = this.sessionId;
		return await fetch(this.url, {
			method: 'POST',
			headers,
			body: JSON.stringify(message),
			signal: AbortSignal.timeout(ANSWER_TIMEOUT_MS),
		});
	}

	/** Sends a request; resolves its JSON-RPC `result`, throws on a JSON-RPC `error`. */
	async request(method, params) {
		const id = this.nextId++;
		const response = await this.post({ jsonrpc: '2.0', id, method, params });
		if (!response.ok) throw new Error(`${method}: HTTP ${response.status} ${await response.text()}`);
		this.sessionId = response.headers.get('mcp-session-id') ?? this.sessionId;
		const answer = await readAnswer(response, id);
		if (answer.error) throw new Error(`${method}: JSON-RPC error ${JSON.stringify(answer.error)}`);
		return answer.result;
	}

	/** Sends a notification (no id, no answer; the server says 202 Accepted). */
	async notify(method, params) {
		const response = await this.post({ jsonrpc: '2.0', method, ...(params ? { params } : {}) });
		await response.body?.cancel();
		return response.status;
	}
}

/** The JSON-RPC message with `id` from a JSON body or from an SSE stream, read until it arrives. */
async function readAnswer(response, id) {
	const type = response.headers.get('content-type') ?? '';
	if (type.includes('application/json')) return await response.json();
	if (!type.includes('text/event-stream')) throw new Error(`unexpected answer type "${type}"`);
	const decoder = new TextDecoder();
	let buffered = '';
	for await (const chunk of response.body) {
		buffered += decoder.decode(chunk, { stream: true });
		const events = buffered.split(/\r?\n\r?\n/);
		buffered = events.pop();
		for (const event of events) {
			const data = event
				.split(/\r?\n/)
				.filter((line) => line.startsWith('data:'))
				.map((line) => line.slice(5).trimStart())
				.join('\n');
			if (!data) continue;
			const message = JSON.parse(data);
			if (message.id === id) {
				await response.body.cancel().catch(() => {});
				return message;
			}
		}
	}
	throw new Error(`the event stream ended without an answer to request ${id}`);
}

/** Waits until the MCP endpoint stops answering 404 (the workflow's webhooks are registered). */
async function waitForEndpoint(url) {
	const deadline = Date.now() + ENDPOINT_READY_TIMEOUT_MS;
	for (;;) {
		const response = await fetch(url, { method: 'DELETE' }).catch(() => undefined);
		await response?.body?.cancel();
		if (response && response.status !== 404) return;
		if (Date.now() > deadline) throw new Error(`${url} still answered 404 after ${ENDPOINT_READY_TIMEOUT_MS / 1000} s`);
		await new Promise((resolve) => setTimeout(resolve, 500));
	}
}

describe(`MCP Server Trigger with Just Flow It tools, ${path.basename(installDir(LINE))}`, () => {
	let work;
	let n8n;
	let fake;
	let server;
	let client;

	beforeAll(async () => {
		work = fs.mkdtempSync(path.join(os.tmpdir(), 'jfi-e2e-mcp-'));
		execFileSync('npm', ['run', 'build'], { cwd: ROOT, stdio: 'ignore' });
		const packed = JSON.parse(
			execFileSync('npm', ['pack', '--json', '--ignore-scripts', '--pack-destination', work], { cwd: ROOT, encoding: 'utf8' }),
		);
		fake = await startFakeServer();
		n8n = await prepareN8n({ packageTarball: path.join(work, packed[0].filename), line: LINE });
		await n8n.importCredentials([
			{ ...CREDENTIAL, type: 'justFlowItApi', data: { apiKey: TEST_KEY, environment: 'staging', baseUrl: fake.baseUrl } },
		]);
		await n8n.importWorkflow(WORKFLOW);
		// Publishing against a running n8n needs a restart: publish first, then start.
		const published = await n8n.n8n(['publish:workflow', `--id=${WORKFLOW_ID}`]);
		if (published.code !== 0) throw new Error(`n8n publish:workflow failed:\n${published.stdout}\n${published.stderr}`);
		const install = await ensureN8nInstalled({ line: LINE });
		server = await startN8nServer(n8n, install, { logFile: path.join(work, 'n8n-server.log') });
		const url = `${server.base}/mcp/${MCP_PATH}`;
		await waitForEndpoint(url);
		client = new McpClient(url);
	}, BEFORE_ALL_TIMEOUT_MS);

	afterAll(async () => {
		await server?.stop();
		await n8n?.cleanup();
		await fake?.close();
		if (work) fs.rmSync(work, { recursive: true, force: true });
	});

	test('an MCP client initializes a session and lists the Just Flow It tools with their inputs', async () => {
		const initialized = await client.request('initialize', {
			protocolVersion: '2025-03-26',
			capabilities: {},
			clientInfo: { name: 'jfi-e2e', version: '1.0.0' },
		});
		expect(initialized.capabilities.tools).toBeDefined();
		expect(client.sessionId).toEqual(expect.any(String));
		expect(await client.notify('notifications/initialized')).toBe(202);

		const { tools } = await client.request('tools/list', {});
		expect(tools.map((t) => t.name).sort()).toEqual(['Get_diagram', 'List_diagrams']);
		const list = tools.find((t) => t.name === 'List_diagrams');
		expect(list.inputSchema.properties.Limit).toMatchObject({ type: 'number' });
		expect(tools.find((t) => t.name === 'Get_diagram').inputSchema.properties.Diagram).toMatchObject({ type: 'string' });
		expect(fake.requests).toEqual([]);
	});

	test('calling List_diagrams returns the API\'s diagrams, fetched with the key', async () => {
		fake.reset();
		const seeded = ['Invoice approval', 'Onboarding'].map((name) => fake.seedDiagram({ name }));
		const result = await client.request('tools/call', { name: 'List_diagrams', arguments: { Limit: 5 } });
		expect(result.isError).toBeFalsy();
		const text = result.content.filter((part) => part.type === 'text').map((part) => part.text).join('\n');
		const returned = JSON.parse(text);
		const names = [].concat(returned).map((diagram) => diagram.name);
		expect(names.sort()).toEqual(seeded.map((d) => d.name).sort());
		expect(fake.requests.map((r) => `${r.method} ${r.path}?${new URLSearchParams(r.query)}`)).toEqual([
			'GET /api/v1/diagrams?limit=5',
		]);
		expect(fake.requests[0].headers.authorization).toBe(`Bearer ${TEST_KEY}`);
		expect(text).not.toContain(TEST_KEY);
	});
});
