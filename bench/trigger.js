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

		const met = emitted.length === CHANGED && incremental.total <= GOAL;
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
		];
		return { markdown: lines.join('\n'), met };
	} finally {
		await fake.close();
	}
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
