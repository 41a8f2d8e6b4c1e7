'use strict';
/**
 * The fake Just Flow It API in its own process, so its CPU and memory do not count against the
 * contenders. The bench drives it over IPC: { id, cmd, args } → { id, result }.
 */
const { startFakeServer } = require('../test/fake/server');

(async () => {
	const fake = await startFakeServer({ settings: { maxRecordedRequests: 100000 } });
	const commands = {
		info: () => ({ baseUrl: fake.baseUrl }),
		reset: () => fake.reset(),
		settings: (patch) => Object.assign(fake.settings, patch),
		seedDiagrams: (n, options) => fake.seedDiagrams(n, options).map((d) => ({ id: d.id, name: d.name })),
		addKey: (key) => fake.addKey(key),
		requests: () => fake.requests.map((r) => ({ method: r.method, path: r.path, query: r.query, status: r.status, at: r.at })),
		clearRequests: () => fake.clearRequests(),
	};
	process.on('message', async ({ id, cmd, args }) => {
		try {
			process.send({ id, result: await commands[cmd](...(args ?? [])) });
		} catch (error) {
			process.send({ id, error: String(error?.stack ?? error) });
		}
	});
	process.on('disconnect', async () => {
		await fake.close();
		process.exit(0);
	});
	process.send({ ready: true });
})();
