'use strict';
/**
 * The Just Flow It Trigger in a real, running n8n (2.41.1), installed from the packed tarball:
 * examples/export-changed-diagrams.json is imported, its poll times are set to every 5 seconds
 * (n8n rejects sub-minute crons, but checks each Poll Times entry on its own: twelve entries with
 * fixed seconds), it is published (activated), and `n8n start` runs it. Diagrams are then created
 * and changed in the fake API; the test reads back from n8n's database that exactly the expected
 * executions ran, with exactly the expected trigger items, and that the files were written.
 *
 * It runs twice: with n8n's classic poll timers (the default), and with n8n 2.41's durable poll
 * cursors (the scheduler keeps the node's static data in its poller_state table and commits it
 * with each execution); the node has no code for either. Then, with durable cursors, a walk over
 * the list that spans several polls (one page per poll): its place is kept between polls, and
 * every change (made before and during the walk) runs the workflow exactly once.
 */
const { execFileSync, spawn } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');

const { ensureN8nInstalled, prepareN8n } = require('./n8n-runner');
const { startFakeServer, TEST_KEY } = require('../fake/server');

/** The record the trigger keeps for a handled changed diagram (built by the package under test). */
function stampRecord(diagram) {
	return require(path.join(ROOT, 'dist', 'nodes', 'JustFlowItTrigger', 'poll.js')).stampRecord('diagramChanged', diagram.updated_at, diagram);
}

const ROOT = path.resolve(__dirname, '..', '..');
const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
const CREDENTIAL = { id: 'jfiTriggerCredential', name: 'Just Flow It (fake API)' };
const WORKFLOW_ID = 'e2eExportChanged';
const TRIGGER = 'New or updated diagram';
/** Every wait below gives up after this long (n8n's start-up is the slow part, ~10 s here). */
const WAIT_MS = 120_000;

const DURABLE_CURSORS_ENV = {
	N8N_SCHEDULER_ENABLED: 'true',
	N8N_SCHEDULER_POLL_TRIGGERS_ENABLED: 'true',
	N8N_USE_WORKFLOW_PUBLICATION_SERVICE: 'true',
	N8N_POLLER_DURABLE_CURSORS_ENABLED: 'true',
};

let work;
let tarball;
let fake;
let install;

/** Waits until `check()` is truthy (checked every 250 ms), at most `ms`. */
async function waitFor(instance, what, check, ms = WAIT_MS) {
	const started = Date.now();
	for (;;) {
		const value = check();
		if (value) return value;
		if (instance.server && instance.server.exitCode !== null) {
			throw new Error(`n8n exited while waiting for ${what}:\n${instance.log.slice(-3000)}`);
		}
		if (Date.now() - started > ms) throw new Error(`timed out after ${ms} ms waiting for ${what}:\n${instance.log.slice(-3000)}`);
		await new Promise((resolve) => setTimeout(resolve, 250));
	}
}

const listRequests = () => fake.requests.filter((r) => r.method === 'GET' && r.path === '/api/v1/diagrams');
const requestsFor = (id) => fake.requests.filter((r) => r.path.startsWith(`/api/v1/diagrams/${id}/`));

function startN8n(instance) {
	instance.log = '';
	instance.server = spawn(install.nodeBin, [install.n8nBin, 'start'], {
		env: instance.n8n.env,
		cwd: instance.n8n.userFolder,
		stdio: ['ignore', 'pipe', 'pipe'],
		detached: true,
	});
	instance.server.stdout.on('data', (chunk) => (instance.log += chunk));
	instance.server.stderr.on('data', (chunk) => (instance.log += chunk));
}

/** Stops the n8n started here (its process group: n8n and its task runner), within 30 s. */
async function stopN8n(instance) {
	const { server } = instance;
	if (!server || server.exitCode !== null) return;
	const exited = new Promise((resolve) => server.once('exit', resolve));
	try {
		process.kill(-server.pid, 'SIGTERM');
	} catch {
		return;
	}
	const timer = setTimeout(() => {
		try {
			process.kill(-server.pid, 'SIGKILL');
		} catch {
			// already gone
		}
	}, 30_000);
	await exited;
	clearTimeout(timer);
}

