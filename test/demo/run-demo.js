'use strict';
/**
 * The demo: runs the Just Flow It node through n8n's execution engine (n8n-core) against the
 * local fake Just Flow It API, the way a user's workflows would, and writes what it got to
 * test/demo/output/ (a generated PNG and SVG, an exported .bpmn, and a summary).
 *
 *   npm run demo
 */
const fs = require('node:fs');
const path = require('node:path');
const { startFakeServer, TEST_KEY, sampleBpmn } = require('../fake/server');
const { runWorkflow, binaryBuffer } = require('../harness/engine');

const OUTPUT = path.join(__dirname, 'output');

async function main() {
	fs.rmSync(OUTPUT, { recursive: true, force: true });
	fs.mkdirSync(OUTPUT, { recursive: true });
	const fake = await startFakeServer();
	fake.settings.generation = { ...fake.settings.generation, queuedMs: 300, runningMs: 1500 };
	const credentials = { apiKey: TEST_KEY, environment: 'staging', baseUrl: fake.baseUrl };
	const summary = [];
	const node = async (name, parameters, input) => {
		const { outputs, error } = await runWorkflow({ nodes: [{ name, parameters }], input, credentials });
		if (error) throw new Error(`${name}: ${error.message} — ${error.description ?? ''}`);
		return outputs[name];
	};
	const save = async (item, property = 'data') => {
		const file = item.binary[property];
		const target = path.join(OUTPUT, file.fileName);
		fs.writeFileSync(target, await binaryBuffer(file));
		summary.push(`  wrote ${path.relative(process.cwd(), target)} (${file.mimeType}, ${fs.statSync(target).size} bytes)`);
	};

	try {
		console.log(`Fake Just Flow It API on ${fake.baseUrl}\n`);
		const [folder] = await node('Create folder', {
			resource: 'folder', operation: 'create', name: 'Onboarding processes',
			additionalFields: { context: 'Customer onboarding for a B2B SaaS. Prefer swimlanes per department.' },
		});
		summary.push(`Folder → Create: ${folder.json.name} (${folder.json.id})`);

		const [generated] = await node('Generate', {
			resource: 'generate', operation: 'create',
			prompt: 'Employee onboarding: HR prepares the contract, IT creates accounts, the manager plans the first week',
			options: { folderId: { __rl: true, mode: 'id', value: folder.json.id }, name: 'Employee onboarding' },
		});
		summary.push(`Generate → Create: ${generated.json.status}, diagram ${generated.json.diagram_id}`);
		await save(generated);

		const [dark] = await node('Render', {
			resource: 'render', operation: 'image',
			diagramId: { __rl: true, mode: 'id', value: generated.json.diagram_id }, format: 'svg', theme: 'dark',
		});
		summary.push('Render → Image (SVG, dark):');
		await save(dark);

		const [imported] = await node('Import', {
			resource: 'diagram', operation: 'create', name: 'Order to cash', bpmnSource: 'text', bpmnXml: sampleBpmn('Order to cash'),
		});
		summary.push(`Diagram → Create (BPMN import): ${imported.json.name} (${imported.json.id})`);

		const all = await node('List', { resource: 'diagram', operation: 'getAll', returnAll: true });
		summary.push(`Diagram → Get Many (Return All): ${all.length} diagrams: ${all.map((i) => i.json.name).join(', ')}`);

		const exported = await node('Export', {
			resource: 'diagram', operation: 'export', diagramId: '={{ $json.id }}',
		}, all);
		summary.push('Diagram → Export, one per listed diagram:');
		for (const item of exported) await save(item);

		const requests = fake.requests.map((r) => `${r.method} ${r.path}${Object.keys(r.query).length ? `?${new URLSearchParams(r.query)}` : ''} → ${r.status}`);
		const report = [...summary, '', `Requests the API saw (${requests.length}):`, ...requests.map((r) => `  ${r}`)].join('\n');
		fs.writeFileSync(path.join(OUTPUT, 'summary.txt'), `${report}\n`);
		console.log(report);
		console.log(`\nOutputs are in ${path.relative(process.cwd(), OUTPUT)}/`);
	} finally {
		await fake.close();
	}
}

main().catch((error) => {
	console.error(error);
	process.exit(1);
});
