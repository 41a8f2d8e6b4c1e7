/**
 * n8n's verification scanner (@n8n/scan-community-package, pinned in devDependencies), run offline.
 *
 * The real scanner (`npx @n8n/scan-community-package <pkg>`) downloads the published tarball and,
 * from its npm provenance, the attested GitHub source, then lints both with `analyzePackage`:
 *   - the source checkout with `SOURCE_FILE_PATTERNS` (package.json + {nodes,credentials}/**),
 *   - the tarball with `['**\/*.js', 'package.json']`.
 * Here the same exported `analyzePackage` and `SOURCE_FILE_PATTERNS` run on local paths: this work
 * tree as the source, and `npm pack` of it (after `npm run build`) as the tarball. The rules are the
 * scanner's own; nothing is re-implemented. Any attempt to open a network connection fails the run.
 *
 * Run with `node --test test/verification/` (part of `npm test`; needs `npm run build` first).
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { fileURLToPath } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

// No network: every TCP/IPC connection this process tries is refused and recorded. Installed before
// the scanner is imported (it imports axios; only analyzePackageByName would use it).
const connectionAttempts = [];
const originalConnect = net.Socket.prototype.connect;
net.Socket.prototype.connect = function blockedConnect(...args) {
	connectionAttempts.push(JSON.stringify(args[0] && typeof args[0] === 'object' ? args[0] : args.slice(0, 2)));
	throw new Error(`the verification scanner tried to open a connection: ${connectionAttempts.at(-1)}`);
};

const scannerPath = path.join(ROOT, 'node_modules', '@n8n', 'scan-community-package', 'scanner', 'scanner.mjs');
const { analyzePackage, SOURCE_FILE_PATTERNS } = await import(scannerPath);
/** The patterns analyzePackageByName uses for the tarball leg (scanner.mjs 0.32.0, not exported). */
const TARBALL_FILE_PATTERNS = ['**/*.js', 'package.json'];

let work;
let tarballDir;

function describeFailure(result) {
	return `${result.message ?? ''}\n${result.details ?? ''}\n${result.error?.stack ?? ''}`;
}

/** Copies `from` into a new folder under the temp dir and returns it. */
function copyTree(from, name) {
	const to = path.join(work, name);
	fs.cpSync(from, to, { recursive: true });
	return to;
}

before(() => {
	work = fs.mkdtempSync(path.join(os.tmpdir(), 'jfi-scan-'));
	assert.ok(fs.existsSync(path.join(ROOT, 'dist')), 'run `npm run build` first (the tarball ships dist/)');
	const packed = JSON.parse(
		execFileSync('npm', ['pack', '--json', '--ignore-scripts', '--offline', '--pack-destination', work], {
			cwd: ROOT,
			encoding: 'utf8',
			stdio: ['ignore', 'pipe', 'pipe'],
		}),
	);
	tarballDir = path.join(work, 'tarball');
	fs.mkdirSync(tarballDir);
	execFileSync('tar', ['-xzf', path.join(work, packed[0].filename), '-C', tarballDir, '--strip-components=1']);
});

after(() => {
	net.Socket.prototype.connect = originalConnect;
	if (work) fs.rmSync(work, { recursive: true, force: true });
});

test('the scanner exports the source-file patterns this test relies on', () => {
	assert.deepEqual(SOURCE_FILE_PATTERNS, ['package.json', '{nodes,credentials}/**/*.{js,ts,json}']);
});

test('source leg: package.json, nodes/ and credentials/ of this tree pass the scanner', async () => {
	const result = await analyzePackage(ROOT, SOURCE_FILE_PATTERNS);
	assert.equal(result.passed, true, describeFailure(result));
	assert.notEqual(result.message, 'No files found to analyze');
});

test('tarball leg: the packed package (dist/**/*.js + package.json) passes the scanner', async () => {
	assert.ok(fs.existsSync(path.join(tarballDir, 'dist', 'nodes', 'JustFlowIt', 'JustFlowIt.node.js')));
	const result = await analyzePackage(tarballDir, TARBALL_FILE_PATTERNS);
	assert.equal(result.passed, true, describeFailure(result));
	assert.notEqual(result.message, 'No files found to analyze');
});

test('control: the tarball leg fails a copy of the package that declares a runtime dependency', async () => {
	const dir = copyTree(tarballDir, 'with-dependency');
	const manifest = JSON.parse(fs.readFileSync(path.join(dir, 'package.json'), 'utf8'));
	manifest.dependencies = { 'left-pad': '1.3.0' };
	fs.writeFileSync(path.join(dir, 'package.json'), JSON.stringify(manifest, null, 2));
	const result = await analyzePackage(dir, TARBALL_FILE_PATTERNS);
	assert.equal(result.passed, false);
	assert.match(result.details, /no-runtime-dependencies/);
});

test('control: the source leg fails a copy of the tree whose node uses setTimeout', async () => {
	const dir = path.join(work, 'source-with-global');
	for (const part of ['package.json', 'nodes', 'credentials']) {
		fs.cpSync(path.join(ROOT, part), path.join(dir, part), { recursive: true });
	}
	const node = path.join(dir, 'nodes', 'JustFlowIt', 'JustFlowIt.node.ts');
	fs.appendFileSync(node, '\nexport const later = () => setTimeout(() => undefined, 1);\n');
	const result = await analyzePackage(dir, SOURCE_FILE_PATTERNS);
	assert.equal(result.passed, false);
	assert.match(result.details, /no-restricted-globals/);
});

test('no leg opened a network connection', () => {
	assert.deepEqual(connectionAttempts, []);
});
