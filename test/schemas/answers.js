'use strict';
/**
 * Real answers of every operation of the node and every event of the trigger: each runs through
 * n8n's engine (test/harness/engine.js, the built dist/) against the fake API, in the variants a
 * user meets (a Pro account and a Team account, in a folder and at the top level, a generation
 * waited for and one returned at once, a failed one, PNG and SVG), so that every field shows up
 * with each type it can take. The output schemas are inferred from these answers
 * (test/schemas/generate.js) and checked against them (test/schemas/schemas.test.ts).
 */
const path = require('node:path');

const engine = require('../harness/engine');
const { sampleBpmn } = require('../fake/server');
const { inferSchema } = require('./jsonSchema');

const ROOT = path.resolve(__dirname, '..', '..');
/** n8n-core's resolver pads the node version: typeVersion 1 is looked up under v1.0.0. */
const VERSION_DIR = 'v1.0.0';
const NODE_SCHEMA_DIR = path.join(ROOT, 'nodes', 'JustFlowIt', '__schema__', VERSION_DIR);
const TRIGGER_SCHEMA_DIR = path.join(ROOT, 'nodes', 'JustFlowItTrigger', '__schema__', VERSION_DIR);

const PRO_KEY = 'jfi_sk_test_SchemaProAccount0000000000';
const TEAM_KEY = 'jfi_sk_test_SchemaTeamAccount000000000';
const PROMPT = 'Expense approval: an employee submits a claim, the manager approves or rejects it, finance pays it';

const byId = (value) => ({ __rl: true, mode: 'id', value });

/** Every `resource/operation` the node offers, read from its description. */
async function nodeOperations() {
	const { nodeTypes } = await engine.loadPackage();
	const { properties } = nodeTypes[engine.NODE_TYPE].description;
	const resources = properties.find((property) => property.name === 'resource').options.map((option) => option.value);
	return resources.flatMap((resource) =>
		properties
			.filter((property) => property.name === 'operation' && property.displayOptions?.show?.resource?.includes(resource))
			.flatMap((property) => property.options.map((option) => `${resource}/${option.value}`)),
	);
}

/** The trigger's events, read from its description. */
async function triggerEvents() {
	const { nodeTypes } = await engine.loadPackage();
	return nodeTypes[engine.TRIGGER_NODE_TYPE].description.properties
		.find((property) => property.name === 'event')
		.options.map((option) => option.value);
}

function failed(what, error) {
	return new Error(`${what} failed, so it has no answer to read a schema from: ${error.message}\n${error.description ?? ''}`);
}

/** Runs every variant for one account (key) and adds the output items' json to `answers` (`resource/operation` → json[]). */
async function collectForAccount(fake, key, answers) {
	const credentials = { apiKey: key, environment: 'staging', baseUrl: fake.baseUrl };
	const folder = fake.seedFolder({ key, name: 'Finance', context: 'Swimlanes per department' });
	const child = fake.seedFolder({ key, name: 'Payables', parentId: folder.id });
	const inFolder = fake.seedDiagram({ key, name: 'Invoice approval', folderId: folder.id });
	const atTop = fake.seedDiagram({ key, name: 'Onboarding' });

	const runs = [];
	const add = (operation, parameters, input) => runs.push({ operation, parameters, input });
	const bpmnFile = {
		json: {},
		binary: {
			data: {
				data: Buffer.from(sampleBpmn('Purchase order')).toString('base64'),
				mimeType: 'application/xml',
				fileName: 'purchase-order.bpmn',
				fileExtension: 'bpmn',
			},
		},
	};
	add('diagram/create', { name: 'Purchase order', bpmnSource: 'binary' }, [bpmnFile]);
	add('diagram/create', { name: 'Refunds', bpmnSource: 'text', bpmnXml: sampleBpmn('Refunds'), additionalFields: { folderId: byId(folder.id) } });
	add('diagram/get', { diagramId: byId(inFolder.id) });
	add('diagram/get', { diagramId: byId(atTop.id) });
	add('diagram/getAll', { returnAll: true });
	add('diagram/update', { diagramId: byId(atTop.id), updateFields: { name: 'Onboarding v2', folderId: byId(folder.id) } });
	add('diagram/update', { diagramId: byId(atTop.id), updateFields: { folderId: byId('root') } });
	add('diagram/export', { diagramId: byId(inFolder.id) });
	add('render/image', { diagramId: byId(inFolder.id) });
	add('render/image', { diagramId: byId(atTop.id), format: 'svg', theme: 'dark' });
	add('render/image', { diagramId: byId(atTop.id), options: { lookUpName: true } });
	add('folder/create', { name: 'Archive' });
	add('folder/create', { name: 'Receivables', additionalFields: { parentId: byId(folder.id), context: 'One lane per team' } });
	add('folder/get', { folderId: byId(folder.id) });
	add('folder/get', { folderId: byId(child.id) });
	add('folder/getAll', { returnAll: true });
	add('folder/update', { folderId: byId(child.id), updateFields: { name: 'Payables (EU)', context: 'EU rules' } });
	add('generate/create', { prompt: PROMPT, options: { name: 'Expenses', folderId: byId(folder.id) } });
	add('generate/create', { prompt: PROMPT, options: { format: 'svg', theme: 'dark' } });
	add('generate/create', { prompt: PROMPT, downloadImage: false });
	add('generate/create', { prompt: PROMPT, waitForCompletion: false });
	add('generate/create', { prompt: PROMPT, simplify: false });

	const run = async ({ operation, parameters, input = [{ json: {} }] }) => {
		const [resource, op] = operation.split('/');
		const result = await engine.runNode({ parameters: { resource, operation: op, ...parameters }, input, credentials });
		if (result.error) throw failed(`${operation} ${JSON.stringify(parameters).slice(0, 120)}`, result.error);
		if (result.items.length === 0) throw new Error(`${operation} returned no items`);
		(answers[operation] ??= []).push(...result.items.map((item) => item.json));
		return result.items;
	};
	for (const entry of runs) await run(entry);

	// Deleting: a diagram and an empty folder made for it.
	await run({ operation: 'diagram/delete', parameters: { diagramId: byId(fake.seedDiagram({ key, name: 'Old' }).id) } });
	await run({ operation: 'folder/delete', parameters: { folderId: byId(fake.seedFolder({ key, name: 'Empty' }).id) } });

	// Generate → Get: a generation still queued, one that succeeded, and one that failed.
	const [queued] = await run({ operation: 'generate/create', parameters: { prompt: PROMPT, waitForCompletion: false } });
	await run({ operation: 'generate/get', parameters: { generationId: String(queued.json.id) } });
	const [done] = await run({ operation: 'generate/create', parameters: { prompt: PROMPT, downloadImage: false } });
	await run({ operation: 'generate/get', parameters: { generationId: String(done.json.id) } });
	const outcome = fake.settings.generation.outcome;
	fake.settings.generation = { ...fake.settings.generation, outcome: 'failed' };
	try {
		const [failing] = await run({ operation: 'generate/create', parameters: { prompt: PROMPT, waitForCompletion: false } });
		await new Promise((resolve) => setTimeout(resolve, fake.settings.generation.queuedMs + fake.settings.generation.runningMs + 50));
		await run({ operation: 'generate/get', parameters: { generationId: String(failing.json.id) } });
	} finally {
		fake.settings.generation = { ...fake.settings.generation, outcome };
	}

	// Generate → Get of a generation with a name and a folder.
	const [named] = await run({ operation: 'generate/create', parameters: { prompt: PROMPT, waitForCompletion: false, options: { name: 'Travel', folderId: byId(folder.id) } } });
	await run({ operation: 'generate/get', parameters: { generationId: String(named.json.id) } });
}

