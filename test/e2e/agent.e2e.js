'use strict';
/**
 * Just Flow It as an AI agent's tool, in a real n8n: examples/agent-diagram-assistant.json (n8n's AI
 * Agent v3.1, the OpenAI Chat Model v1.2, four Just Flow It tools) runs with `n8n execute`. The chat
 * model's credential points at a scripted fake chat-completions server (test/agent/fake-openai.js)
 * and the Just Flow It credential at the fake API (test/fake/), both on 127.0.0.1.
 *
 * Each test plays one conversation: the fake model calls tools with exact arguments, reads what the
 * agent sent back, and writes its final answer from it. The tests assert
 * - what the model was offered (tool names, descriptions, argument schemas),
 * - the exact arguments each tool got and the exact API requests Just Flow It saw,
 * - what the model was sent back: the exact tool answers, small, without binary bytes or the key.
 *
 * The Chat Trigger is swapped for a Manual Trigger plus an Edit Fields node that outputs what the
 * chat would (`chatInput`); everything else runs as saved in the example.
 */
const { execFileSync } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');

const { prepareN8n } = require('./n8n-runner');
const { startFakeServer, TEST_KEY } = require('../fake/server');
const { startFakeOpenAi, toolCalls, finalText } = require('../agent/fake-openai');

const ROOT = path.resolve(__dirname, '..', '..');
const JFI_CREDENTIAL = { id: 'jfiAgentCredential', name: 'Just Flow It (fake API)' };
const OPENAI_CREDENTIAL = { id: 'fakeOpenAiCredential', name: 'OpenAI (fake model)' };
const OPENAI_KEY = 'sk-fake-openai-key-for-tests';
const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
const UNKNOWN_ID = '0b5e8c1d-2f3a-4b6c-9d7e-8f9a0b1c2d3e';
/** A tool answer the model gets must stay well inside a model's context. */
const MAX_TOOL_ANSWER_CHARS = 4000;

let work;
let n8n;
let fake;
let llm;
let example;

/** The example as a workflow `n8n execute` can run: the chat message given as `chatInput`. */
function conversation(id, chatInput) {
	const workflow = JSON.parse(JSON.stringify(example));
	workflow.id = id;
	workflow.active = false;
	for (const node of workflow.nodes) {
		if (node.credentials?.justFlowItApi) node.credentials.justFlowItApi = { ...JFI_CREDENTIAL };
		if (node.credentials?.openAiApi) node.credentials.openAiApi = { ...OPENAI_CREDENTIAL };
	}
	const index = workflow.nodes.findIndex((node) => node.type === '@n8n/n8n-nodes-langchain.chatTrigger');
	const trigger = workflow.nodes[index];
	workflow.nodes[index] = {
		id: trigger.id,
		name: trigger.name,
		type: 'n8n-nodes-base.set',
		typeVersion: 3.4,
		position: trigger.position,
		parameters: {
			mode: 'manual',
			assignments: { assignments: [{ id: 'chat-input', name: 'chatInput', value: chatInput, type: 'string' }] },
			options: {},
		},
	};
	workflow.nodes.push({ id: 'manual-start', name: 'Manual start', type: 'n8n-nodes-base.manualTrigger', typeVersion: 1, position: [-240, 0], parameters: {} });
	workflow.connections['Manual start'] = { main: [[{ node: trigger.name, type: 'main', index: 0 }]] };
	return workflow;
}

/** The API requests the fake Just Flow It saw, as `METHOD /path?query`. */
function apiRequests() {
	return fake.requests.map((r) => {
		const query = new URLSearchParams(r.query).toString();
		return `${r.method} ${r.path.replace(/^\/api\/v1/, '')}${query ? `?${query}` : ''}`;
	});
}

/** The arguments each run of a tool node got from the agent. */
function toolInputs(run, nodeName) {
	return (run.data.resultData.runData[nodeName] ?? []).map((task) => task.inputOverride?.ai_tool?.[0]?.[0]?.json);
}

