'use strict';
/**
 * Bench scenario: memory at scale (issue 17, finding 9). Renders 2,000 and 10,000 items to PNG
 * through n8n's engine, whose execution has a cancel signal as in n8n's server, in memory binary
 * mode, against the fake with its limit off (it still sends the documented `RateLimit-*` headers,
 * truthfully saying nothing is counted). Each contender and size runs in a fresh OS process
 * (`node --expose-gc bench/memory.js child …`) so no run inherits another's heap; the figure is the
 * peak RSS above the process's RSS after a warm-up run of 10 items.
 *
 * Called by bench/run.js; `node bench/memory.js` (after `npm run build`) runs only this scenario.
 */
const { fork } = require('node:child_process');
const path = require('node:path');

const { FLOOR_LABEL, FLOOR_TYPE, declarativeFloorNode, declarativeFloorType } = require('./declarative-floor');

/**
 * BENCH_MEMORY_SIZES=2000 runs fewer sizes (a quick look; the goal needs both). BENCH_MEMORY_DETAIL=1
 * and BENCH_MEMORY_HELD=1 print more per run (see the child).
 */
const SIZES = (process.env.BENCH_MEMORY_SIZES ?? '2000,10000').split(',').map(Number);
const CONTENDERS = {
	ours: 'Just Flow It node (Render → Image)',
	floor: FLOOR_LABEL,
	smallFloor: 'declarative floor: 2 properties',
	http: 'HTTP Request node (response format: file)',
};
/** Goal: the node's peak RSS growth at most this many times the HTTP Request node's, at every size. */
const GOAL_RATIO = 1.5;

const mib = (bytes) => `${(bytes / 1024 / 1024).toFixed(0)} MiB`;

/**
 * @param {{ baseUrl: string, call: (cmd: string, ...args: any[]) => Promise<any> }} fake the fake API process
 * @param {(text: string) => void} progress
 * @returns {Promise<string[]>} markdown lines
 */
async function benchMemory(fake, progress = () => {}) {
	await fake.call('reset');
	await fake.call('settings', { burst: null });
	const diagrams = await fake.call('seedDiagrams', Math.max(...SIZES));
	const ids = diagrams.map((d) => d.id);
	const lines = [
		'## 7. Memory at scale: render many with the execution\'s cancel signal',
		'',
		'Render → Image (PNG) through n8n\'s engine as n8n\'s server runs it (the execution has a cancel signal), memory binary mode, the fake with its limit off but truthful `RateLimit-*` headers. ' +
			'Each run is a fresh OS process; the figure is its peak RSS above the RSS after a warm-up run of 10 items (the images themselves are part of every contender\'s growth). ' +
			'The declarative floors (bench/declarative-floor.js) send the same request through RoutingNode with none of this package\'s code; one has as many top-level properties as the node, the other only the 2 it needs.',
		'',
		'| items | contender | completed | wall time | peak RSS growth |',
		'|---:|---|---:|---:|---:|',
	];
	const growth = {};
	for (const size of SIZES) {
		for (const [who, label] of Object.entries(CONTENDERS)) {
			let result;
			try {
				result = await runChild({ who, size, baseUrl: fake.baseUrl, ids: ids.slice(0, size) });
			} catch (error) {
				// The floors and the HTTP Request node send every item at once and retry nothing: at
				// 10,000 a dropped connection now and then fails the run. Run it once more.
				if (who === 'ours') throw error;
				progress(`  memory ${size} ${who}: failed (${String(error.message).split('\n')[0].slice(0, 120)}), once more`);
				result = await runChild({ who, size, baseUrl: fake.baseUrl, ids: ids.slice(0, size) });
			}
			progress(`  memory ${size} ${who}: ${result.completed} items, ${(result.wallMs / 1000).toFixed(2)} s, +${mib(result.rssGrowth)}`);
			if (result.completed !== size) throw new Error(`${label} returned ${result.completed} of ${size} items`);
			growth[`${who}|${size}`] = result.rssGrowth;
			lines.push(`| ${size} | ${label} | ${result.completed} | ${(result.wallMs / 1000).toFixed(2)} s | ${mib(result.rssGrowth)} |`);
		}
	}
	const ratios = SIZES.map((size) => growth[`ours|${size}`] / Math.max(1, growth[`http|${size}`]));
	const met = ratios.every((ratio) => ratio <= GOAL_RATIO);
	const ratio = (a, b, size) => (growth[`${a}|${size}`] / Math.max(1, growth[`${b}|${size}`])).toFixed(2);
	lines.push(
		'',
		`Goal (the node's growth ≤ ${GOAL_RATIO}× the HTTP Request node's at every size): **${met ? 'met' : 'missed'}** (${SIZES.map((size, i) => `${size}: ${ratios[i].toFixed(2)}×`).join(', ')}).`,
		'',
		`Against the declarative floor, a node with the same number of top-level properties and none of this package's code: the node ${SIZES.map((size) => `${ratio('ours', 'floor', size)}× at ${size}`).join(', ')}; the floor against the HTTP Request node ${SIZES.map((size) => `${ratio('floor', 'http', size)}× at ${size}`).join(', ')}; a declarative node of 2 properties against the HTTP Request node ${SIZES.map((size) => `${ratio('smallFloor', 'http', size)}× at ${size}`).join(', ')}.`,
		'',
	);
	return lines;
}

