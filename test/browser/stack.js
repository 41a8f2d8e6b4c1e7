'use strict';
/**
 * The pieces of the browser test, each started on 127.0.0.1 and stopped again (also on failure):
 *
 *   - Debian's chromium (apt-get installs it when missing: install-chromium.sh);
 *   - the real n8n the e2e suite installs (test/e2e/n8n-runner.js), with this package installed
 *     from its `npm pack` tarball, running as a server (`n8n start`);
 *   - the fake Just Flow It API (test/fake/server.js).
 *
 * Chromium resolves no host name but 127.0.0.1 and goes through a dead proxy for anything that is
 * not loopback, so the editor's calls to outside hosts fail at once instead of leaving the machine.
 */
const { execFileSync, spawn } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');

const { ensureN8nInstalled, freePort, prepareN8n } = require('../e2e/n8n-runner');

const ROOT = path.resolve(__dirname, '..', '..');
const CHROMIUM_CANDIDATES = ['/usr/bin/chromium', '/usr/bin/chromium-browser'];

/** How long each wait of the stack may take before it gives up with a clear message. */
const N8N_START_TIMEOUT_MS = 120 * 1000;
const OWNER_SETUP_TIMEOUT_MS = 60 * 1000;

/** Path of Debian's chromium; installs the `chromium` package with apt-get when it is missing. */
function ensureChromium() {
	const found = () => CHROMIUM_CANDIDATES.find((file) => fs.existsSync(file));
	if (found()) return found();
	execFileSync('bash', [path.join(__dirname, 'install-chromium.sh')], { stdio: 'inherit', timeout: 15 * 60 * 1000 });
	const installed = found();
	if (!installed) throw new Error('chromium is still missing after apt-get install chromium');
	return installed;
}

/** `npm pack` of the built project into `dir`; returns the tarball's path. */
function packProject(dir) {
	const output = execFileSync('npm', ['pack', '--json', '--ignore-scripts', '--pack-destination', dir], {
		cwd: ROOT,
		encoding: 'utf8',
	});
	return path.join(dir, JSON.parse(output)[0].filename);
}

function sleep(ms) {
	return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Starts `n8n start` for a prepared handle and waits until its REST API answers. */
async function startN8nServer(handle, install, { logFile }) {
	const port = Number(handle.env.N8N_PORT);
	const env = {
		...handle.env,
		N8N_SECURE_COOKIE: 'false',
		N8N_EDITOR_BASE_URL: `http://127.0.0.1:${port}`,
		N8N_PROTOCOL: 'http',
		N8N_LOG_LEVEL: 'warn',
		// No outside calls from the server either (the browser blocks its own).
		N8N_DIAGNOSTICS_ENABLED: 'false',
		N8N_VERSION_NOTIFICATIONS_ENABLED: 'false',
		N8N_TEMPLATES_ENABLED: 'false',
		N8N_COMMUNITY_PACKAGES_PREVENT_LOADING: 'false',
		N8N_AI_ENABLED: 'false',
		N8N_PUBLIC_API_DISABLED: 'true',
	};
	const log = fs.openSync(logFile, 'a');
	const child = spawn(install.nodeBin, [install.n8nBin, 'start'], {
		env,
		cwd: handle.userFolder,
		stdio: ['ignore', log, log],
		detached: false,
	});
	fs.closeSync(log);
	let exited = null;
	child.on('exit', (code, signal) => {
		exited = { code, signal };
	});
	const base = `http://127.0.0.1:${port}`;
	const deadline = Date.now() + N8N_START_TIMEOUT_MS;
	for (;;) {
		if (exited) {
			throw new Error(`n8n start exited (${JSON.stringify(exited)}) before it answered; log: ${logFile}\n${tail(logFile)}`);
		}
		try {
			const res = await fetch(`${base}/rest/settings`);
			if (res.ok) break;
		} catch {
			// not listening yet
		}
		if (Date.now() > deadline) {
			child.kill('SIGKILL');
			throw new Error(`n8n did not answer on ${base} within ${N8N_START_TIMEOUT_MS / 1000} s; log: ${logFile}\n${tail(logFile)}`);
		}
		await sleep(500);
	}
	return {
		base,
		child,
		async stop() {
			if (exited) return;
			const gone = new Promise((resolve) => child.once('exit', resolve));
			child.kill('SIGTERM');
			const timer = setTimeout(() => child.kill('SIGKILL'), 15000);
			await gone;
			clearTimeout(timer);
		},
	};
}

function tail(file, lines = 30) {
	try {
		return fs.readFileSync(file, 'utf8').split('\n').slice(-lines).join('\n');
	} catch {
		return '';
	}
}

/**
 * Creates the owner account through n8n's REST API; returns the `n8n-auth` cookie value. Right
 * after start-up n8n may still answer /rest routes with the editor's index.html (200, no cookie),
 * so this retries until the answer is n8n's JSON, for at most OWNER_SETUP_TIMEOUT_MS.
 */
async function setUpOwner(base, owner) {
	const deadline = Date.now() + OWNER_SETUP_TIMEOUT_MS;
	for (;;) {
		const res = await fetch(`${base}/rest/owner/setup`, {
			method: 'POST',
			headers: { 'content-type': 'application/json' },
			body: JSON.stringify(owner),
		});
		const type = res.headers.get('content-type') || '';
		const auth = res.headers
			.getSetCookie()
			.map((cookie) => /^n8n-auth=([^;]+)/.exec(cookie))
			.find(Boolean);
		if (res.ok && type.includes('application/json') && auth) return auth[1];
		if (res.status >= 400 && type.includes('application/json')) {
			throw new Error(`POST /rest/owner/setup answered ${res.status}: ${await res.text()}`);
		}
		if (Date.now() > deadline) {
			throw new Error(`POST /rest/owner/setup gave no n8n-auth cookie within ${OWNER_SETUP_TIMEOUT_MS / 1000} s (last: ${res.status} ${type})`);
		}
		await sleep(1000);
	}
}

/** Launches chromium that can reach 127.0.0.1 only. */
async function launchBrowser(executablePath) {
	const puppeteer = require('puppeteer-core');
	const deadProxyPort = await freePort(); // nothing listens there
	return await puppeteer.launch({
		executablePath,
		headless: true,
		defaultViewport: { width: 1440, height: 900 },
		args: [
			'--no-sandbox',
			'--disable-dev-shm-usage',
			'--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1',
			`--proxy-server=http://127.0.0.1:${deadProxyPort}`,
			'--proxy-bypass-list=<-loopback>;127.0.0.1',
			'--no-first-run',
			'--no-default-browser-check',
			'--disable-background-networking',
			'--disable-component-update',
			'--disable-sync',
			'--disable-features=Translate,OptimizationHints,MediaRouter',
			'--lang=en-US',
		],
		env: { ...process.env, TZ: 'UTC', LANG: 'en_US.UTF-8' },
	});
}

module.exports = {
	ROOT,
	ensureChromium,
	ensureN8nInstalled,
	launchBrowser,
	packProject,
	prepareN8n,
	setUpOwner,
	sleep,
	startN8nServer,
	tmpDir: (prefix) => fs.mkdtempSync(path.join(os.tmpdir(), prefix)),
};
