/**
 * The output schemas the package ships (nodes/*\/__schema__/, copied to dist/ by the build) against
 * the node's real answers: each operation's and event's answers, run through n8n's engine against
 * the fake API (test/schemas/answers.js), must fit their schema, and the schema must be exactly what
 * those answers give. When an answer changes, regenerate them with `npm run schemas`.
 */
import { readdirSync, readFileSync, statSync } from 'fs';
import { join, relative } from 'path';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const { loadOutputSchema } = require('n8n-core');
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { startFakeServer } = require('../fake/server');
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { collectAnswers, schemaFiles, nodeOperations, NODE_SCHEMA_DIR, TRIGGER_SCHEMA_DIR, ROOT } = require('./answers');
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { schemaText } = require('./generate');
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { schemaProblems } = require('./jsonSchema');

type Json = Record<string, unknown>;
interface Answers {
	operations: Record<string, Json[]>;
	events: Record<string, Json[]>;
}

const REGENERATE = 'run `npm run schemas` to write the schemas from the current answers';

function filesUnder(dir: string): string[] {
	return readdirSync(dir).flatMap((name) => {
		const path = join(dir, name);
		return statSync(path).isDirectory() ? filesUnder(path) : [path];
	});
}

const readSchema = (file: string) => JSON.parse(readFileSync(file, 'utf8'));

let answers: Answers;
let operations: string[];

beforeAll(async () => {
	const fake = await startFakeServer();
	try {
		answers = await collectAnswers(fake);
	} finally {
		await fake.close();
	}
	operations = await nodeOperations();
}, 120_000);

describe('output schemas', () => {
	it('exist for every operation of the node and for the trigger, and for nothing else', () => {
		const shipped = [...filesUnder(NODE_SCHEMA_DIR), ...filesUnder(TRIGGER_SCHEMA_DIR)].map((file) => relative(ROOT, file)).sort();
		const expected = [
			...operations.map((operation) => `nodes/JustFlowIt/__schema__/v1.0.0/${operation}.json`),
			'nodes/JustFlowItTrigger/__schema__/v1.0.0/output.json',
		].sort();
		expect(shipped).toEqual(expected);
		expect(operations).toHaveLength(14);
	});

	it("fit every answer of the node's operations (no field missing, none unknown, no other type)", () => {
		const problems = operations.flatMap((operation) => {
			const schema = readSchema(join(NODE_SCHEMA_DIR, `${operation}.json`));
			return answers.operations[operation].flatMap((json) => schemaProblems(schema, json).map((p: string) => `${operation} ${p}`));
		});
		expect(problems).toEqual([]);
	});

	it("fit every answer of the trigger's events, a diagram event a diagram and the folder event a folder", () => {
		const schema = readSchema(join(TRIGGER_SCHEMA_DIR, 'output.json'));
		const [diagram, folder] = schema.anyOf;
		const problems = Object.entries(answers.events).flatMap(([event, items]) =>
			items.flatMap((json) => schemaProblems(event.startsWith('diagram') ? diagram : folder, json).map((p: string) => `${event} ${p}`)),
		);
		expect(Object.keys(answers.events).sort()).toEqual(['diagramChanged', 'diagramCreated', 'folderCreated']);
		expect(problems).toEqual([]);
	});

	it(`are exactly what the answers give (else ${REGENERATE})`, () => {
		const stale = Object.entries(schemaFiles(answers) as Record<string, Json>)
			.filter(([file, schema]) => readFileSync(file, 'utf8') !== schemaText(schema))
			.map(([file]) => relative(ROOT, file));
		expect(stale).toEqual([]);
	});
});

describe("the built package's schemas, found by n8n-core's output-schema resolver", () => {
	const distNode = join(ROOT, 'dist', 'nodes', 'JustFlowIt');
	const distTrigger = join(ROOT, 'dist', 'nodes', 'JustFlowItTrigger');

	it('serves each operation the editor asks for (exact version, as n8n\'s /schemas route) with fields to map', () => {
		for (const operation of operations) {
			const [resource, op] = operation.split('/');
			const served = loadOutputSchema({ nodeDir: distNode, version: 1, resource, operation: op });
			// The editor accepts a schema with a type and at least one property.
			expect({ operation, type: served?.type, fields: Object.keys(served?.properties ?? {}).length > 0 }).toEqual({
				operation,
				type: 'object',
				fields: true,
			});
			expect(served).toEqual(readSchema(join(NODE_SCHEMA_DIR, `${operation}.json`)));
		}
	});

	it("gives the AI builder the trigger's output.json (it looks up a node without resource/operation that way)", () => {
		const served = loadOutputSchema({ nodeDir: distTrigger, version: 1, versionFallback: true });
		expect(served).toEqual(readSchema(join(TRIGGER_SCHEMA_DIR, 'output.json')));
	});
});
