'use strict';
/**
 * Bench scenarios of the rate gate across processes (issue 10): several OS processes (each loading
 * the built package through n8n's engine, test/simulation/worker.js) render through ONE fake API
 * with a burst limit. Called by bench/run.js; `node bench/processes.js` runs only these (after
 * `npm run build`) and prints the markdown.
 */
const { simulate, summarize } = require('../test/simulation/simulate');
const { TEST_KEY } = require('../test/fake/server');

const WARM_KEY = 'jfi_sk_test_simWarmUpKey4n8nNodes01';

/** Goals of issue 21: several processes ≤ 5 % 429s and ≤ 1.15× the floor; one process ≤ 1 429 per 10 windows and ≤ 1.05×. */
const SCENARIOS = [
	{ processes: 3, perProcess: 100, burst: { limit: 30, windowMs: 3000 }, goal: { share429: 0.05, vsFloor: 1.15 } },
	{ processes: 1, perProcess: 600, burst: { limit: 60, windowMs: 6000 }, goal: { per10Windows: 1, vsFloor: 1.05 } },
	// The figure test/simulation/multiprocess.test.ts used to assert (≤ 1 429 in 10 windows).
	{ processes: 1, perProcess: 300, burst: { limit: 30, windowMs: 3000 }, goal: { per10Windows: 1, vsFloor: 1.05 } },
];
/** BENCH_PROCESSES=3x100,1x300 runs only those scenarios. */
const ONLY = process.env.BENCH_PROCESSES?.split(',');

const s = (ms) => `${(ms / 1000).toFixed(2)} s`;

/**
 * @param {{ baseUrl: string, call: (cmd: string, ...args: any[]) => Promise<any> }} fake the fake API process
 * @param {(text: string) => void} progress
 * @returns {Promise<string[]>} markdown lines
 */
async function benchProcesses(fake, progress = () => {}) {
	const lines = [
		'## 6. Several n8n processes sharing one key (queue-mode workers, simulated)',
		'',
		'Each process is an OS child process that loads the built package through n8n\'s engine and renders its share (Render → Image, ids from the input items) through one fake API with a burst limit; all start at the same moment after a warm-up run with another key. ' +
			'Floor: the last window opens (windows − 1) × window after the first request. "From start" includes n8n preparing the items before the first request goes out; "from 1st request" is what the pacing controls.',
		'',
		'| processes × renders | limit | completed | lost | 429 answers | 429s / successful | wall from start | from 1st request | floor | vs floor (from start / from 1st request) | each process finished after |',
		'|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---|',
	];
	const goals = [];
	for (const { processes, perProcess, burst, goal } of SCENARIOS) {
		if (ONLY && !ONLY.includes(`${processes}x${perProcess}`)) continue;
		progress(`  ${processes} processes × ${perProcess} renders at ${burst.limit}/${burst.windowMs / 1000} s`);
		await fake.call('reset');
		await fake.call('addKey', WARM_KEY);
		const warmUp = await fake.call('seedDiagrams', 20, { key: WARM_KEY });
		const diagrams = await fake.call('seedDiagrams', processes * perProcess);
		const sim = await simulate({
			baseUrl: fake.baseUrl,
			key: TEST_KEY,
			diagrams,
			processes,
			warmUp: { key: WARM_KEY, diagrams: warmUp },
			beforeStart: async () => {
				await fake.call('settings', { burst });
				await fake.call('clearRequests');
			},
		});
		const requests = await fake.call('requests');
		await fake.call('settings', { burst: null });
		const sum = summarize(sim, requests, burst, diagrams.length);
		const firstAt = Math.min(...requests.map((r) => r.at));
		const fromFirst = Math.max(...sim.workers.map((w) => w.finishedAt)) - firstAt;
		const finished = sum.perWorker.map((w) => s(w.finishedAfterMs ?? NaN)).join(', ');
		lines.push(
			`| ${processes} × ${perProcess} | ${burst.limit} / ${burst.windowMs / 1000} s | ${sum.ok} | ${sum.lost} | ${sum.limited} | ${(100 * sum.limitedShare).toFixed(1)} % | ${s(sum.wallMs)} | ${s(fromFirst)} | ${s(sum.floorMs)} | ${(sum.wallMs / sum.floorMs).toFixed(2)}× / ${(fromFirst / sum.floorMs).toFixed(2)}× | ${finished} |`,
		);
		progress(`    ${JSON.stringify({ ...sum, perWorker: undefined, fromFirst })}`);
		if (goal.share429 !== undefined) {
			goals.push(
				`${processes} × ${perProcess} at ${burst.limit}/${burst.windowMs / 1000} s (0 lost, ≤ ${goal.share429 * 100} % 429s, ≤ ${goal.vsFloor}× floor): ` +
					`**${sum.lost === 0 && sum.limitedShare <= goal.share429 && fromFirst <= goal.vsFloor * sum.floorMs ? 'met' : 'missed'}** from the first request, ` +
					`**${sum.lost === 0 && sum.limitedShare <= goal.share429 && sum.wallMs <= goal.vsFloor * sum.floorMs ? 'met' : 'missed'}** from start.`,
			);
		} else {
			const per10 = (sum.limited * 10) / sum.windows;
			goals.push(
				`${processes} × ${perProcess} at ${burst.limit}/${burst.windowMs / 1000} s (0 lost, ≤ ${goal.per10Windows} 429 per 10 windows, ≤ ${goal.vsFloor}× floor): ` +
					`**${sum.lost === 0 && per10 <= goal.per10Windows && fromFirst <= goal.vsFloor * sum.floorMs ? 'met' : 'missed'}** from the first request, ` +
					`**${sum.lost === 0 && per10 <= goal.per10Windows && sum.wallMs <= goal.vsFloor * sum.floorMs ? 'met' : 'missed'}** from start.`,
			);
		}
	}
	lines.push('', ...goals.map((g) => `- Goal ${g}`), '');
	return lines;
}

/** Starts the fake API in its own process (bench/fake-process.js); `call(cmd, …args)` talks to it. */
function startFakeProcess() {
	const { fork } = require('node:child_process');
	const child = fork(require('node:path').join(__dirname, 'fake-process.js'), [], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
	let next = 0;
	const pending = new Map();
	const ready = new Promise((resolve) => child.once('message', resolve));
	child.on('message', (message) => {
		if (message.id === undefined) return;
		const { resolve, reject } = pending.get(message.id);
		pending.delete(message.id);
		if (message.error) reject(new Error(message.error));
		else resolve(message.result);
	});
	const call = (cmd, ...args) =>
		new Promise((resolve, reject) => {
			const id = next++;
			pending.set(id, { resolve, reject });
			child.send({ id, cmd, args });
		});
	return { ready, call, stop: () => child.disconnect() };
}

/**
 * Runs one bench scenario as a script of its own (`node bench/<file>.js`): a fake API in a child
 * process, the scenario's lines on stdout, its progress on stderr.
 */
function runAlone(bench) {
	(async () => {
		process.env.N8N_LOG_LEVEL = 'silent';
		const { ready, call, stop } = startFakeProcess();
		await ready;
		const fake = { call, baseUrl: (await call('info')).baseUrl };
		try {
			const lines = await bench(fake, (text) => process.stderr.write(`${text}\n`));
			console.log(lines.join('\n'));
		} finally {
			stop();
		}
	})().catch((error) => {
		console.error(error);
		process.exit(1);
	});
}

module.exports = { benchProcesses, runAlone, startFakeProcess };

if (require.main === module) runAlone(benchProcesses);