/** Runs one SQL query on n8n's sqlite database with n8n's own sqlite3 (n8n must be stopped). */
function query(instance, sql, params) {
	const script = `
		const sqlite3 = require(${JSON.stringify(path.join(install.dir, 'node_modules', 'sqlite3'))});
		const db = new sqlite3.Database(process.argv[1], sqlite3.OPEN_READONLY);
		db.all(process.argv[2], JSON.parse(process.argv[3]), (err, rows) => {
			if (err) { console.error(err.message); process.exit(1); }
			process.stdout.write(JSON.stringify(rows));
			db.close();
		});`;
	const out = execFileSync(
		install.nodeBin,
		['-e', script, path.join(instance.n8n.n8nFolder, 'database.sqlite'), sql, JSON.stringify(params)],
		{ env: instance.n8n.env, encoding: 'utf8' },
	);
	return JSON.parse(out);
}

/** Every execution of the workflow as n8n saved it, oldest first. */
function readExecutions(instance) {
	const { parse } = require(path.join(install.dir, 'node_modules', 'flatted'));
	return query(
		instance,
		'SELECT e.id, e.status, e.mode, d.data FROM execution_entity e LEFT JOIN execution_data d ON d.executionId = e.id WHERE e.workflowId = ? ORDER BY e.id',
		[WORKFLOW_ID],
	).map((row) => ({ ...row, data: row.data ? parse(row.data) : undefined }));
}

function triggerItems(execution) {
	return execution.data.resultData.runData[TRIGGER][0].data.main[0].map((item) => item.json);
}

/** Poll Times entries for a poll every `seconds` seconds (n8n accepts each fixed-second cron). */
function fastPollTimes(seconds) {
	const item = [];
	for (let second = 0; second < 60; second += seconds) item.push({ mode: 'custom', cronExpression: `${second} * * * * *` });
	return { item };
}

beforeAll(async () => {
	work = fs.mkdtempSync(path.join(os.tmpdir(), 'jfi-e2e-trigger-'));
	install = await ensureN8nInstalled();
	execFileSync('npm', ['run', 'build'], { cwd: ROOT, stdio: 'ignore' });
	const packed = JSON.parse(
		execFileSync('npm', ['pack', '--json', '--ignore-scripts', '--pack-destination', work], { cwd: ROOT, encoding: 'utf8' }),
	);
	tarball = path.join(work, packed[0].filename);
	fake = await startFakeServer();
});

afterAll(async () => {
	await fake?.close();
	if (work) fs.rmSync(work, { recursive: true, force: true });
});

