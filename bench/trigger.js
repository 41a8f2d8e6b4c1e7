'use strict';
/**
 * node bench/trigger.js (after `npm run build`) — issue 12's scenario: 1,000 diagrams, 10 of them
 * changed since the last poll. Counts the API requests of
 * - the incremental export: one poll of the Just Flow It Trigger (New or Updated Diagram) through
 *   n8n-core's PollContext, then Export BPMN + Render PNG for what it emitted, and
 * - the full nightly export (examples/export-all-diagrams.json): Get Many (Return All), then
 *   Export BPMN + Render PNG for every diagram,
 * both through n8n's engine against the fake API on 127.0.0.1. Prints a markdown section
 * (`npm run bench:trigger`); bench/run.js can call `require('./trigger').runTriggerBench()`.
 * Goal: at most 30 requests against 2,010.
 */
const engine = require('../test/harness/engine');
const { startFakeServer, TEST_KEY } = require('../test/fake/server');
const { useVirtualClock } = require('../test/harness/virtual-clock');

/** Large accounts: diagrams in the account, n8n 2.41's poll budget, the time between polls. */
const LARGE_ACCOUNTS = (process.env.BENCH_TRIGGER_ACCOUNTS ?? '1000,20000,50000').split(',').map(Number);
const POLL_BUDGET_MS = 45_000;
const POLL_INTERVAL_MS = 60_000;
/** Simulated time one list request takes. */
const REQUEST_MS = 100;
/** Polls after which a large-account run counts as never catching up. */
const MAX_POLLS = 100;

const DIAGRAMS = Number(process.env.BENCH_TRIGGER_DIAGRAMS ?? 1000);
const CHANGED = Number(process.env.BENCH_TRIGGER_CHANGED ?? 10);
const GOAL = 30;
const BURST = { limit: 120, windowMs: 60_000 };

const exportParameters = {
	resource: 'diagram',
	operation: 'export',
	diagramId: { __rl: true, value: '={{ $json.id }}', mode: 'id' },
	binaryPropertyName: 'data',
};
const renderParameters = {
	resource: 'render',
	operation: 'image',
	diagramId: { __rl: true, value: '={{ $json.id }}', mode: 'id' },
	format: 'png',
	theme: 'light',
	binaryPropertyName: 'data',
};

function countRequests(fake) {
	const lists = fake.requests.filter((r) => r.path === '/api/v1/diagrams').length;
	return { lists, others: fake.requests.length - lists, total: fake.requests.length };
}

/** Minutes a key's burst budget (120 per 60 s) needs for `requests`, not counting the last window. */
function burstMinutes(requests) {
	return Math.ceil(requests / BURST.limit) - 1;
}

/** Runs the scenario; resolves the markdown section and whether the goal was met. */
async function runTriggerBench() {
	const fake = await startFakeServer();
	const credentials = { apiKey: TEST_KEY, environment: 'staging', baseUrl: fake.baseUrl };
	try {
		const seeded = fake.seedDiagrams(DIAGRAMS);

		// Incremental: the activation poll seeds once; then CHANGED diagrams change; the next poll.
		const activation = await engine.runPoll({ parameters: { event: 'diagramChanged' }, credentials });
		if (activation.error) throw activation.error;
		const seedRequests = fake.requests.length;
		const step = Math.floor(DIAGRAMS / CHANGED);
		for (let i = 0; i < CHANGED; i++) fake.changeDiagram(seeded[i * step].id, { name: `Changed ${i + 1}` });
		fake.clearRequests();
		const polled = await engine.runPoll({ parameters: { event: 'diagramChanged' }, staticData: activation.staticData, credentials });
		if (polled.error) throw polled.error;
		const emitted = polled.items ?? [];
		const input = emitted.map((item) => ({ json: item.json }));
		for (const parameters of [exportParameters, renderParameters]) {
			const result = await engine.runNode({ parameters, input, credentials });
			if (result.error) throw result.error;
		}
		const incremental = countRequests(fake);

		// Full nightly export of every diagram.
		fake.clearRequests();
		const full = await engine.runWorkflow({
			nodes: [
				{ name: 'List all diagrams', parameters: { resource: 'diagram', operation: 'getAll', returnAll: true } },
				{ name: 'Export BPMN', parameters: exportParameters },
				{ name: 'Render PNG', parameters: renderParameters },
			],
			connections: {
				'List all diagrams': {
					main: [[{ node: 'Export BPMN', type: 'main', index: 0 }, { node: 'Render PNG', type: 'main', index: 0 }]],
				},
			},
			credentials,
		});
		if (full.error) throw full.error;
		const nightly = countRequests(fake);

		const large = await runLargeAccounts();
		const met = emitted.length === CHANGED && incremental.total <= GOAL && large.met;
		const lines = [
			`## Incremental export with the trigger (bench/trigger.js)`,
			'',
			`${DIAGRAMS.toLocaleString('en')} diagrams, ${CHANGED} changed since the last poll. Requests counted at the fake API; everything through n8n's engine (the trigger's poll through n8n-core's PollContext).`,
			'',
			'| export | diagrams exported | list requests | export + render requests | total requests | burst budget (120 per 60 s) |',
			'|---|---:|---:|---:|---:|---:|',
			`| Trigger (New or Updated Diagram) → Export BPMN + Render PNG | ${emitted.length} | ${incremental.lists} | ${incremental.others} | **${incremental.total}** | ${burstMinutes(incremental.total)} min of waiting |`,
			`| Nightly Get Many (Return All) → Export BPMN + Render PNG | ${DIAGRAMS} | ${nightly.lists} | ${nightly.others} | **${nightly.total}** | ≥ ${burstMinutes(nightly.total)} min of waiting |`,
			'',
			`Goal (≤ ${GOAL} requests against ${(2 * DIAGRAMS + DIAGRAMS / 100).toLocaleString('en')}, exactly the ${CHANGED} changed diagrams exported): **${met ? 'met' : 'missed'}**. The trigger's activation poll (once, emits nothing) cost ${seedRequests} requests; each later poll costs ⌈diagrams/100⌉ = ${Math.ceil(DIAGRAMS / 100)} requests whether or not anything changed.`,
			'',
			large.markdown,
		];
		return { markdown: lines.join('\n'), met };
	} finally {
		await fake.close();
	}
}

