'use strict';
/**
 * End to end in a real n8n: `npm pack` the project, install the tarball the way users do, import a
 * credential pointing at the fake Just Flow It API on 127.0.0.1, import the three example
 * workflows from examples/, run them with `n8n execute`, and check their outputs (json and binary,
 * read back from n8n's binary store) and the exact requests the fake saw.
 *
 * Triggers that `n8n execute` cannot fire (form, schedule) are swapped for a Manual Trigger (plus,
 * for the form, an Edit Fields node that outputs what the form would); everything after the trigger
 * runs exactly as in the example file.
 *
 * The whole suite runs once per n8n line (see install-n8n.sh): by default on n8n 2.41.1 (Node 24)
 * and n8n 1.123.81 (Node 22), each from its own cached install. JFI_E2E_LINES=2 (or =1) runs one.
 */
const { execFileSync } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');

const { prepareN8n, selectedLines, installDir } = require('./n8n-runner');
const { startFakeServer, TEST_KEY, LIVE_KEY, sampleBpmn } = require('../fake/server');

const ROOT = path.resolve(__dirname, '..', '..');
const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
const CREDENTIAL = { id: 'jfiFakeCredential', name: 'Just Flow It (fake API)' };
const MISMATCHED_CREDENTIAL = { id: 'jfiMismatchedCredential', name: 'Just Flow It (live key, staging)' };

/** A cold cache installs the line's n8n inside beforeAll: measured 3-7 min here, so allow 45. */
const BEFORE_ALL_TIMEOUT_MS = 45 * 60 * 1000;

/** The lines `npm test` runs when JFI_E2E_LINES is not set. */
const DEFAULT_LINES = ['2', '1'];

function loadExample(file) {
	return JSON.parse(fs.readFileSync(path.join(ROOT, 'examples', file), 'utf8'));
}

/** The example with its credential mapped to the test one and an id for `n8n execute`. */
function importable(example, id, credential = CREDENTIAL) {
	const workflow = JSON.parse(JSON.stringify(example));
	workflow.id = id;
	workflow.active = false;
	for (const node of workflow.nodes) {
		if (node.credentials?.justFlowItApi) node.credentials.justFlowItApi = { ...credential };
	}
	return workflow;
}

/** Replaces the trigger node `name` by a Manual Trigger, followed by `output` fields if given. */
function withManualStart(workflow, name, output) {
	const index = workflow.nodes.findIndex((node) => node.name === name);
	const trigger = workflow.nodes[index];
	if (!output) {
		workflow.nodes[index] = { ...trigger, type: 'n8n-nodes-base.manualTrigger', typeVersion: 1, parameters: {} };
		delete workflow.nodes[index].webhookId;
		return workflow;
	}
	workflow.nodes[index] = {
		id: trigger.id,
		name,
		type: 'n8n-nodes-base.set',
		typeVersion: 3.4,
		position: trigger.position,
		parameters: {
			mode: 'manual',
			assignments: {
				assignments: Object.entries(output).map(([field, value], i) => ({ id: `field-${i}`, name: field, value, type: 'string' })),
			},
			options: {},
		},
	};
	workflow.nodes.push({ id: 'manual-start', name: 'Manual start', type: 'n8n-nodes-base.manualTrigger', typeVersion: 1, position: [-240, 0], parameters: {} });
	workflow.connections['Manual start'] = { main: [[{ node: name, type: 'main', index: 0 }]] };
	return workflow;
}

function requestLines(fake) {
	return fake.requests.map((r) => {
		const query = new URLSearchParams(r.query).toString();
		return `${r.method} ${r.path.replace(/^\/api\/v1/, '')}${query ? `?${query}` : ''}`;
	});
}

