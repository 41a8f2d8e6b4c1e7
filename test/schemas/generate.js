'use strict';
/**
 * Writes the output schemas n8n serves to its editor and AI builder (n8n-core's output-schema
 * resolver: <node folder>/__schema__/v1.0.0/<resource>/<operation>.json, and output.json for the
 * trigger), inferred from the real answers of every operation and event (test/schemas/answers.js)
 * of the built node (dist/) against the fake API. Never edit the files by hand: run
 *
 *   npm run schemas
 *
 * (build, this script, then the build's copy of the schemas into dist/). test/schemas/schemas.test.ts
 * fails when an answer and its schema disagree.
 */
const fs = require('node:fs');
const path = require('node:path');

const { startFakeServer } = require('../fake/server');
const { collectAnswers, schemaFiles, NODE_SCHEMA_DIR, TRIGGER_SCHEMA_DIR, ROOT } = require('./answers');

/** The text a schema file holds (tabs, as the rest of the sources; a final newline). */
function schemaText(schema) {
	return `${JSON.stringify(schema, null, '\t')}\n`;
}

async function main() {
	const fake = await startFakeServer();
	try {
		const files = schemaFiles(await collectAnswers(fake));
		for (const dir of [NODE_SCHEMA_DIR, TRIGGER_SCHEMA_DIR]) fs.rmSync(dir, { recursive: true, force: true });
		for (const [file, schema] of Object.entries(files)) {
			fs.mkdirSync(path.dirname(file), { recursive: true });
			fs.writeFileSync(file, schemaText(schema));
			console.log(`wrote ${path.relative(ROOT, file)}`);
		}
	} finally {
		await fake.close();
	}
}

module.exports = { schemaText };

if (require.main === module) {
	main().then(
		() => process.exit(0),
		(error) => {
			console.error(error);
			process.exit(1);
		},
	);
}