function runChild(args) {
	return new Promise((resolve, reject) => {
		const child = fork(__filename, ['child'], { execArgv: ['--expose-gc'], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
		let result;
		child.once('message', (message) => {
			result = message;
		});
		child.once('exit', (code) => {
			if (result?.error) reject(new Error(result.error));
			else if (result) resolve(result);
			else reject(new Error(`memory bench child exited with ${code}`));
		});
		child.send(args);
	});
}

/** In the child: one contender, one size. */
async function child({ who, size, baseUrl, ids }) {
	process.env.N8N_LOG_LEVEL = 'silent';
	const engine = require('../test/harness/engine');
	const { TEST_KEY } = require('../test/fake/server');
	const { ensureN8nInstalled } = require('../test/e2e/n8n-runner');
	const install = await ensureN8nInstalled();
	const nodesBase = path.join(install.dir, 'node_modules', 'n8n-nodes-base');
	const { HttpRequest } = require(path.join(nodesBase, 'dist', 'nodes', 'HttpRequest', 'HttpRequest.node.js'));
	const extraNodeTypes = {
		'n8n-nodes-base.httpRequest': new HttpRequest(),
		[FLOOR_TYPE]: declarativeFloorType(who === 'smallFloor' ? 2 : undefined),
	};
	await engine.setBinaryMode('memory');
	const credentials = { apiKey: TEST_KEY, environment: 'staging', baseUrl };
	const node =
		who === 'ours'
			? { name: 'Render', parameters: { resource: 'render', operation: 'image', diagramId: '={{ $json.id }}' } }
			: who === 'floor' || who === 'smallFloor'
				? declarativeFloorNode()
				: {
					name: 'Render',
					type: 'n8n-nodes-base.httpRequest',
					typeVersion: 4.2,
					parameters: {
						method: 'GET',
						url: `=${baseUrl}/diagrams/{{ $json.id }}/image`,
						sendHeaders: true,
						headerParameters: { parameters: [{ name: 'Authorization', value: `Bearer ${TEST_KEY}` }] },
						options: { response: { response: { responseFormat: 'file' } } },
					},
				};
	const run = async (count) => {
		const input = ids.slice(0, count).map((id) => ({ json: { id } }));
		const result = await engine.runWorkflow({ nodes: [node], input, credentials, extraNodeTypes });
		if (result.error) throw result.error;
		return result.outputs.Render.filter((item) => item.binary && !item.json.error).length;
	};
	await run(10);
	global.gc?.();
	await new Promise((resolve) => setTimeout(resolve, 200));
	global.gc?.();
	const startRss = process.memoryUsage().rss;
	let peak = startRss;
	const started = performance.now();
	const start = process.memoryUsage();
	const peaks = { ...start };
	// BENCH_MEMORY_HELD=1: what the process holds, not its peak: every 100 ms a full collection, then
	// the heap in use (slower, and the RSS figure then means little).
	const held = { peak: 0 };
	const timer = process.env.BENCH_MEMORY_HELD
		? setInterval(() => {
				global.gc();
				held.peak = Math.max(held.peak, process.memoryUsage().heapUsed - start.heapUsed);
			}, 100)
		: setInterval(() => {
				const now = process.memoryUsage();
				for (const key of Object.keys(peaks)) peaks[key] = Math.max(peaks[key], now[key]);
				peak = Math.max(peak, now.rss);
			}, 10);
	let completed;
	try {
		completed = await run(size);
	} finally {
		clearInterval(timer);
	}
	const wallMs = performance.now() - started;
	peak = Math.max(peak, process.memoryUsage().rss);
	if (process.env.BENCH_MEMORY_HELD) process.stderr.write(`  ${who} ${size} held at most: heap +${mib(held.peak)} after a full collection\n`);
	// BENCH_MEMORY_DETAIL=1: where the growth is (heap, buffers).
	if (process.env.BENCH_MEMORY_DETAIL) {
		process.stderr.write(`  ${who} ${size} peak growth: ${Object.keys(peaks).map((key) => `${key} ${mib(peaks[key] - start[key])}`).join(', ')}\n`);
	}
	return { completed, wallMs, rssGrowth: peak - startRss };
}

module.exports = { benchMemory };

if (require.main === module) {
	if (process.argv[2] === 'child') {
		process.once('message', (args) => {
			child(args)
				.then((result) => process.send(result, () => process.exit(0)))
				.catch((error) => process.send({ error: String(error?.stack ?? error) }, () => process.exit(1)));
		});
	} else {
		require('./processes').runAlone(benchMemory);
	}
}