function examplesSuite(line) {
	let work;
	let n8n;
	let fake;
	let backupDir;

	beforeAll(async () => {
		work = fs.mkdtempSync(path.join(os.tmpdir(), 'jfi-e2e-'));
		backupDir = path.join(work, 'backups');
		fs.mkdirSync(backupDir);
		execFileSync('npm', ['run', 'build'], { cwd: ROOT, stdio: 'ignore' });
		const packed = JSON.parse(
			execFileSync('npm', ['pack', '--json', '--ignore-scripts', '--pack-destination', work], { cwd: ROOT, encoding: 'utf8' }),
		);
		fake = await startFakeServer();
		n8n = await prepareN8n({
			packageTarball: path.join(work, packed[0].filename),
			env: { N8N_RESTRICT_FILE_ACCESS_TO: backupDir },
			line,
		});
		await n8n.importCredentials([
			{ ...CREDENTIAL, type: 'justFlowItApi', data: { apiKey: TEST_KEY, environment: 'staging', baseUrl: fake.baseUrl } },
			{ ...MISMATCHED_CREDENTIAL, type: 'justFlowItApi', data: { apiKey: LIVE_KEY, environment: 'staging', baseUrl: fake.baseUrl } },
		]);
	}, BEFORE_ALL_TIMEOUT_MS);

	afterAll(async () => {
		await n8n?.cleanup();
		await fake?.close();
		if (work) fs.rmSync(work, { recursive: true, force: true });
	});

	beforeEach(() => {
		fake.reset();
		fake.settings.generation = { queuedMs: 200, runningMs: 800 };
	});

	test('the tarball is installed into n8n\'s nodes folder the way users get it', () => {
		expect(n8n.packageName).toBe('n8n-nodes-justflowit');
		const installed = JSON.parse(
			fs.readFileSync(path.join(n8n.nodesDir, 'node_modules', 'n8n-nodes-justflowit', 'package.json'), 'utf8'),
		);
		expect(installed.n8n.nodes).toEqual([
			'dist/nodes/JustFlowIt/JustFlowIt.node.js',
			'dist/nodes/JustFlowItTrigger/JustFlowItTrigger.node.js',
		]);
	});

	test('form submission → Generate (wait) → the PNG, ready to send on', async () => {
		const workflow = withManualStart(importable(loadExample('form-to-diagram.json'), 'e2eFormToDiagram'), 'Form submission', {
			'Process description': 'Expense claim: the employee submits receipts, the manager approves, finance pays out',
			'Diagram name': 'Expense claim',
		});
		await n8n.importWorkflow(workflow);
		const run = await n8n.execute('e2eFormToDiagram');
		const [generated] = n8n.nodeOutput(run, 'Send by e-mail (replace me)');
		const fileName = `Expense claim (${generated.json.diagram_id}).png`;
		expect(generated.json).toMatchObject({
			status: 'succeeded',
			name: 'Expense claim',
			file: { fileName, mimeType: 'image/png' },
		});
		expect(generated.json.image_url).toBeUndefined();
		expect(generated.binary.data).toMatchObject({ mimeType: 'image/png', fileName, fileExtension: 'png' });
		const png = await n8n.readBinary(generated.binary.data);
		expect(png.subarray(0, 8).equals(PNG_SIGNATURE)).toBe(true);
		const lines = requestLines(fake);
		expect(lines[0]).toBe('POST /diagrams/generate');
		expect(JSON.parse(fake.requests[0].body)).toEqual({
			prompt: 'Expense claim: the employee submits receipts, the manager approves, finance pays out',
			name: 'Expense claim',
			format: 'png',
			theme: 'light',
		});
		expect(lines[lines.length - 1]).toBe(`GET /diagrams/${generated.json.diagram_id}/image?format=png&theme=light`);
		expect(fake.requests.every((r) => r.headers.authorization === `Bearer ${TEST_KEY}`)).toBe(true);
	});

	test('schedule → Get Many (Return All) → Export BPMN and Render PNG per diagram → one file each, whatever the names', async () => {
		// Names alike, in other scripts, and one Windows keeps for a device: on 3728fa1 "Заказ 1" and
		// "Счёт 1" were both written as 1.bpmn, "入职流程" as diagram.bpmn, the two "Order to cash" as one.
		const names = ['Order to cash', 'Заказ 1', 'Счёт 1', '入职流程', 'Order to cash', 'CON'];
		const seeded = names.map((name, index) => fake.seedDiagram({ name, bpmnXml: sampleBpmn(`${name} #${index}`) }));
		const workflow = importable(loadExample('export-all-diagrams.json'), 'e2eExportAll');
		withManualStart(workflow, 'Every night');
		for (const node of workflow.nodes) {
			if (node.type === 'n8n-nodes-base.readWriteFile') {
				node.parameters.fileName = node.parameters.fileName.replace('/backups/justflowit/', `${backupDir}/`);
			}
		}
		await n8n.importWorkflow(workflow);
		const run = await n8n.execute('e2eExportAll');

		const newestFirst = [...seeded].reverse();
		expect(n8n.nodeOutput(run, 'List all diagrams').map((item) => item.json.id)).toEqual(newestFirst.map((d) => d.id));
		const lines = requestLines(fake);
		expect(lines.filter((line) => line.startsWith('GET /diagrams?'))).toEqual(['GET /diagrams?limit=100']);
		expect(lines.filter((line) => line.endsWith('/bpmn')).sort()).toEqual(seeded.map((d) => `GET /diagrams/${d.id}/bpmn`).sort());
		expect(lines.filter((line) => line.includes('/image')).sort()).toEqual(
			seeded.map((d) => `GET /diagrams/${d.id}/image?format=png&theme=light`).sort(),
		);
		expect(lines).toHaveLength(1 + 2 * names.length);

		const fileBase = (d) => `${d.name === 'CON' ? '_CON' : d.name} (${d.id})`;
		const exported = n8n.nodeOutput(run, 'Export BPMN');
		for (const [index, item] of exported.entries()) {
			expect(item.binary.data).toMatchObject({ mimeType: 'application/xml', fileName: `${fileBase(newestFirst[index])}.bpmn` });
		}
		const written = fs.readdirSync(backupDir).filter((file) => /\.(bpmn|png)$/.test(file)).sort();
		expect(written).toEqual(seeded.flatMap((d) => [`${fileBase(d)}.bpmn`, `${fileBase(d)}.png`]).sort());
		for (const [index, d] of seeded.entries()) {
			expect(fs.readFileSync(path.join(backupDir, `${fileBase(d)}.bpmn`), 'utf8')).toBe(sampleBpmn(`${names[index]} #${index}`));
			expect(fs.readFileSync(path.join(backupDir, `${fileBase(d)}.png`)).subarray(0, 8).equals(PNG_SIGNATURE)).toBe(true);
		}
	});

	test('a .bpmn file read from disk (ISO-8859-1; in n8n 2.x held in the filesystem binary store) is imported with its umlauts', async () => {
		const text = sampleBpmn('Prüfung')
			.replace(/^<\?xml[^>]*\?>/, '<?xml version="1.0" encoding="ISO-8859-1"?>')
			.replace('name="Review request"', 'name="Größe prüfen"');
		const file = path.join(backupDir, 'legacy-modeler.bpmn');
		fs.writeFileSync(file, Buffer.from(text, 'latin1'));
		await n8n.importWorkflow({
			id: 'e2eImportFromDisk',
			name: 'Import a BPMN file from disk',
			active: false,
			settings: {},
			nodes: [
				{ id: 'start', name: 'Start', type: 'n8n-nodes-base.manualTrigger', typeVersion: 1, position: [0, 0], parameters: {} },
				{
					id: 'read',
					name: 'Read file',
					type: 'n8n-nodes-base.readWriteFile',
					typeVersion: 1,
					position: [240, 0],
					parameters: { operation: 'read', fileSelector: file, options: {} },
				},
				{
					id: 'import',
					name: 'Import',
					type: 'n8n-nodes-justflowit.justFlowIt',
					typeVersion: 1,
					position: [480, 0],
					parameters: { resource: 'diagram', operation: 'create', name: 'Prüfung', bpmnSource: 'binary', binaryPropertyName: 'data' },
					credentials: { justFlowItApi: { ...CREDENTIAL } },
				},
			],
			connections: {
				Start: { main: [[{ node: 'Read file', type: 'main', index: 0 }]] },
				'Read file': { main: [[{ node: 'Import', type: 'main', index: 0 }]] },
			},
		});
		const run = await n8n.execute('e2eImportFromDisk');
		const [read] = n8n.nodeOutput(run, 'Read file');
		if (line === '2') expect(String(read.binary.data.id)).toMatch(/^filesystem/);
		expect(requestLines(fake)).toEqual(['POST /diagrams']);
		expect(JSON.parse(fake.requests[0].body)).toEqual({
			name: 'Prüfung',
			bpmn_xml: text.replace('encoding="ISO-8859-1"', 'encoding="UTF-8"'),
		});
		const [imported] = n8n.nodeOutput(run, 'Import');
		expect(imported.json).toMatchObject({ object: 'diagram', name: 'Prüfung' });
	});

	test('three prompts, the second blank: Generate → Create starts no generation at all', async () => {
		const nodes = [
			{ id: 'start', name: 'Start', type: 'n8n-nodes-base.manualTrigger', typeVersion: 1, position: [0, 0], parameters: {} },
			{
				id: 'prompts',
				name: 'Prompts',
				type: 'n8n-nodes-base.set',
				typeVersion: 3.4,
				position: [200, 0],
				parameters: { mode: 'raw', jsonOutput: '{ "prompt": ["Purchase approval", "  ", "Refund handling"] }', options: {} },
			},
			{ id: 'split', name: 'One item each', type: 'n8n-nodes-base.splitOut', typeVersion: 1, position: [400, 0], parameters: { fieldToSplitOut: 'prompt', options: {} } },
			{
				id: 'generate',
				name: 'Generate',
				type: 'n8n-nodes-justflowit.justFlowIt',
				typeVersion: 1,
				position: [600, 0],
				parameters: { resource: 'generate', operation: 'create', prompt: '={{ $json.prompt }}', waitForCompletion: false },
				credentials: { justFlowItApi: { ...CREDENTIAL } },
			},
		];
		const connections = {
			Start: { main: [[{ node: 'Prompts', type: 'main', index: 0 }]] },
			Prompts: { main: [[{ node: 'One item each', type: 'main', index: 0 }]] },
			'One item each': { main: [[{ node: 'Generate', type: 'main', index: 0 }]] },
		};
		await n8n.importWorkflow({ id: 'e2eBlankPrompt', name: 'A blank prompt among three', active: false, settings: {}, nodes, connections });
		const run = await n8n.execute('e2eBlankPrompt', { allowError: true });
		expect(n8n.nodeOutput(run, 'One item each')).toHaveLength(3);
		expect(n8n.runError(run).message).toBe('Item 2: Prompt is empty');
		expect(fake.requests).toHaveLength(0);

		// With On Error → Continue, exactly the two valid prompts are sent.
		const continuing = JSON.parse(JSON.stringify(nodes));
		continuing[3].onError = 'continueRegularOutput';
		await n8n.importWorkflow({ id: 'e2eBlankPromptContinue', name: 'A blank prompt among three (continue)', active: false, settings: {}, nodes: continuing, connections });
		const continued = await n8n.execute('e2eBlankPromptContinue');
		// RoutingNode sends the items' requests side by side: they may arrive in either order.
		expect(fake.requests.map((request) => JSON.parse(request.body).prompt).sort()).toEqual(['Purchase approval', 'Refund handling']);
		expect(n8n.nodeOutput(continued, 'Generate').map((item) => item.json.status ?? item.json.error)).toEqual([
			'queued',
			'Prompt is empty',
			'queued',
		]);
	});

	test('folder with AI context → generation inside it → Diagram Update renames it', async () => {
		await n8n.importWorkflow(importable(loadExample('folder-generate-rename.json'), 'e2eFolderGenerate'));
		const run = await n8n.execute('e2eFolderGenerate');
		const [folder] = n8n.nodeOutput(run, 'Create folder');
		const [generation] = n8n.nodeOutput(run, 'Generate in folder');
		const [renamed] = n8n.nodeOutput(run, 'Rename diagram');
		expect(folder.json).toMatchObject({ object: 'folder', name: 'Customer onboarding', context: expect.stringContaining('swimlanes') });
		expect(generation.json).toMatchObject({ status: 'succeeded', folder_id: folder.json.id });
		expect(generation.binary).toBeUndefined();
		expect(renamed.json).toMatchObject({ id: generation.json.diagram_id, name: 'Customer onboarding v1', folder_id: folder.json.id });
		const lines = requestLines(fake);
		expect(lines[0]).toBe('POST /folders');
		expect(lines[1]).toBe('POST /diagrams/generate');
		expect(JSON.parse(fake.requests[1].body)).toMatchObject({ folder_id: folder.json.id, name: 'Onboarding (draft)' });
		expect(lines[lines.length - 1]).toBe(`PATCH /diagrams/${generation.json.diagram_id}`);
		expect(JSON.parse(fake.requests[fake.requests.length - 1].body)).toEqual({ name: 'Customer onboarding v1' });
	});

	test('a redirect of Render → Image to another origin never carries the key', async () => {
		fake.settings.imageMode = 'redirect';
		const diagram = fake.seedDiagram({ name: 'Redirected render' });
		await n8n.importWorkflow({
			id: 'e2eRenderRedirect',
			name: 'Render → Image behind a redirect',
			active: false,
			settings: {},
			nodes: [
				{ id: 'start', name: 'Start', type: 'n8n-nodes-base.manualTrigger', typeVersion: 1, position: [0, 0], parameters: {} },
				{
					id: 'render',
					name: 'Render',
					type: 'n8n-nodes-justflowit.justFlowIt',
					typeVersion: 1,
					position: [240, 0],
					parameters: {
						resource: 'render',
						operation: 'image',
						diagramId: { __rl: true, value: diagram.id, mode: 'id' },
						format: 'png',
						theme: 'light',
						binaryPropertyName: 'data',
					},
					credentials: { justFlowItApi: { ...CREDENTIAL } },
				},
			],
			connections: { Start: { main: [[{ node: 'Render', type: 'main', index: 0 }]] } },
		});
		const run = await n8n.execute('e2eRenderRedirect', { allowError: true });

		// The API answered the image request with a redirect to the second origin (the key went there only).
		const apiImageRequests = fake.requests.filter((r) => r.path.endsWith(`/diagrams/${diagram.id}/image`));
		expect(apiImageRequests.length).toBeGreaterThan(0);
		expect(apiImageRequests.map((r) => [r.status, r.headers.authorization === `Bearer ${TEST_KEY}`])).toEqual(
			apiImageRequests.map(() => [302, true]),
		);
		// The image host was reached, and no request to it carried an Authorization header.
		expect(fake.imageHostRequests.length).toBeGreaterThan(0);
		// (Compared as booleans so a failure never prints the key.)
		expect(fake.imageHostRequests.map((r) => ({ url: r.url, hasAuthorization: 'authorization' in r.headers }))).toEqual(
			fake.imageHostRequests.map((r) => ({ url: r.url, hasAuthorization: false })),
		);
		expect(JSON.stringify(fake.imageHostRequests)).not.toContain(TEST_KEY);
		// And the PNG arrived.
		const [rendered] = n8n.nodeOutput(run, 'Render');
		expect(rendered.binary.data).toMatchObject({ mimeType: 'image/png', fileExtension: 'png' });
		expect((await n8n.readBinary(rendered.binary.data)).subarray(0, 8).equals(PNG_SIGNATURE)).toBe(true);
	});

	test('a key that does not match the environment fails with the clear message, and nothing is sent', async () => {
		await n8n.importWorkflow(importable(loadExample('folder-generate-rename.json'), 'e2eMismatch', MISMATCHED_CREDENTIAL));
		const run = await n8n.execute('e2eMismatch', { allowError: true });
		const error = n8n.runError(run);
		expect(error.message).toBe(
			'The secret key does not match the credential\'s environment: Staging keys start with "jfi_sk_test_", this one starts with "jfi_sk_live_"',
		);
		expect(fake.requests).toHaveLength(0);
		expect(JSON.stringify(run)).not.toContain(LIVE_KEY.slice('jfi_sk_live_'.length));
	});
}

for (const line of selectedLines(DEFAULT_LINES)) {
	// e.g. "n8n-2.41.1-node-24.21.0": the pinned versions of this line's cached install.
	describe(path.basename(installDir(line)), () => examplesSuite(line));
}