/** The final answer of the agent. */
function agentAnswer(run) {
	return n8n.nodeOutput(run, 'Diagram assistant')[0]?.json.output;
}

/** Everything the model was sent back by tools, checked for size, binary bytes and the key. */
function expectSafeToolAnswers() {
	const answers = llm.turns.flatMap((turn) => turn.toolResults);
	for (const answer of answers) {
		expect(answer.content.length).toBeLessThan(MAX_TOOL_ANSWER_CHARS);
		expect(answer.content).not.toMatch(/iVBORw0KGgo|\\u0089PNG|<svg|"data":\s*"[A-Za-z0-9+/=]{200,}/);
		expect(answer.content).not.toContain(TEST_KEY);
		expect(answer.content).not.toContain('jfi_sk_');
	}
	const everything = JSON.stringify(llm.requests);
	expect(everything).not.toContain(TEST_KEY);
	expect(everything).not.toContain('jfi_sk_');
	return answers;
}

beforeAll(async () => {
	example = JSON.parse(fs.readFileSync(path.join(ROOT, 'examples', 'agent-diagram-assistant.json'), 'utf8'));
	work = fs.mkdtempSync(path.join(os.tmpdir(), 'jfi-agent-e2e-'));
	execFileSync('npm', ['run', 'build'], { cwd: ROOT, stdio: 'ignore' });
	const packed = JSON.parse(
		execFileSync('npm', ['pack', '--json', '--ignore-scripts', '--pack-destination', work], { cwd: ROOT, encoding: 'utf8' }),
	);
	fake = await startFakeServer();
	llm = await startFakeOpenAi();
	n8n = await prepareN8n({ packageTarball: path.join(work, packed[0].filename) });
	await n8n.importCredentials([
		{ ...JFI_CREDENTIAL, type: 'justFlowItApi', data: { apiKey: TEST_KEY, environment: 'staging', baseUrl: fake.baseUrl } },
		{ ...OPENAI_CREDENTIAL, type: 'openAiApi', data: { apiKey: OPENAI_KEY, url: llm.baseUrl, header: false } },
	]);
});

afterAll(async () => {
	await n8n?.cleanup();
	await fake?.close();
	await llm?.close();
	if (work) fs.rmSync(work, { recursive: true, force: true });
});

beforeEach(() => {
	fake.reset();
	fake.settings.generation = { queuedMs: 200, runningMs: 800 };
	llm.reset();
});

/** What the model is offered: tool names (node names), descriptions (the operation's action) and argument schemas ($fromAI). */
function expectOfferedTools(turn) {
	const tools = Object.fromEntries(turn.tools.map((tool) => [tool.name, tool]));
	expect(Object.keys(tools).sort()).toEqual(['Generate_diagram', 'List_diagrams', 'List_folders', 'Render_diagram']);
	expect(Object.fromEntries(Object.entries(tools).map(([name, tool]) => [name, tool.description]))).toEqual({
		Generate_diagram: 'Generate a BPMN diagram from a process description in Just Flow It',
		Render_diagram: 'Render a diagram as a PNG or SVG image in Just Flow It',
		List_diagrams: 'Get many diagrams in Just Flow It',
		List_folders: 'Get many folders in Just Flow It',
	});
	expect(tools.Generate_diagram.parameters).toMatchObject({
		type: 'object',
		properties: {
			Prompt: { type: 'string', description: expect.stringContaining('The process to draw, in plain words') },
			Name: { type: 'string', description: 'A short name for the new diagram, e.g. Expense claim' },
		},
	});
	expect([...tools.Generate_diagram.parameters.required].sort()).toEqual(['Name', 'Prompt']);
	expect(tools.Render_diagram.parameters).toMatchObject({
		properties: {
			Diagram: { type: 'string', description: expect.stringContaining('a UUID like 3f9c2b1a-7d4e-4a2c-9b6f-1e8d5c0a2f31') },
			Theme: { type: 'string', description: 'light or dark' },
		},
	});
	expect([...tools.Render_diagram.parameters.required].sort()).toEqual(['Diagram', 'Theme']);
	expect(tools.List_diagrams.parameters).toMatchObject({ properties: { Limit: { type: 'number' } }, required: ['Limit'] });
	expect(tools.List_folders.parameters.properties).toEqual({});
}

test('"draw the process and render it dark": the model is offered four tools, calls Generate diagram, then Render diagram with the new ID and theme dark', async () => {
	const chat = 'Draw our expense claim process and render it dark: the employee submits receipts, the manager approves, finance pays out.';
	const prompt = 'Expense claim: the employee submits receipts, the manager approves, finance pays out';
	llm.script([
		() => toolCalls({ name: 'Generate_diagram', arguments: { Prompt: prompt, Name: 'Expense claim' } }),
		(turn) => {
			const [generation] = turn.toolResults[0].json;
			return toolCalls({ name: 'Render_diagram', arguments: { Diagram: generation.diagram_id, Theme: 'dark' } });
		},
		(turn) => {
			const [image] = turn.toolResults[0].json;
			return finalText(`Done: "${image.name}" rendered ${image.theme} as ${image.fileName} (${image.fileSize} bytes).`);
		},
	]);
	await n8n.importWorkflow(conversation('agentGenerateRender', chat));
	const run = await n8n.execute('agentGenerateRender');
	expect(llm.errors).toEqual([]);
	expect(llm.chatRequests[0].headers.authorization).toBe(`Bearer ${OPENAI_KEY}`);
	expectOfferedTools(llm.turns[0]);
	expect(llm.turns[0].messages.map((m) => m.role)).toEqual(['system', 'user']);
	expect(llm.turns[0].messages[0].content).toContain('You are a diagram assistant for Just Flow It');
	expect(llm.turns[0].messages[1].content).toBe(chat);

	// The arguments the tools got, exactly as the model gave them.
	expect(toolInputs(run, 'Generate diagram')).toEqual([{ Prompt: prompt, Name: 'Expense claim' }]);
	const { diagrams } = fake.inspect();
	expect(diagrams).toHaveLength(1);
	const diagramId = diagrams[0].id;
	expect(toolInputs(run, 'Render diagram')).toEqual([{ Diagram: diagramId, Theme: 'dark' }]);

	// The requests Just Flow It saw: one generation (polled until done, no image download), one render.
	const lines = apiRequests();
	expect(lines[0]).toBe('POST /diagrams/generate');
	expect(JSON.parse(fake.requests[0].body)).toEqual({ prompt, name: 'Expense claim' });
	const [generationRecord] = fake.inspect().generations;
	const polls = lines.slice(1, -2);
	expect(polls.length).toBeGreaterThanOrEqual(1);
	expect(new Set(polls)).toEqual(new Set([`GET /generations/${generationRecord.id}`]));
	// Render: the image, then the diagram itself for its name (Options → Look Up Diagram Name is on in the example).
	expect(lines.slice(-2)).toEqual([`GET /diagrams/${diagramId}/image?format=png&theme=dark`, `GET /diagrams/${diagramId}`]);
	expect(fake.requests.every((r) => r.headers.authorization === `Bearer ${TEST_KEY}`)).toBe(true);

	// What the model was sent back: the generation's JSON, then a description of the picture.
	const answers = expectSafeToolAnswers();
	expect(answers.map((a) => a.name)).toEqual(['Generate_diagram', 'Render_diagram']);
	const [generation] = answers[0].json;
	expect(generation).toMatchObject({ status: 'succeeded', diagram_id: diagramId, name: 'Expense claim', prompt });
	expect(answers[0].json).toHaveLength(1);
	expect(answers[1].json).toEqual([
		{
			diagramId,
			name: 'Expense claim',
			format: 'png',
			theme: 'dark',
			fileName: `Expense claim (${diagramId}).png`,
			mimeType: 'image/png',
			fileSize: expect.any(Number),
		},
	]);
	// The picture itself stays in n8n's binary store, in the tool's run data; the model never gets it.
	const [rendered] = run.data.resultData.runData['Render diagram'][0].data.ai_tool[0];
	expect(rendered.binary.data).toMatchObject({ mimeType: 'image/png', fileName: `Expense claim (${diagramId}).png` });
	expect((await n8n.readBinary(rendered.binary.data)).subarray(0, 8).equals(PNG_SIGNATURE)).toBe(true);
	expect(agentAnswer(run)).toBe(
		`Done: "Expense claim" rendered dark as Expense claim (${diagramId}).png (${answers[1].json[0].fileSize} bytes).`,
	);
});

test('"list my diagrams in folder Onboarding": List folders finds the folder, List diagrams with the limit the model chose', async () => {
	const onboarding = fake.seedFolder({ name: 'Onboarding' });
	const finance = fake.seedFolder({ name: 'Finance' });
	fake.seedDiagram({ name: 'Root diagram' });
	const inFolder = ['Welcome call', 'Account setup', 'First invoice'].map((name) => fake.seedDiagram({ name, folderId: onboarding.id }));
	fake.seedDiagram({ name: 'Payroll', folderId: finance.id });
	llm.script([
		() => toolCalls({ name: 'List_folders', arguments: {} }),
		(turn) => {
			if (!turn.toolResults[0].json.some((f) => f.name === 'Onboarding')) return finalText('There is no folder named Onboarding.');
			return toolCalls({ name: 'List_diagrams', arguments: { Limit: 10 } });
		},
		(turn) => {
			const folders = llm.turns[1].toolResults[0].json;
			const folder = folders.find((f) => f.name === 'Onboarding');
			const names = turn.toolResults[0].json.filter((d) => d.folder_id === folder.id).map((d) => d.name);
			return finalText(`In Onboarding: ${names.join(', ')}.`);
		},
	]);
	await n8n.importWorkflow(conversation('agentListFolder', 'List my diagrams in folder Onboarding'));
	const run = await n8n.execute('agentListFolder');
	expect(llm.errors).toEqual([]);

	expect(toolInputs(run, 'List folders')).toEqual([{}]);
	expect(toolInputs(run, 'List diagrams')).toEqual([{ Limit: 10 }]);
	expect(apiRequests()).toEqual(['GET /folders?limit=100', 'GET /diagrams?limit=10']);

	const answers = expectSafeToolAnswers();
	expect(answers[0].json.map((f) => f.name)).toEqual(['Finance', 'Onboarding']);
	expect(answers[1].json.map((d) => d.name)).toEqual(['Payroll', 'First invoice', 'Account setup', 'Welcome call', 'Root diagram']);
	expect(agentAnswer(run)).toBe(`In Onboarding: ${[...inFolder].reverse().map((d) => d.name).join(', ')}.`);
});

test('an unknown diagram ID: the model is told the diagram was not found and what to do, lists diagrams, renders the right one', async () => {
	const diagram = fake.seedDiagram({ name: 'Order to cash' });
	llm.script([
		() => toolCalls({ name: 'Render_diagram', arguments: { Diagram: UNKNOWN_ID, Theme: 'dark' } }),
		(turn) => {
			const [failure] = turn.toolResults[0].json;
			if (!/not found/i.test(failure.error)) return finalText(`Cannot act on: ${turn.toolResults[0].content}`);
			return toolCalls({ name: 'List_diagrams', arguments: { Limit: 20 } });
		},
		(turn) => {
			const match = turn.toolResults[0].json.find((d) => d.name === 'Order to cash');
			return toolCalls({ name: 'Render_diagram', arguments: { Diagram: match.id, Theme: 'dark' } });
		},
		(turn) => finalText(`Rendered ${turn.toolResults[0].json[0].fileName} instead.`),
	]);
	await n8n.importWorkflow(conversation('agentUnknownId', `Render diagram ${UNKNOWN_ID} dark`));
	const run = await n8n.execute('agentUnknownId');
	expect(llm.errors).toEqual([]);

	expect(toolInputs(run, 'Render diagram')).toEqual([
		{ Diagram: UNKNOWN_ID, Theme: 'dark' },
		{ Diagram: diagram.id, Theme: 'dark' },
	]);
	expect(apiRequests()).toEqual([
		`GET /diagrams/${UNKNOWN_ID}/image?format=png&theme=dark`,
		'GET /diagrams?limit=20',
		`GET /diagrams/${diagram.id}/image?format=png&theme=dark`,
		`GET /diagrams/${diagram.id}`,
	]);
	const answers = expectSafeToolAnswers();
	expect(answers[0].json).toEqual([{ error: expect.any(String) }]);
	expect(answers[0].json[0].error).toBe(
		'The diagram was not found. Check the diagram ID (Get Many lists the diagrams with their IDs). It may have been deleted, or belong to another account or environment (live and test keys see separate data).',
	);
	expect(agentAnswer(run)).toBe(`Rendered Order to cash (${diagram.id}).png instead.`);
});

test('IDs and values the way a model writes them: a diagram link and "Dark" work; a name instead of an ID gets a message saying how to find the ID', async () => {
	const diagram = fake.seedDiagram({ name: 'Order to cash' });
	llm.script([
		() => toolCalls({ name: 'Render_diagram', arguments: { Diagram: `https://justflow.it/app/diagrams/${diagram.id}`, Theme: 'Dark' } }),
		() => toolCalls({ name: 'Render_diagram', arguments: { Diagram: 'Order to cash', Theme: 'light' } }),
		(turn) => finalText(`Second try said: ${turn.toolResults[0].json[0].error}`),
	]);
	await n8n.importWorkflow(conversation('agentIdShapes', `Render ${diagram.id} dark`));
	const run = await n8n.execute('agentIdShapes');
	expect(llm.errors).toEqual([]);

	expect(toolInputs(run, 'Render diagram')).toEqual([
		{ Diagram: `https://justflow.it/app/diagrams/${diagram.id}`, Theme: 'Dark' },
		{ Diagram: 'Order to cash', Theme: 'light' },
	]);
	// The link gave the ID, "Dark" became the API's "dark"; the name was refused before any request.
	expect(apiRequests()).toEqual([`GET /diagrams/${diagram.id}/image?format=png&theme=dark`, `GET /diagrams/${diagram.id}`]);
	const answers = expectSafeToolAnswers();
	expect(answers[0].json).toEqual([expect.objectContaining({ diagramId: diagram.id, theme: 'dark', fileName: `Order to cash (${diagram.id}).png` })]);
	expect(answers[1].json).toEqual([{ error: expect.any(String) }]);
	expect(answers[1].json[0].error).toBe(
		'Diagram "Order to cash" is not a valid ID. Just Flow It IDs look like 3f9c2b1a-7d4e-4a2c-9b6f-1e8d5c0a2f31. Give the diagram\'s ID or its link, or pick it from the list (Get Many lists them with their IDs).',
	);
});

test('Get Many as a tool returns at most 100 items per call, whatever limit the model asks for', async () => {
	fake.seedDiagrams(120, { namePrefix: 'Process' });
	llm.script([
		() => toolCalls({ name: 'List_diagrams', arguments: { Limit: 500 } }),
		(turn) => finalText(`Got ${turn.toolResults[0].json.length} diagrams.`),
	]);
	await n8n.importWorkflow(conversation('agentListCap', 'List all my diagrams'));
	const run = await n8n.execute('agentListCap');
	expect(llm.errors).toEqual([]);

	expect(toolInputs(run, 'List diagrams')).toEqual([{ Limit: 500 }]);
	expect(apiRequests()).toEqual(['GET /diagrams?limit=100']);
	const [answer] = llm.turns[1].toolResults;
	expect(answer.json).toHaveLength(100);
	expect(answer.json[0].name).toBe('Process 120');
	expect(answer.content.length).toBeLessThan(30000);
	expect(agentAnswer(run)).toBe('Got 100 diagrams.');
});
