/**
 * actionlint as wired into `npm run lint` (test/verification/actionlint.js): it passes this repo's
 * workflows and catches the mistakes it exists to catch. Run with `node --test test/verification/`.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';

const require = createRequire(import.meta.url);
const { lintFile } = require('./actionlint.js');
const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

function tempWorkflow(text) {
	const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'jfi-actionlint-'));
	const file = path.join(dir, 'broken.yml');
	fs.writeFileSync(file, text);
	return file;
}

test('ci.yml and publish.yml have no actionlint finding', async () => {
	for (const name of ['ci.yml', 'publish.yml']) {
		assert.deepEqual(await lintFile(path.join(ROOT, '.github', 'workflows', name)), [], name);
	}
});

test('publish.yml may mint an OIDC token and publishes with provenance on version tags', () => {
	const text = fs.readFileSync(path.join(ROOT, '.github', 'workflows', 'publish.yml'), 'utf8');
	assert.match(text, /^\s+id-token: write$/m);
	assert.match(text, /^\s+- 'v\*\.\*\.\*'$/m);
	assert.match(text, /npm publish --provenance/);
});

test('control: a workflow with an unknown permission, a bad context and no runs-on gets findings', async () => {
	const file = tempWorkflow(
		[
			'on: push',
			'permissions:',
			'  id-tokens: write',
			'jobs:',
			'  build:',
			'    steps:',
			'      - run: echo "${{ github.nope.sha }}"',
			'',
		].join('\n'),
	);
	try {
		const findings = await lintFile(file);
		const text = findings.map((f) => `${f.kind}: ${f.message}`).join('\n');
		assert.match(text, /id-tokens/);
		assert.match(text, /runs-on/);
		assert.match(text, /nope/);
	} finally {
		fs.rmSync(path.dirname(file), { recursive: true, force: true });
	}
});
