#!/usr/bin/env node
'use strict';
/**
 * The queue-mode end-to-end test (issue 10): this package in n8n's distributed engine.
 *
 * Started by test/queue/run.sh (which provides Redis + PostgreSQL and stops them afterwards); run it
 * with `npm run test:queue`. Steps:
 *   1. the fake Just Flow It API on 127.0.0.1 with a burst limit (default 60 requests / 6 s), seeded
 *      with ITEMS diagrams;
 *   2. n8n main + WORKERS `n8n worker` processes in queue mode (test/queue/cluster.js), the package
 *      installed from its `npm pack` tarball into every process's own nodes folder;
 *   3. a published workflow: Webhook (POST, answers when the last node is done, with all items) →
 *      Just Flow It Diagram › Get Many (limit from the request body) → Just Flow It Render › Image (PNG);
 *   4. EXECUTIONS webhook calls at once;
 *   5. checks: every call answered with all ITEMS rendered diagrams; every execution saved as a success
 *      (read through the main instance's public API) with ITEMS binaries in mode `database`, each one
 *      downloaded FROM THE MAIN INSTANCE as a PNG whose title is that diagram's name; every worker ran
 *      at least one execution (so each one loaded the package); the fake's log: one successful render
 *      per item, only the test key, only known paths, no answer but 200 and 429;
 *   6. one summary line: items in/out, 429s, requests, wall time (reported, not checked: 429 ratios
 *      and times depend on the machine's load; their goals are in `npm run bench`, scenario 6).
 *
 * Exit code 0 = pass, 1 = fail (the reason is printed), 2 = bad configuration.
 *
 * Environment (all optional): JFI_QUEUE_WORKERS (3), JFI_QUEUE_CONCURRENCY (2 per worker),
 * JFI_QUEUE_EXECUTIONS (6), JFI_QUEUE_ITEMS (40 per execution), JFI_QUEUE_BURST (60/6000),
 * JFI_QUEUE_TIMEOUT_S (900, the whole test),
 * JFI_QUEUE_RUNNERS (external: no task-runner child per process; internal: n8n's default),
 * JFI_QUEUE_WORKER_WITHOUT_PACKAGE (n: worker n gets no package, to see the test fail as it should).
 * Set by run.sh: JFI_QUEUE_RUN_DIR, JFI_QUEUE_SERVICES_ENV, JFI_QUEUE_TARBALL.
 */
const fs = require('node:fs');

const { startFakeServer, TEST_KEY } = require('../fake/server');
const { startCluster, ownerSession, request, json } = require('./cluster');

const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
const WORKFLOW_ID = 'jfiQueueRenderFlow';
const WEBHOOK_PATH = 'jfi-queue-render';
const CREDENTIAL = { id: 'jfiQueueCredential', name: 'Just Flow It (fake API, queue test)' };

function intEnv(name, fallback, min = 1) {
	const raw = process.env[name];
	if (raw === undefined || raw === '') return fallback;
	const n = Number(raw);
	if (!Number.isInteger(n) || n < min) {
		console.error(`${name} must be an integer >= ${min}, got ${raw}`);
		process.exit(2);
	}
	return n;
}

const config = {
	workers: intEnv('JFI_QUEUE_WORKERS', 3),
	concurrency: intEnv('JFI_QUEUE_CONCURRENCY', 2),
	executions: intEnv('JFI_QUEUE_EXECUTIONS', 6),
	items: intEnv('JFI_QUEUE_ITEMS', 40),
	burst: process.env.JFI_QUEUE_BURST || '60/6000',
	timeoutS: intEnv('JFI_QUEUE_TIMEOUT_S', 900),
};
const burstMatch = /^(\d+)\/(\d+)$/.exec(config.burst);
if (!burstMatch) {
	console.error(`JFI_QUEUE_BURST must be LIMIT/WINDOW_MS, got ${config.burst}`);
	process.exit(2);
}
config.burstLimit = Number(burstMatch[1]);
config.burstWindowMs = Number(burstMatch[2]);
if (config.items > 100) {
	// One list page (the API's maximum page size) keeps the request count exact.
	console.error('JFI_QUEUE_ITEMS must be <= 100');
	process.exit(2);
}

