'use strict';
/**
 * One simulated n8n process: loads the BUILT package (dist/) through n8n's engine
 * (test/harness/engine.js) and runs one workflow, Just Flow It → Render → Image, on the diagrams it
 * is given. Started by test/simulation/simulate.js over IPC:
 *   child → { ready: true }     (package loaded)
 *   parent → { go: { baseUrl, key, diagrams, parameters? } }
 *   child → { done: { items, ok, failed, errors, runError, startedAt, finishedAt } }
 */
const engine = require('../harness/engine');

async function render({ baseUrl, key, diagrams, parameters = {} }) {
	const startedAt = Date.now();
	const result = await engine.runWorkflow({
		nodes: [
			{
				name: 'Render',
				// Failed items come out with json.error instead of failing the run, so they can be counted.
				onError: 'continueRegularOutput',
				parameters: { resource: 'render', operation: 'image', diagramId: '={{ $json.id }}', ...parameters },
			},
		],
		input: diagrams.map((diagram) => ({ json: diagram })),
		credentials: { apiKey: key, environment: 'staging', baseUrl },
	});
	const finishedAt = Date.now();
	const items = result.outputs.Render ?? [];
	const ok = items.filter((item) => item.binary?.data && !item.json.error);
	const failed = items.filter((item) => item.json.error);
	return {
		items: items.length,
		ok: ok.length,
		okIds: ok.map((item) => item.json.id),
		failed: failed.length,
		errors: [...new Set(failed.map((item) => String(item.json.error?.message ?? item.json.error)))].slice(0, 5),
		runError: result.error ? String(result.error.message ?? result.error) : undefined,
		startedAt,
		finishedAt,
	};
}

/** SIM_TRACE=1: records every gate event of this process (diagnostics for the bench, not used by tests). */
const trace = [];
if (process.env.SIM_TRACE) {
	const { RateGate } = require(require('node:path').join(engine.PACKAGE_ROOT, 'dist/nodes/JustFlowIt/shared/rateGate.js'));
	const { acquire, release, closeFor } = RateGate.prototype;
	RateGate.prototype.acquire = async function (options) {
		const ticket = await acquire.call(this, options);
		trace.push([Date.now(), 'send', ticket]);
		return ticket;
	};
	RateGate.prototype.release = function (ticket, answer) {
		const h = answer?.headers ?? {};
		trace.push([Date.now(), 'answer', ticket, answer?.status, h['ratelimit-remaining'], h['ratelimit-reset']]);
		return release.call(this, ticket, answer);
	};
	let tick = Date.now();
	setInterval(() => {
		const now = Date.now();
		if (now - tick > 150) trace.push([now, 'lag', now - tick]);
		tick = now;
	}, 50).unref();
	RateGate.prototype.closeFor = function (seconds) {
		trace.push([Date.now(), 'closeFor', seconds]);
		return closeFor.call(this, seconds);
	};
}

process.on('message', (message) => {
	if (!message.go) return;
	render(message.go).then(
		(done) => process.send({ done: { ...done, trace } }, () => process.exit(0)),
		(error) => process.send({ done: { runError: String(error?.stack ?? error), items: 0, ok: 0, okIds: [], failed: 0, errors: [] } }, () => process.exit(1)),
	);
});

/**
 * Before the measured run, a long-running n8n worker has run workflows already: one warm-up render
 * (with the fake's limit off) loads n8n's code paths, so the measured run starts warm.
 */
async function warmUp() {
	const options = JSON.parse(process.env.SIM_WARMUP ?? 'null');
	if (options) await render(options);
}

engine.loadPackage().then(warmUp).then(
	() => process.send({ ready: true }),
	(error) => {
		process.stderr.write(`${error?.stack ?? error}\n`);
		process.exit(1);
	},
);
