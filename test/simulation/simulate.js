'use strict';
/**
 * Several n8n processes sharing one API key: starts `processes` OS child processes
 * (test/simulation/worker.js, each loading the built package through n8n's engine), waits until all
 * have loaded, then lets them render their share of `diagrams` at the same moment through ONE fake
 * API. Used by test/simulation/*.test.ts (counts) and bench/run.js (counts and times).
 */
const { fork } = require('node:child_process');
const path = require('node:path');

/**
 * @param {object} args
 * @param {string} args.baseUrl the fake API's base URL
 * @param {string} args.key the API key all processes share
 * @param {Array<{id: string, name: string}>} args.diagrams split evenly between the processes
 * @param {number} args.processes
 * @param {object} [args.parameters] extra node parameters
 * @param {number} [args.timeoutMs] a worker that takes longer is killed and reported
 * @param {{key: string, diagrams: Array<object>}} [args.warmUp] each worker renders these once (with
 *   another key, so the measured key's gate starts fresh) before it reports ready
 * @param {Function} [args.beforeStart] awaited when all workers are ready, before they start
 * @returns {Promise<{ workers: Array<object>, wallMs: number, startedAt: number }>}
 */
async function simulate({ baseUrl, key, diagrams, processes, parameters, timeoutMs = 300_000, warmUp, beforeStart }) {
	const shares = Array.from({ length: processes }, (_, index) => diagrams.filter((_d, i) => i % processes === index));
	const children = shares.map(() =>
		fork(path.join(__dirname, 'worker.js'), [], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'], env: { ...process.env, N8N_LOG_LEVEL: 'silent', SIM_WARMUP: JSON.stringify(warmUp ? { baseUrl, parameters, ...warmUp } : null) } }),
	);
	const kill = () => {
		for (const child of children) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
	};
	try {
		await Promise.all(
			children.map(
				(child) =>
					new Promise((resolve, reject) => {
						child.once('message', (message) => (message.ready ? resolve() : reject(new Error('worker did not load'))));
						child.once('exit', (code) => reject(new Error(`worker exited (${code}) before it was ready`)));
					}),
			),
		);
		if (beforeStart) await beforeStart();
		const startedAt = Date.now();
		const workers = await Promise.all(
			children.map(
				(child, index) =>
					new Promise((resolve) => {
						const timer = setTimeout(() => {
							child.kill('SIGKILL');
							resolve({ timedOut: true, items: 0, ok: 0, okIds: [], failed: 0, errors: [], runError: `killed after ${timeoutMs} ms` });
						}, timeoutMs);
						child.removeAllListeners('exit');
						child.on('message', (message) => {
							if (!message.done) return;
							clearTimeout(timer);
							resolve({ ...message.done, share: shares[index].length });
						});
						child.on('exit', (code) => {
							clearTimeout(timer);
							resolve({ items: 0, ok: 0, okIds: [], failed: 0, errors: [], runError: `worker exited (${code}) without a result`, share: shares[index].length });
						});
						child.send({ go: { baseUrl, key, diagrams: shares[index], parameters } });
					}),
			),
		);
		const wallMs = Math.max(...workers.map((w) => w.finishedAt ?? Date.now())) - startedAt;
		return { workers, wallMs, startedAt };
	} finally {
		kill();
	}
}

/**
 * Sums up one simulation against the fake's request log (entries with `status` and `path`).
 * `windows` and `floorMs`: the fixed-window minimum for `requests` at the burst limit.
 */
function summarize({ workers, wallMs, startedAt }, requests, burst, expected) {
	const images = requests.filter((r) => /\/image$/.test(r.path));
	const rendered = images.filter((r) => r.status === 200).length;
	const limited = requests.filter((r) => r.status === 429).length;
	const other = requests.filter((r) => r.status !== 200 && r.status !== 429).length;
	const ok = workers.reduce((sum, w) => sum + w.ok, 0);
	const windows = Math.ceil(expected / burst.limit);
	const floorMs = (windows - 1) * burst.windowMs;
	return {
		expected,
		ok,
		lost: expected - ok,
		rendered,
		limited,
		other,
		requests: requests.length,
		limitedShare: rendered ? limited / rendered : 0,
		windows,
		floorMs,
		wallMs,
		vsFloor: floorMs ? wallMs / floorMs : 0,
		perWorker: workers.map((w) => ({
			ok: w.ok,
			failed: w.failed,
			errors: w.errors,
			runError: w.runError,
			finishedAfterMs: w.finishedAt ? w.finishedAt - startedAt : undefined,
		})),
	};
}

module.exports = { simulate, summarize };