const runDir = process.env.JFI_QUEUE_RUN_DIR;
const servicesEnv = process.env.JFI_QUEUE_SERVICES_ENV;
const tarball = process.env.JFI_QUEUE_TARBALL;
if (!runDir || !servicesEnv || !tarball) {
	console.error('start this through test/queue/run.sh (npm run test:queue): it provides Redis, PostgreSQL and the packed tarball');
	process.exit(2);
}

function readServices(file) {
	const out = {};
	for (const line of fs.readFileSync(file, 'utf8').split('\n')) {
		const m = /^([A-Z_]+)=(.*)$/.exec(line);
		if (m) out[m[1]] = m[2];
	}
	for (const k of ['REDIS_PORT', 'REDIS_PASSWORD', 'PG_PORT', 'PG_USER', 'PG_PASSWORD', 'PG_DATABASE']) {
		if (!out[k]) throw new Error(`${file} lacks ${k}`);
	}
	return out;
}

function workflow() {
	const jfi = { justFlowItApi: { ...CREDENTIAL } };
	return {
		id: WORKFLOW_ID,
		name: 'Queue mode: list and render diagrams',
		active: false,
		settings: { executionOrder: 'v1', saveDataSuccessExecution: 'all', saveManualExecutions: true },
		nodes: [
			{
				id: 'b6d1c1a4-0f5e-4c39-9f51-0c7f3c1d0a01',
				name: 'Webhook',
				type: 'n8n-nodes-base.webhook',
				typeVersion: 2,
				position: [0, 0],
				webhookId: '6a3f0c7e-3f4b-4d0e-9a55-2f1b7c0d9e11',
				parameters: { httpMethod: 'POST', path: WEBHOOK_PATH, responseMode: 'lastNode', responseData: 'allEntries', options: {} },
			},
			{
				id: 'b6d1c1a4-0f5e-4c39-9f51-0c7f3c1d0a02',
				name: 'List diagrams',
				type: 'n8n-nodes-justflowit.justFlowIt',
				typeVersion: 1,
				position: [220, 0],
				credentials: jfi,
				parameters: { resource: 'diagram', operation: 'getAll', returnAll: false, limit: '={{ $json.body.count }}' },
			},
			{
				id: 'b6d1c1a4-0f5e-4c39-9f51-0c7f3c1d0a03',
				name: 'Render',
				type: 'n8n-nodes-justflowit.justFlowIt',
				typeVersion: 1,
				position: [440, 0],
				credentials: jfi,
				parameters: {
					resource: 'render',
					operation: 'image',
					diagramId: { __rl: true, mode: 'id', value: '={{ $json.id }}' },
					format: 'png',
					theme: 'light',
					binaryPropertyName: 'data',
				},
			},
		],
		connections: {
			Webhook: { main: [[{ node: 'List diagrams', type: 'main', index: 0 }]] },
			'List diagrams': { main: [[{ node: 'Render', type: 'main', index: 0 }]] },
		},
	};
}

/** The tEXt "Title" of a PNG (the fake writes the diagram's name there). */
function pngTitle(bytes) {
	let off = 8;
	while (off + 8 <= bytes.length) {
		const len = bytes.readUInt32BE(off);
		const type = bytes.toString('latin1', off + 4, off + 8);
		if (type === 'tEXt') {
			const data = bytes.subarray(off + 8, off + 8 + len).toString('latin1');
			const [key, value] = data.split('\0');
			if (key === 'Title') return value;
		}
		if (type === 'IEND') break;
		off += 12 + len;
	}
	return undefined;
}

class Failure extends Error {}
const failures = [];
function check(ok, message) {
	if (!ok) failures.push(message);
	return ok;
}