describe.each([
	["n8n's classic poll timers", {}, true],
	["n8n 2.41's durable poll cursors", DURABLE_CURSORS_ENV, false],
])('the example workflow, active, with %s', (label, extraEnv, withFailingPoll) => {
	const instance = { n8n: undefined, server: undefined, log: '', backupDir: '' };

	beforeAll(async () => {
		fake.reset();
		instance.backupDir = fs.mkdtempSync(path.join(work, 'backups-'));
		instance.n8n = await prepareN8n({
			packageTarball: tarball,
			env: { N8N_RESTRICT_FILE_ACCESS_TO: instance.backupDir, ...extraEnv },
		});
		await instance.n8n.importCredentials([
			{ ...CREDENTIAL, type: 'justFlowItApi', data: { apiKey: TEST_KEY, environment: 'staging', baseUrl: fake.baseUrl } },
		]);
		const workflow = JSON.parse(fs.readFileSync(path.join(ROOT, 'examples', 'export-changed-diagrams.json'), 'utf8'));
		workflow.id = WORKFLOW_ID;
		for (const node of workflow.nodes) {
			if (node.credentials?.justFlowItApi) node.credentials.justFlowItApi = { ...CREDENTIAL };
			if (node.type === 'n8n-nodes-base.readWriteFile') {
				node.parameters.fileName = node.parameters.fileName.replace('/backups/justflowit/', `${instance.backupDir}/`);
			}
			if (node.name === TRIGGER) node.parameters.pollTimes = fastPollTimes(5);
		}
		await instance.n8n.importWorkflow(workflow);
		// Importing deactivates; publishing before the start makes `n8n start` activate it.
		const published = await instance.n8n.n8n(['publish:workflow', `--id=${WORKFLOW_ID}`]);
		if (published.code !== 0) throw new Error(`n8n publish:workflow failed:\n${published.stdout}\n${published.stderr}`);
	});

	afterAll(async () => {
		await stopN8n(instance);
		await instance.n8n?.cleanup();
	});

	test(`runs once per poll that finds new or changed diagrams, with exactly those diagrams${withFailingPoll ? '; a failing poll is a failed execution and misses nothing' : ''}`, async () => {
		const seeded = ['Order to cash', 'Procure to pay', 'Hire to retire'].map((name) => fake.seedDiagram({ name }));
		startN8n(instance);

		// The first poll only records where the list stands.
		await waitFor(instance, 'the first poll', () => listRequests().length >= 1);
		await waitFor(instance, 'a second poll', () => listRequests().length >= 2);
		expect(fake.requests.filter((r) => r.path !== '/api/v1/diagrams')).toEqual([]);

		// Round 1: one diagram renamed, one created, between two polls (synchronously, in the fake).
		const renamed = fake.changeDiagram(seeded[0].id, { name: 'Order to cash v2' });
		const created = fake.seedDiagram({ name: 'Record to report' });
		await waitFor(instance, 'round 1 exported', () => requestsFor(renamed.id).length >= 2 && requestsFor(created.id).length >= 2);

		// Round 2: another diagram moved into a folder.
		const folder = fake.seedFolder({ name: 'Finance' });
		const moved = fake.changeDiagram(seeded[1].id, { folder_id: folder.id });
		await waitFor(instance, 'round 2 exported', () => requestsFor(moved.id).length >= 2);
		let last = moved;

		// Round 3: the next poll fails (the API refuses its list request); the one after catches up.
		let late;
		if (withFailingPoll) {
			fake.injectFailure({ method: 'GET', path: '/diagrams', status: 400, code: 'invalid_cursor', message: 'The cursor has expired.' });
			late = fake.seedDiagram({ name: 'Quote to order' });
			await waitFor(instance, 'round 3 exported', () => requestsFor(late.id).length >= 2);
			last = late;
		}

		// Two more polls with nothing new, then stop n8n and read what it saved.
		const polled = listRequests().length;
		await waitFor(instance, 'two more polls', () => listRequests().length >= polled + 2);
		await stopN8n(instance);

		const executions = readExecutions(instance);
		const expected = [['trigger', 'success'], ['trigger', 'success']];
		if (withFailingPoll) expected.push(['trigger', 'error'], ['trigger', 'success']);
		expect(executions.map((e) => [e.mode, e.status])).toEqual(expected);
		expect(triggerItems(executions[0])).toEqual([renamed, created]);
		expect(triggerItems(executions[1])).toEqual([moved]);
		if (withFailingPoll) {
			// What n8n lists as the failed execution: the node's explained API error.
			expect(executions[2].data.resultData.error).toMatchObject({
				message: expect.any(String),
				description: expect.stringContaining('invalid_cursor'),
			});
			expect(triggerItems(executions[3])).toEqual([late]);
		}

		// The cursor n8n kept: in the workflow's static data, or in the scheduler's poller_state.
		const cursorAt = { trigger: { version: 2, event: 'diagramChanged', cursor: { at: last.updated_at, seen: { [last.id]: stampRecord(last) } } } };
		if (extraEnv.N8N_POLLER_DURABLE_CURSORS_ENABLED) {
			expect(instance.log).not.toContain('durable poll cursors stay disabled');
			const [state] = query(instance, 'SELECT cursor FROM poller_state WHERE workflowId = ?', [WORKFLOW_ID]);
			expect(JSON.parse(state.cursor)).toEqual(cursorAt);
		} else {
			const [row] = query(instance, 'SELECT staticData FROM workflow_entity WHERE id = ?', [WORKFLOW_ID]);
			expect(JSON.parse(row.staticData)[`node:${TRIGGER}`]).toEqual(cursorAt);
		}

		// Every list request was one page of 100; each emitted diagram was exported and rendered once.
		expect(new Set(listRequests().map((r) => new URLSearchParams(r.query).toString()))).toEqual(new Set(['limit=100']));
		for (const diagram of [renamed, created, moved, ...(late ? [late] : [])]) {
			expect(requestsFor(diagram.id).map((r) => r.path.split('/').pop()).sort()).toEqual(['bpmn', 'image']);
		}
		expect(requestsFor(seeded[2].id)).toEqual([]);
		expect(fake.requests.every((r) => r.headers.authorization === `Bearer ${TEST_KEY}`)).toBe(true);

		// One file of each kind per diagram, named after the diagram and its id (the node's file-name rule).
		const fileBase = (diagram) => `${diagram.name} (${diagram.id})`;
		const exported = [renamed, created, moved, ...(late ? [late] : [])];
		expect(fs.readdirSync(instance.backupDir).sort()).toEqual(exported.flatMap((d) => [`${fileBase(d)}.bpmn`, `${fileBase(d)}.png`]).sort());
		expect(fs.readFileSync(path.join(instance.backupDir, `${fileBase(created)}.png`)).subarray(0, 8).equals(PNG_SIGNATURE)).toBe(true);
		expect(fs.readFileSync(path.join(instance.backupDir, `${fileBase(moved)}.bpmn`), 'utf8')).toBe(fake.inspect().bpmn(moved.id));
	});
});