/**
 * The trigger's answers: "Fetch Test Event" (manual mode) returns the newest matching item, so it
 * runs once after each seeding: the newest diagram at the top level and then in a folder, the
 * newest folder inside another and then at the top level.
 */
async function collectTriggerEvents(fake, key, events) {
	const credentials = { apiKey: key, environment: 'staging', baseUrl: fake.baseUrl };
	const parent = fake.seedFolder({ key, name: 'Operations', context: 'One lane per role' });
	const seedings = [
		() => {
			fake.seedFolder({ key, name: 'Warehouse', parentId: parent.id });
			fake.seedDiagram({ key, name: 'Stock count' });
		},
		() => {
			fake.seedFolder({ key, name: 'Legal', context: 'Approvals by counsel' });
			fake.seedDiagram({ key, name: 'Contract review', folderId: parent.id });
		},
	];
	for (const seed of seedings) {
		seed();
		for (const event of await triggerEvents()) {
			const result = await engine.runPoll({ parameters: { event }, mode: 'manual', credentials });
			if (result.error) throw failed(`trigger ${event}`, result.error);
			if (!result.items?.length) throw new Error(`trigger ${event} returned no items`);
			(events[event] ??= []).push(...result.items.map((item) => item.json));
		}
	}
}

/** All answers: `{ operations: { 'resource/operation': json[] }, events: { event: json[] } }`. */
async function collectAnswers(fake) {
	fake.settings.generation = { ...fake.settings.generation, queuedMs: 50, runningMs: 150 };
	fake.addKey(PRO_KEY, { plan: 'pro' });
	fake.addKey(TEAM_KEY, { plan: 'team' });
	const operations = {};
	const events = {};
	for (const key of [PRO_KEY, TEAM_KEY]) {
		await collectForAccount(fake, key, operations);
		await collectTriggerEvents(fake, key, events);
	}
	const missing = (await nodeOperations()).filter((operation) => !operations[operation]);
	if (missing.length > 0) throw new Error(`no answers collected for ${missing.join(', ')}: add a variant to test/schemas/answers.js`);
	return { operations, events };
}

/** The trigger's one schema file (n8n looks up `output.json` for a node without resource/operation). */
function triggerSchema(events) {
	const diagramEvents = Object.keys(events).filter((event) => event.startsWith('diagram'));
	const folderEvents = Object.keys(events).filter((event) => !event.startsWith('diagram'));
	const diagrams = diagramEvents.flatMap((event) => events[event]);
	const folders = folderEvents.flatMap((event) => events[event]);
	// `properties` lists every field for tools that read only those; `anyOf` says which go together.
	const union = inferSchema([...diagrams, ...folders]);
	return {
		type: 'object',
		properties: union.properties,
		anyOf: [
			{ title: `A diagram (${diagramEvents.join(', ')})`, ...inferSchema(diagrams) },
			{ title: `A folder (${folderEvents.join(', ')})`, ...inferSchema(folders) },
		],
	};
}

/** The schema files (absolute path → schema) these answers give. */
function schemaFiles({ operations, events }) {
	const files = {};
	for (const [operation, samples] of Object.entries(operations)) {
		files[path.join(NODE_SCHEMA_DIR, `${operation}.json`)] = inferSchema(samples);
	}
	files[path.join(TRIGGER_SCHEMA_DIR, 'output.json')] = triggerSchema(events);
	return files;
}

module.exports = { collectAnswers, schemaFiles, nodeOperations, NODE_SCHEMA_DIR, TRIGGER_SCHEMA_DIR, ROOT };