async function main() {
	const started = Date.now();
	const services = readServices(servicesEnv);
	const fake = await startFakeServer({ settings: { burst: { limit: config.burstLimit, windowMs: config.burstWindowMs } } });
	const seeded = fake.seedDiagrams(config.items, { namePrefix: 'Queue diagram' });
	const seededById = new Map(seeded.map((d) => [d.id, d]));
	let cluster;
	let timing;
	const onSignal = (sig) => {
		console.error(`queue-e2e: ${sig}, stopping n8n`);
		if (cluster) cluster.killNow();
		process.exit(1);
	};
	process.once('SIGINT', onSignal);
	process.once('SIGTERM', onSignal);
	const deadline = setTimeout(() => {
		console.error(`queue-e2e: FAIL: the whole test took longer than JFI_QUEUE_TIMEOUT_S=${config.timeoutS} s`);
		if (cluster) {
			for (const p of cluster.all) console.error(`--- ${p.name} log (tail) ---\n${p.logTail(15)}`);
			cluster.killNow();
		}
		process.exit(1);
	}, config.timeoutS * 1000);

	try {
		const t0 = Date.now();
		cluster = await startCluster({
			runDir,
			services,
			tarball,
			workers: config.workers,
			concurrency: config.concurrency,
			credentials: [
				{ ...CREDENTIAL, type: 'justFlowItApi', data: { apiKey: TEST_KEY, environment: 'staging', baseUrl: fake.baseUrl } },
			],
			workflows: [workflow()],
			runners: process.env.JFI_QUEUE_RUNNERS || 'external',
			workerWithoutPackage: intEnv('JFI_QUEUE_WORKER_WITHOUT_PACKAGE', 0, 0),
		});
		const startupMs = Date.now() - t0;
		console.log(
			`queue-e2e: n8n ${cluster.main.handle.n8nVersion} main + ${config.workers} workers (concurrency ${config.concurrency}) ready in ${(startupMs / 1000).toFixed(1)} s ` +
				`(${Object.entries(cluster.timings).map(([k, v]) => `${k.replace(/Ms$/, '')} ${(v / 1000).toFixed(1)} s`).join(', ')}); ` +
				`Postgres ${services.PG_VERSION || '?'}, Redis on 127.0.0.1:${services.REDIS_PORT}; fake API ${fake.baseUrl} limited to ${config.burstLimit} / ${config.burstWindowMs} ms`,
		);
		let mark = Date.now();
		const phases = {};
		const lap = (name) => {
			phases[name] = Date.now() - mark;
			mark = Date.now();
		};
		const session = await ownerSession(cluster.main);

		// Wait until the main instance has the webhook registered (activation runs after start-up).
		// An OPTIONS preflight on a registered production webhook answers 204 without running anything.
		const webhookUrl = `${cluster.main.baseUrl}/webhook/${WEBHOOK_PATH}`;
		for (let i = 0; ; i++) {
			const res = await request(webhookUrl, { method: 'OPTIONS', headers: { origin: 'http://127.0.0.1', 'access-control-request-method': 'POST' } });
			if (res.status >= 200 && res.status < 300) break;
			if (i >= 120) throw new Failure(`the production webhook never got registered (OPTIONS answered ${res.status}); main log:\n${cluster.main.logTail()}`);
			await new Promise((r) => setTimeout(r, 250));
		}

		lap('owner+webhook');
		fake.clearRequests();
		const firedAt = Date.now();
		const calls = await Promise.all(
			Array.from({ length: config.executions }, (_, i) =>
				request(webhookUrl, {
					method: 'POST',
					body: { count: config.items, call: i + 1 },
					timeoutMs: Math.max(10000, config.timeoutS * 1000 - (Date.now() - started) - 30000),
				}).then(
					(res) => ({ i, res, ms: Date.now() - firedAt }),
					(error) => ({ i, error, ms: Date.now() - firedAt }),
				),
			),
		);
		const wallMs = Date.now() - firedAt;
		lap('run');

		// 1. Every webhook call answered with every item.
		let itemsOut = 0;
		for (const call of calls) {
			if (!check(!call.error, `call ${call.i + 1}: ${call.error && call.error.message}`)) continue;
			const { res } = call;
			if (!check(res.status === 200, `call ${call.i + 1}: HTTP ${res.status} ${res.body.toString('utf8').slice(0, 400)}`)) continue;
			const body = json(res);
			const items = Array.isArray(body) ? body : [body];
			const ids = items.map((j) => j.diagramId ?? j.id);
			itemsOut += items.length;
			check(items.length === config.items, `call ${call.i + 1}: ${items.length} items out of ${config.items}`);
			check(new Set(ids).size === items.length && ids.every((id) => seededById.has(id)), `call ${call.i + 1}: rendered ids are not the seeded diagrams, each once: ${ids.slice(0, 5).join(', ')}…`);
			check(items.every((j) => j.format === 'png'), `call ${call.i + 1}: an item's format is not png`);
		}

		// 2. The executions, read through the main instance (public API), and every PNG downloaded from it.
		const list = json(
			await request(`${cluster.main.baseUrl}/api/v1/executions?workflowId=${WORKFLOW_ID}&limit=250`, { headers: { 'x-n8n-api-key': session.apiKey } }),
		);
		const executions = list.data || [];
		check(executions.length === config.executions, `main instance lists ${executions.length} executions, expected ${config.executions}`);
		let pngsRead = 0;
		for (const summary of executions) {
			const exec = json(
				await request(`${cluster.main.baseUrl}/api/v1/executions/${summary.id}?includeData=true`, { headers: { 'x-n8n-api-key': session.apiKey } }),
			);
			const runError = exec.data && exec.data.resultData && exec.data.resultData.error;
			if (!check(exec.status === 'success', `execution ${summary.id}: status ${exec.status}${runError ? `: ${runError.message}` : ''}`)) continue;
			const runs = exec.data && exec.data.resultData && exec.data.resultData.runData && exec.data.resultData.runData.Render;
			const items = (runs && runs[runs.length - 1].data && runs[runs.length - 1].data.main[0]) || [];
			check(items.length === config.items, `execution ${summary.id}: Render output ${items.length} items, expected ${config.items}`);
			for (const item of items) {
				const binary = item.binary && item.binary.data;
				if (!check(binary && typeof binary.id === 'string' && binary.id.startsWith('database:'), `execution ${summary.id}: binary not in database mode: ${JSON.stringify(binary && { ...binary, data: undefined })}`)) continue;
				check(binary.mimeType === 'image/png', `execution ${summary.id}: mimeType ${binary.mimeType}`);
				const res = await request(`${cluster.main.baseUrl}/rest/binary-data?id=${encodeURIComponent(binary.id)}&action=download`, { headers: { cookie: session.cookie } });
				if (!check(res.status === 200, `execution ${summary.id}: main instance answered ${res.status} for ${binary.id}`)) continue;
				const diagram = seededById.get(item.json.diagramId ?? item.json.id);
				check(res.body.subarray(0, 8).equals(PNG_SIGNATURE), `execution ${summary.id}: ${binary.id} is not a PNG`);
				check(diagram && pngTitle(res.body) === diagram.name, `execution ${summary.id}: PNG title ${pngTitle(res.body)} is not the diagram's name ${diagram && diagram.name}`);
				pngsRead++;
			}
		}

		lap('read back');

		// 3. Which worker ran what (n8n logs "Worker started execution <id> (job <n>)" at info level).
		const perWorker = cluster.workers.map((w) => {
			const ids = [...w.log().matchAll(/Worker started execution (\d+)/g)].map((m) => m[1]);
			return { name: w.name, executions: ids.length };
		});
		for (const w of perWorker) check(w.executions >= 1, `${w.name} ran no execution (so it never proved it loads the package)`);
		check(
			perWorker.reduce((a, w) => a + w.executions, 0) === config.executions,
			`workers report ${perWorker.map((w) => `${w.name}=${w.executions}`).join(' ')} executions, expected ${config.executions} in all`,
		);
		check(!/Worker started execution/.test(cluster.main.log()), 'the main instance ran an execution itself (queue mode not in effect)');

		// n8n itself stays on loopback: a DNS lookup in any log means something bypassed the dead proxy.
		for (const p of cluster.all) {
			const lookups = p.log().match(/getaddrinfo \w+ [^\s]+/g);
			check(!lookups, `${p.name} looked up outside hosts: ${[...new Set(lookups || [])].join(', ')}`);
		}

		// 4. The fake API's log.
		const reqs = fake.requests;
		const renders = reqs.filter((r) => r.method === 'GET' && /^\/api\/v1\/diagrams\/[^/]+\/image$/.test(r.path));
		const lists = reqs.filter((r) => r.method === 'GET' && r.path === '/api/v1/diagrams');
		const others = reqs.filter((r) => !renders.includes(r) && !lists.includes(r));
		const ok = reqs.filter((r) => r.status >= 200 && r.status < 300);
		const tooMany = reqs.filter((r) => r.status === 429);
		const renderOk = renders.filter((r) => r.status === 200);
		const expectedRenders = config.executions * config.items;
		check(renderOk.length === expectedRenders, `${renderOk.length} successful renders at the API, expected ${expectedRenders} (one per item)`);
		check(lists.filter((r) => r.status === 200).length === config.executions, `${lists.filter((r) => r.status === 200).length} successful list calls, expected ${config.executions}`);
		check(others.length === 0, `unexpected requests: ${others.slice(0, 5).map((r) => `${r.method} ${r.path} ${r.status}`).join(', ')}`);
		check(reqs.every((r) => r.headers.authorization === `Bearer ${TEST_KEY}`), 'a request went out without the credential\'s key');
		check(reqs.every((r) => r.status === 200 || r.status === 429), `answers other than 200/429: ${[...new Set(reqs.map((r) => r.status))].join(', ')}`);
		const ratio = ok.length ? tooMany.length / ok.length : 0;
		// The least time the fake's limit allows for this many accepted requests (full windows only).
		const floorMs = Math.max(0, Math.ceil(ok.length / config.burstLimit) - 1) * config.burstWindowMs;

		const callTimes = calls.filter((c) => !c.error).map((c) => c.ms).sort((a, b) => a - b);
		const summary =
			`queue-e2e: ${failures.length ? 'FAIL' : 'PASS'} | items in ${expectedRenders} (${config.executions} executions x ${config.items}), items out ${itemsOut}, PNGs read from main ${pngsRead} | ` +
			`429s ${tooMany.length} (${(ratio * 100).toFixed(1)} % of ${ok.length} successful requests), requests ${reqs.length} | ` +
			`wall ${(wallMs / 1000).toFixed(1)} s (floor ${(floorMs / 1000).toFixed(1)} s at ${config.burstLimit}/${config.burstWindowMs} ms; calls answered at ${callTimes.map((t) => (t / 1000).toFixed(1)).join(', ')} s) | ` +
			`per worker ${perWorker.map((w) => `${w.name}=${w.executions}`).join(' ')}`;
		console.log(summary);
		phases.startup = startupMs;
		timing = phases;
	} catch (e) {
		failures.push(e instanceof Failure ? e.message : (e && e.stack) || String(e));
	} finally {
		clearTimeout(deadline);
		const stopStarted = Date.now();
		if (cluster) await cluster.stop();
		await fake.close();
		if (timing) {
			timing.stop = Date.now() - stopStarted;
			console.log(`queue-e2e: times ${Object.entries(timing).map(([k, v]) => `${k} ${(v / 1000).toFixed(1)} s`).join(', ')}; total ${((Date.now() - started) / 1000).toFixed(1)} s`);
		}
	}
	if (failures.length) {
		console.error(`queue-e2e: FAIL (${failures.length} problem${failures.length === 1 ? '' : 's'}):\n - ${failures.slice(0, 30).join('\n - ')}`);
		if (cluster) {
			for (const p of cluster.all) console.error(`--- ${p.name} log (tail) ---\n${p.logTail(12)}`);
		}
		process.exitCode = 1;
	}
}

main().catch((e) => {
	console.error(e);
	process.exitCode = 1;
});