describe("a walk spanning several polls, with n8n 2.41's durable poll cursors", () => {
	const instance = { n8n: undefined, server: undefined, log: '', backupDir: '' };
	const PAGES = 4;

	beforeAll(async () => {
		// Stamps and the Date header from one clock, as on the real API (the default fake stamps
		// from a logical clock at 2026-01-01, whatever its Date header says).
		await fake.close();
		fake = await startFakeServer({ clock: 'real' });
		instance.backupDir = fs.mkdtempSync(path.join(work, 'backups-'));
		instance.n8n = await prepareN8n({
			packageTarball: tarball,
			env: { N8N_RESTRICT_FILE_ACCESS_TO: instance.backupDir, ...DURABLE_CURSORS_ENV },
		});
		await instance.n8n.importCredentials([
			{ ...CREDENTIAL, type: 'justFlowItApi', data: { apiKey: TEST_KEY, environment: 'staging', baseUrl: fake.baseUrl } },
		]);
		const workflow = JSON.parse(fs.readFileSync(path.join(ROOT, 'examples', 'export-changed-diagrams.json'), 'utf8'));
		workflow.id = WORKFLOW_ID;
		for (const node of workflow.nodes) {
			if (node.credentials?.justFlowItApi) node.credentials.justFlowItApi = { ...CREDENTIAL };
			if (node.type === 'n8n-nodes-base.readWriteFile') {
				node.parameters.fileName = node.parameters.fileName.replace('/backups/justflowit/', `${instance.backupDir}/`);
			}
			if (node.name === TRIGGER) {
				node.parameters.pollTimes = fastPollTimes(5);
				// One page per poll: a walk over the 350 diagrams takes four polls.
				node.parameters.options = { ...node.parameters.options, maxItems: 100 };
			}
		}
		await instance.n8n.importWorkflow(workflow);
		const published = await instance.n8n.n8n(['publish:workflow', `--id=${WORKFLOW_ID}`]);
		if (published.code !== 0) throw new Error(`n8n publish:workflow failed:\n${published.stdout}\n${published.stderr}`);
	});

	afterAll(async () => {
		await stopN8n(instance);
		await instance.n8n?.cleanup();
	});

	test('keeps its place between polls in poller_state, and runs the workflow once per change, made before or during the walk', async () => {
		fake.seedDiagrams(350);
		// The list as the API pages it (newest first): item `index` of page `page`.
		const listed = fake.inspect().diagrams;
		const onPage = (page, index) => listed[(page - 1) * 100 + index];
		const answered = () => listRequests().filter((r) => r.status === 200);
		// Pages 2 to 4 of a walk are read with the cursor the poll before kept; page 1 from the top.
		const continued = () => answered().filter((r) => r.query.cursor !== undefined).length;
		startN8n(instance);

		// Activation: the first walk only records where the list stands.
		await waitFor(instance, 'the activation walk', () => continued() >= PAGES - 1);
		const before = [
			fake.changeDiagram(onPage(1, 40).id, { name: 'Page 1, before the walk' }),
			fake.changeDiagram(onPage(3, 40).id, { name: 'Page 3, before the walk' }),
			fake.changeDiagram(onPage(4, 40).id, { name: 'Page 4, before the walk' }),
		];
		// The next walk's first poll has read page 1: change one diagram there and one on page 4.
		const readSoFar = answered().length;
		await waitFor(instance, "the next walk's first page", () => answered().length > readSoFar);
		const readAlready = fake.changeDiagram(onPage(1, 60).id, { name: 'Page 1, after it was read' });
		const notYetRead = fake.changeDiagram(onPage(4, 10).id, { name: 'Page 4, before it was read' });

		// The rest of that walk, the one after (which finds the page-1 change), and a quiet one.
		await waitFor(instance, 'three more walks', () => continued() >= 4 * (PAGES - 1), 4 * WAIT_MS);
		await stopN8n(instance);

		expect(instance.log).not.toContain('durable poll cursors stay disabled');
		const executions = readExecutions(instance);
		expect(executions.map((e) => [e.mode, e.status])).toEqual([
			['trigger', 'success'],
			['trigger', 'success'],
			['trigger', 'success'],
			['trigger', 'success'],
		]);
		expect(executions.map(triggerItems)).toEqual([[before[0]], [before[1]], [before[2], notYetRead], [readAlready]]);

		// Each poll read one page of 100: page 1 from the top, the next three each with the cursor
		// the poll before kept (n8n may poll once more from the top as it activates).
		const reads = answered().map((r) => (r.query.cursor === undefined ? 'top' : 'cursor'));
		const walks = reads.join(' ').replace(/^(top )+top/, 'top');
		expect(walks.startsWith(Array.from({ length: 4 }, () => 'top cursor cursor cursor').join(' '))).toBe(true);
		expect(new Set(answered().map((r) => r.query.limit))).toEqual(new Set(['100']));
		for (const diagram of [...before, readAlready, notYetRead]) {
			expect(requestsFor(diagram.id).map((r) => r.path.split('/').pop()).sort()).toEqual(['bpmn', 'image']);
		}

		// The place a poll keeps (and the finished walk's cursor) lives in the scheduler's poller_state.
		const [state] = query(instance, 'SELECT cursor FROM poller_state WHERE workflowId = ?', [WORKFLOW_ID]);
		const kept = JSON.parse(state.cursor).trigger;
		expect(kept).toMatchObject({ version: 2, event: 'diagramChanged', cursor: { at: expect.any(String) } });
		if (kept.walk) expect(kept.walk).toMatchObject({ next: expect.any(String), pages: expect.any(Number) });
	});
});
