'use strict';
/**
 * An n8n cluster in queue mode (n8n's distributed engine): one main instance (`n8n start`, which
 * takes the webhooks and puts executions on the Redis queue) and N `n8n worker` processes (which run
 * them), all sharing one PostgreSQL database and one encryption key. Redis and PostgreSQL come from
 * test/queue/services.sh; n8n from the cached install (test/e2e/install-n8n.sh).
 *
 * Every process gets its own user folder under the run folder, with this package installed from its
 * `npm pack` tarball into that folder's `.n8n/nodes` (what a user does on every machine of a
 * cluster), its own task-broker port, and binary data mode `database` (the bytes live in PostgreSQL,
 * so the main instance can serve what a worker produced).
 *
 * Nothing listens anywhere but 127.0.0.1. Every process started here is recorded (pid per line) in
 * <runDir>/n8n.pids, so run.sh / services.sh reap can stop it even if this process is killed.
 */
const { spawn } = require('node:child_process');
const crypto = require('node:crypto');
const fs = require('node:fs');
const fsp = require('node:fs/promises');
const http = require('node:http');
const path = require('node:path');

const { prepareN8n, ensureN8nInstalled, freePort } = require('../e2e/n8n-runner');

/** Plain HTTP on loopback with a bound; resolves { status, headers, body: Buffer }. */
function request(url, { method = 'GET', headers = {}, body, timeoutMs = 30000 } = {}) {
	const target = new URL(url);
	if (target.hostname !== '127.0.0.1') throw new Error(`refusing to call ${target.origin}: loopback only`);
	const payload = body === undefined ? undefined : Buffer.from(typeof body === 'string' ? body : JSON.stringify(body));
	return new Promise((resolve, reject) => {
		const req = http.request(
			target,
			{
				method,
				headers: {
					...(payload ? { 'content-type': 'application/json', 'content-length': payload.length } : {}),
					...headers,
				},
				agent: false,
			},
			(res) => {
				const chunks = [];
				res.on('data', (c) => chunks.push(c));
				res.on('end', () => resolve({ status: res.statusCode, headers: res.headers, body: Buffer.concat(chunks) }));
				res.on('error', reject);
			},
		);
		req.setTimeout(timeoutMs, () => req.destroy(new Error(`${method} ${target.pathname} got no answer within ${timeoutMs} ms`)));
		req.on('error', reject);
		if (payload) req.write(payload);
		req.end();
	});
}