/**
 * Polls (every minute, 45 s budget each, as n8n 2.41's getPollBudgetMs gives them) until a walk
 * is done; returns the items emitted, polls, requests and 429s.
 */
async function pollUntilWalkDone(fake, credentials, clock, state) {
	const emitted = [];
	let polls = 0;
	const requestsBefore = fake.requests.length;
	for (;;) {
		if (polls >= MAX_POLLS) throw new Error(`no walk finished within ${MAX_POLLS} polls`);
		const result = await engine.runPoll({ parameters: { event: 'diagramChanged' }, staticData: state.data, credentials, pollBudgetMs: POLL_BUDGET_MS });
		if (result.error) throw result.error;
		polls++;
		emitted.push(...(result.items ?? []).map((item) => item.json));
		state.data = result.staticData;
		clock.advance(POLL_INTERVAL_MS);
		if (!result.staticData.trigger.walk) break;
	}
	const requests = fake.requests.slice(requestsBefore);
	return { emitted, polls, requests: requests.length, refused: requests.filter((r) => r.status === 429).length };
}

/**
 * New or Updated Diagram on accounts of 1,000 to 50,000 diagrams under the API's 120 requests per
 * 60 s, on a simulated clock shared by the node and the fake (test/harness/virtual-clock.js):
 * activation (the first walk, which emits nothing), then CHANGED diagrams change across the list
 * and the trigger polls until every change is emitted.
 */
async function runLargeAccounts() {
	const rows = [];
	let met = true;
	for (const diagrams of LARGE_ACCOUNTS) {
		const fake = await startFakeServer({ settings: { burst: BURST, maxRecordedRequests: 200_000 } });
		const clock = useVirtualClock(fake, { requestMs: REQUEST_MS });
		const credentials = { apiKey: TEST_KEY, environment: 'staging', baseUrl: fake.baseUrl };
		try {
			const seeded = fake.seedDiagrams(diagrams);
			const state = { data: {} };
			const activation = await pollUntilWalkDone(fake, credentials, clock, state);
			const step = Math.floor(diagrams / CHANGED);
			const changed = new Set();
			for (let i = 0; i < CHANGED; i++) changed.add(fake.changeDiagram(seeded[i * step].id, { name: `Changed ${i + 1}` }).id);
			const started = clock.now();
			const walk = await pollUntilWalkDone(fake, credentials, clock, state);
			const ids = walk.emitted.map((item) => item.id);
			const exact = ids.length === changed.size && ids.every((id) => changed.has(id));
			met = met && exact && walk.refused === 0 && activation.refused === 0;
			rows.push(
				`| ${diagrams.toLocaleString('en')} | ${activation.polls} | ${activation.requests} | ${walk.polls} | ${walk.requests} | ${Math.round((clock.now() - started) / 60_000)} min | ${ids.length} of ${changed.size}${exact ? ', each once' : ' — WRONG'} | ${activation.refused + walk.refused} |`,
			);
		} finally {
			clock.restore();
			await fake.close();
		}
	}
	const markdown = [
		'## Large accounts (bench/trigger.js)',
		'',
		`New or Updated Diagram, default options (at most 10,000 diagrams = 100 requests per poll), polled every minute with n8n 2.41's 45 s budget, the API's ${BURST.limit} requests per ${BURST.windowMs / 1000} s on, ${REQUEST_MS} ms per request; ${CHANGED} diagrams changed across the list after activation. Simulated clock shared by the node and the fake (headers true to it); requests counted at the fake.`,
		'',
		'| diagrams | activation polls | activation requests | polls until every change is emitted | their requests | time | changes emitted | 429s |',
		'|---:|---:|---:|---:|---:|---:|---|---:|',
		...rows,
		'',
		`Goal (every change emitted exactly once, no 429): **${met ? 'met' : 'missed'}**.`,
	];
	return { markdown: markdown.join('\n'), met };
}

module.exports = { runTriggerBench };

if (require.main === module) {
	runTriggerBench()
		.then(({ markdown, met }) => {
			process.stdout.write(`${markdown}\n`);
			if (!met) process.exitCode = 1;
		})
		.catch((error) => {
			process.stderr.write(`${error.stack ?? error}\n`);
			process.exitCode = 1;
		});
}