function json(res) {
	try {
		return JSON.parse(res.body.toString('utf8'));
	} catch {
		throw new Error(`expected JSON, got ${res.status}: ${res.body.toString('utf8').slice(0, 300)}`);
	}
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

class N8nProcess {
	constructor(name, handle, args, logFile) {
		this.name = name;
		this.handle = handle;
		this.args = args;
		this.logFile = logFile;
		this.child = undefined;
		this.exited = undefined;
	}

	start(install, pidsFile) {
		const out = fs.openSync(this.logFile, 'a');
		this.child = spawn(install.nodeBin, [install.n8nBin, ...this.args], {
			env: this.handle.env,
			cwd: this.handle.userFolder,
			stdio: ['ignore', out, out],
		});
		fs.closeSync(out);
		fs.appendFileSync(pidsFile, `${this.child.pid}\n`);
		this.exitPromise = new Promise((resolve) => {
			this.child.on('exit', (code, signal) => {
				this.exited = { code, signal };
				resolve(this.exited);
			});
		});
	}

	log() {
		try {
			return fs.readFileSync(this.logFile, 'utf8');
		} catch {
			return '';
		}
	}

	logTail(lines = 30) {
		return this.log().split('\n').slice(-lines).join('\n');
	}

	/** Stops the process: SIGTERM (n8n drains), SIGKILL after `graceMs`. */
	async stop(graceMs = 15000) {
		if (!this.child || this.exited) return;
		this.child.kill('SIGTERM');
		const timer = setTimeout(() => {
			if (!this.exited) this.child.kill('SIGKILL');
		}, graceMs);
		await this.exitPromise;
		clearTimeout(timer);
	}

	/** Synchronous last resort (process exit handlers). */
	killNow() {
		if (this.child && !this.exited) {
			try {
				this.child.kill('SIGKILL');
			} catch {
				/* already gone */
			}
		}
	}
}

/**
 * Prepares and starts main + workers. Returns the cluster; call `stop()` in a finally.
 *
 * options: runDir, services (parsed services.env), tarball, workers (3), concurrency (per worker),
 *          credentials, workflows (imported, then published, before anything starts), logLevel.
 */
async function startCluster(options) {
	const { runDir, services, tarball, workers = 3, concurrency = 2, credentials = [], workflows = [], logLevel = 'info', readyTimeoutMs = 180000, runners = 'internal', workerWithoutPackage = 0 } = options;
	const install = await ensureN8nInstalled();
	const pidsFile = path.join(runDir, 'n8n.pids');
	const logsDir = path.join(runDir, 'logs');
	await fsp.mkdir(logsDir, { recursive: true });

	const encryptionKey = crypto.randomBytes(24).toString('hex');
	const deadPort = await freePort(); // nothing listens there
	const shared = {
		EXECUTIONS_MODE: 'queue',
		QUEUE_BULL_REDIS_HOST: '127.0.0.1',
		QUEUE_BULL_REDIS_PORT: String(services.REDIS_PORT),
		QUEUE_BULL_REDIS_PASSWORD: services.REDIS_PASSWORD,
		DB_TYPE: 'postgresdb',
		DB_POSTGRESDB_HOST: '127.0.0.1',
		DB_POSTGRESDB_PORT: String(services.PG_PORT),
		DB_POSTGRESDB_DATABASE: services.PG_DATABASE,
		DB_POSTGRESDB_USER: services.PG_USER,
		DB_POSTGRESDB_PASSWORD: services.PG_PASSWORD,
		N8N_ENCRYPTION_KEY: encryptionKey,
		N8N_DEFAULT_BINARY_DATA_MODE: 'database',
		N8N_LOG_LEVEL: logLevel,
		// Workflow executions are saved (the test reads them back from the main instance).
		EXECUTIONS_DATA_SAVE_ON_SUCCESS: 'all',
		EXECUTIONS_DATA_SAVE_ON_ERROR: 'all',
		// Nothing but 127.0.0.1: n8n's main instance fetches lists from api.n8n.io (MCP servers,
		// verified community nodes); those features are off, and any other outside call goes to a
		// dead proxy on loopback (n8n's main installs a global proxy agent from these variables).
		N8N_DISABLED_MODULES: 'mcp-registry',
		N8N_VERIFIED_PACKAGES_ENABLED: 'false',
		N8N_DYNAMIC_BANNERS_ENABLED: 'false',
		HTTP_PROXY: `http://127.0.0.1:${deadPort}`,
		HTTPS_PROXY: `http://127.0.0.1:${deadPort}`,
		NO_PROXY: '127.0.0.1,localhost',
		N8N_PUBLIC_API_DISABLED: 'false',
		N8N_PUBLIC_API_SWAGGERUI_DISABLED: 'true',
		N8N_SECURE_COOKIE: 'false',
		...(runners === 'external'
			? {
					// No task runner child per process (the test's workflow has no Code node): n8n then
					// only opens its task broker on loopback and waits for a runner that never comes.
					N8N_RUNNERS_MODE: 'external',
					N8N_RUNNERS_AUTH_TOKEN: crypto.randomBytes(16).toString('hex'),
				}
			: {}),
	};

	const timings = {};
	let phase = Date.now();
	const lap = (name) => {
		timings[name] = Date.now() - phase;
		phase = Date.now();
	};

	// One prepared user folder (package installed from the tarball) per process. Sequential: npm
	// installs of the same tarball are fast (~1 s) and do not fight over npm's cache.
	const mainPort = await freePort();
	const mainHandle = await prepareN8n({
		packageTarball: tarball,
		userFolder: path.join(runDir, 'main'),
		env: { ...shared, N8N_PORT: String(mainPort) },
	});
	const workerHandles = [];
	for (let i = 1; i <= workers; i++) {
		const healthPort = await freePort();
		const handle = await prepareN8n({
			// A worker left without the package proves the checks catch it (JFI_QUEUE_WORKER_WITHOUT_PACKAGE).
			packageTarball: i === workerWithoutPackage ? undefined : tarball,
			userFolder: path.join(runDir, `worker${i}`),
			env: {
				...shared,
				QUEUE_HEALTH_CHECK_ACTIVE: 'true',
				QUEUE_HEALTH_CHECK_PORT: String(healthPort),
				N8N_WORKER_SERVER_ADDRESS: '127.0.0.1',
			},
		});
		handle.healthPort = healthPort;
		workerHandles.push(handle);
	}

	lap('installPackageMs');
	const main = new N8nProcess('main', mainHandle, ['start'], path.join(logsDir, 'main.log'));
	main.port = mainPort;
	main.baseUrl = `http://127.0.0.1:${mainPort}`;
	const workerProcs = workerHandles.map(
		(h, i) => Object.assign(new N8nProcess(`worker${i + 1}`, h, ['worker', `--concurrency=${concurrency}`], path.join(logsDir, `worker${i + 1}.log`)), { healthPort: h.healthPort }),
	);
	const all = [main, ...workerProcs];

	const cluster = {
		install,
		main,
		workers: workerProcs,
		all,
		timings,
		async stop() {
			await Promise.all(all.map((p) => p.stop()));
		},
		killNow() {
			for (const p of all) p.killNow();
		},
	};

	// State through n8n's CLI: credential, workflow, activation. Publishing before `n8n start` is what
	// registers the production webhook in n8n 2.x. The first command on the empty database runs n8n's
	// migrations, so the workers start only after it; the rest overlaps with their start-up.
	const steps = [];
	if (credentials.length) steps.push(['import:credentials', () => mainHandle.importCredentials(credentials)]);
	if (workflows.length) steps.push(['import:workflow', () => mainHandle.importWorkflow(workflows)]);
	for (const wf of workflows) {
		steps.push([
			`publish:workflow --id=${wf.id}`,
			async () => {
				const res = await mainHandle.n8n(['publish:workflow', `--id=${wf.id}`]);
				if (res.code !== 0) throw new Error(`n8n publish:workflow --id=${wf.id} failed:\n${res.stdout}\n${res.stderr}`);
			},
		]);
	}
	// Without state to import, any CLI command runs the migrations.
	if (steps.length === 0) steps.push(['migrations', () => mainHandle.n8n(['list:workflow'])]);

	try {
		await steps[0][1]();
		lap('migrationsMs');
		for (const w of workerProcs) w.start(install, pidsFile);
		for (const [, step] of steps.slice(1)) await step();
		lap('importAndPublishMs');
		main.start(install, pidsFile);
		const deadline = Date.now() + readyTimeoutMs;
		await Promise.all([
			waitReady(main, `${main.baseUrl}/healthz/readiness`, deadline),
			...workerProcs.map((w) => waitReady(w, `http://127.0.0.1:${w.healthPort}/healthz/readiness`, deadline)),
		]);
		lap('processesReadyMs');
	} catch (e) {
		await cluster.stop();
		throw e;
	}
	return cluster;
}

async function waitReady(proc, url, deadline) {
	for (;;) {
		if (proc.exited) {
			throw new Error(`${proc.name} exited (${JSON.stringify(proc.exited)}) before it was ready; log tail:\n${proc.logTail()}`);
		}
		try {
			const res = await request(url, { timeoutMs: 2000 });
			if (res.status === 200) return;
		} catch {
			/* not listening yet */
		}
		if (Date.now() > deadline) throw new Error(`${proc.name} not ready (${url}) in time; log tail:\n${proc.logTail()}`);
		await sleep(250);
	}
}

/** Owner account + session cookie + a public-API key on the main instance. */
async function ownerSession(main) {
	const password = `Q${crypto.randomBytes(9).toString('base64url')}7q`;
	const setup = await request(`${main.baseUrl}/rest/owner/setup`, {
		method: 'POST',
		body: { email: 'owner@example.test', firstName: 'Queue', lastName: 'Test', password },
	});
	if (setup.status !== 200) throw new Error(`owner setup: ${setup.status} ${setup.body.toString('utf8').slice(0, 300)}`);
	const cookie = [].concat(setup.headers['set-cookie'] || []).map((c) => c.split(';')[0]).find((c) => c.startsWith('n8n-auth='));
	if (!cookie) throw new Error('owner setup gave no n8n-auth cookie');
	const scopesRes = await request(`${main.baseUrl}/rest/api-keys/scopes`, { headers: { cookie } });
	const available = json(scopesRes).data || [];
	const scopes = ['execution:read', 'execution:list'].filter((s) => available.includes(s));
	const keyRes = await request(`${main.baseUrl}/rest/api-keys`, {
		method: 'POST',
		headers: { cookie },
		body: { label: 'queue-e2e', scopes, expiresAt: null },
	});
	if (keyRes.status !== 200) throw new Error(`api key: ${keyRes.status} ${keyRes.body.toString('utf8').slice(0, 300)}`);
	const apiKey = json(keyRes).data.rawApiKey;
	if (!apiKey) throw new Error('api key creation returned no rawApiKey');
	return { cookie, apiKey };
}

module.exports = { startCluster, ownerSession, request, json, sleep };
