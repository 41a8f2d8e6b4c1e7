/**
 * What the editor shows a user, checked where the engine can: error texts that n8n's popup can
 * show whole (it drops anything between angle brackets as an HTML tag), the import operation under
 * one name, and Docs links that land on the node's own README section.
 */
import { readdirSync, readFileSync } from 'fs';
import { join, resolve } from 'path';
import type { IDataObject } from 'n8n-workflow';
import * as ts from 'typescript';

import { byId, run, useFake } from '../support/context';

const root = resolve(__dirname, '..', '..');
const BPMN_NS = 'http://www.omg.org/spec/BPMN/20100524/MODEL';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const { JustFlowIt } = require('../../dist/nodes/JustFlowIt/JustFlowIt.node.js');
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { JustFlowItTrigger } = require('../../dist/nodes/JustFlowItTrigger/JustFlowItTrigger.node.js');
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { JustFlowItApi } = require('../../dist/credentials/JustFlowItApi.credentials.js');

function sourceFiles(dir: string): string[] {
	return readdirSync(dir, { withFileTypes: true }).flatMap((entry) =>
		entry.isDirectory() ? sourceFiles(join(dir, entry.name)) : entry.name.endsWith('.ts') ? [join(dir, entry.name)] : [],
	);
}

/** Every string literal (and literal part of a template) in nodes/ and credentials/ holding a `<`. */
function literalsWithAngleBracket(): string[] {
	const found: string[] = [];
	for (const file of [...sourceFiles(join(root, 'nodes')), ...sourceFiles(join(root, 'credentials'))]) {
		const source = ts.createSourceFile(file, readFileSync(file, 'utf8'), ts.ScriptTarget.Latest, true);
		const visit = (node: ts.Node) => {
			const literal =
				ts.isStringLiteral(node) || ts.isNoSubstitutionTemplateLiteral(node) || ts.isTemplateLiteralToken(node);
			if (literal && node.text.includes('<')) {
				const owner = node.parent && ts.isPropertyAssignment(node.parent) ? `${node.parent.name.getText()}: ` : '';
				found.push(`${file.slice(root.length + 1)}: ${owner}${JSON.stringify(node.text.slice(0, 60))}`);
			}
			ts.forEachChild(node, visit);
		};
		visit(source);
	}
	return found.sort();
}

describe('error texts keep every word in n8n\'s error popup (no "<")', () => {
	const fake = useFake();

	it('has no "<" in any text literal of the node, its trigger or its credential, except XML checks and a placeholder', () => {
		// The exceptions are not shown in an error: the XML prologue tests of binary.ts (a body's
		// first "<", and the "<?", "<!--", "<!DOCTYPE" the SVG check steps over), and the BPMN XML
		// field's placeholder (an example of what to type).
		expect(literalsWithAngleBracket()).toEqual([
			'nodes/JustFlowIt/resources/diagram.ts: placeholder: "<?xml version=\\"1.0\\" encoding=\\"UTF-8\\"?><bpmn:definitions …"',
			'nodes/JustFlowIt/shared/binary.ts: "<!--"',
			'nodes/JustFlowIt/shared/binary.ts: "<!DOCTYPE"',
			'nodes/JustFlowIt/shared/binary.ts: "<"',
			'nodes/JustFlowIt/shared/binary.ts: "<"',
			'nodes/JustFlowIt/shared/binary.ts: "<?"',
		]);
	});

	it.each([
		['text that is not XML', 'Start → Approve → End', 'it is not XML (it does not start with a tag)'],
		['XML without a definitions root', '<html><body>hello</body></html>', 'it has no BPMN definitions root element'],
		['definitions in another namespace', '<definitions xmlns="http://example.com/other"><process/></definitions>', `its definitions element is not in the BPMN 2.0 namespace ${BPMN_NS}`],
		['definitions without a process', `<definitions xmlns="${BPMN_NS}"><message id="m"/></definitions>`, 'it has no process or collaboration element'],
	])('names the BPMN problem of %s without angle brackets', async (_label, bpmnXml, problem) => {
		const result = await run(fake, { resource: 'diagram', operation: 'create', name: 'x', bpmnSource: 'text', bpmnXml });
		expect(fake.requests).toHaveLength(0);
		expect(result.error?.message).toBe(`BPMN XML is not a BPMN 2.0 document: ${problem}`);
		expect(`${result.error?.message} ${result.error?.description}`).not.toContain('<');
	});

	it("shows the API's own message about a BPMN it rejected with ‹ › in place of its angle brackets", async () => {
		// Passes the node's check (a <process> is in the text) but not the API's: the process is not a
		// child of definitions. The fake answers as the real API does: 422 naming <definitions> and <process>.
		const bpmnXml = `<bpmn:definitions xmlns:bpmn="${BPMN_NS}"><bpmn:documentation><bpmn:process id="p"/></bpmn:documentation></bpmn:definitions>`;
		const result = await run(fake, { resource: 'diagram', operation: 'create', name: 'x', bpmnSource: 'text', bpmnXml });
		expect(fake.requests.map((r) => [r.method, r.path, r.status])).toEqual([['POST', '/api/v1/diagrams', 422]]);
		expect(result.error?.message).toBe(
			'Just Flow It rejected the BPMN: bpmn_xml is not a usable BPMN 2.0 document: ‹definitions› contains no ‹process› or ‹collaboration›.',
		);
		expect(`${result.error?.message} ${result.error?.description}`).not.toContain('<');
	});

	it('shows a server page that is not JSON without angle brackets', async () => {
		fake.injectFailure({ path: '/diagrams/3f9c2b1a-7d4e-4a2c-9b6f-1e8d5c0a2f31', status: 400, body: '<html><body>upstream 3 < 4 failed <b' });
		const result = await run(fake, { resource: 'diagram', operation: 'get', diagramId: byId('3f9c2b1a-7d4e-4a2c-9b6f-1e8d5c0a2f31') });
		expect(fake.requests.map((r) => r.status)).toEqual([400]);
		expect(result.error?.description).toContain('upstream 3 ‹ 4 failed ‹b');
		expect(`${result.error?.message} ${result.error?.description}`).not.toContain('<');
	});

	it("shows the reason of a failed generation with ‹ › in place of its angle brackets", async () => {
		fake.settings.generation = {
			...fake.settings.generation,
			queuedMs: 10,
			runningMs: 10,
			outcome: 'failed',
			failure: { code: 'generation_failed', message: 'The prompt names no steps between <start> and <end>.' },
		};
		const result = await run(fake, { resource: 'generate', operation: 'create', prompt: 'Hello' });
		expect(result.error?.message).toBe('Just Flow It could not generate the diagram: The prompt names no steps between ‹start› and ‹end›.');
		expect(`${result.error?.message} ${result.error?.description}`).not.toContain('<');
	});

	it('echoes an invalid ID with ‹ › in place of its angle brackets', async () => {
		const result = await run(fake, { resource: 'diagram', operation: 'get', diagramId: '={{ "<b>42</b>" }}' });
		expect(fake.requests).toHaveLength(0);
		expect(result.error?.message).toBe('Diagram "‹b›42‹/b›" is not a valid ID');
	});
});

describe('the import operation has one name everywhere', () => {
	const description = new JustFlowIt().description;
	const diagramOperations = description.properties.find(
		(p: IDataObject) => p.name === 'operation' && (p.displayOptions as IDataObject & { show: { resource: string[] } })?.show?.resource?.includes('diagram'),
	);
	const importOption = diagramOperations.options.find((o: IDataObject) => o.value === 'create');

	it('is "Import" in the Operation list, "Import a diagram from BPMN" in the nodes panel, "Import Diagram" on the canvas; the saved value stays create', () => {
		expect(importOption).toMatchObject({ name: 'Import', value: 'create', action: 'Import a diagram from BPMN' });
		expect(description.subtitle).toContain('"diagram:create": "Import Diagram"');
		// n8n's lint wants the options sorted by name: Import after Get Many.
		expect(diagramOperations.options.map((o: IDataObject) => o.name)).toEqual(['Delete', 'Export', 'Get', 'Get Many', 'Import', 'Update']);
	});
});

describe("each Docs link lands on its own README section", () => {
	/** GitHub's anchor for a heading: lower case, punctuation dropped, spaces to hyphens. */
	const slug = (heading: string) =>
		heading
			.trim()
			.toLowerCase()
			.replace(/[^\p{L}\p{N}\s_-]/gu, '')
			.replace(/\s/g, '-');
	const readmeAnchors = readFileSync(join(root, 'README.md'), 'utf8')
		.split('\n')
		.filter((line) => /^#{1,6}\s/.test(line))
		.map((line) => slug(line.replace(/^#+/, '')));

	const codex = (file: string) => JSON.parse(readFileSync(join(root, 'nodes', file), 'utf8')).resources;
	const links: Array<[string, string, string]> = [
		['the node (Docs tab)', new JustFlowIt().description.documentationUrl, 'operations'],
		['the node (codex)', codex('JustFlowIt/JustFlowIt.node.json').primaryDocumentation[0].url, 'operations'],
		['the node\'s credential (codex)', codex('JustFlowIt/JustFlowIt.node.json').credentialDocumentation[0].url, 'credentials'],
		['the trigger (Docs tab)', new JustFlowItTrigger().description.documentationUrl, 'trigger'],
		['the trigger (codex)', codex('JustFlowItTrigger/JustFlowItTrigger.node.json').primaryDocumentation[0].url, 'trigger'],
		['the trigger\'s credential (codex)', codex('JustFlowItTrigger/JustFlowItTrigger.node.json').credentialDocumentation[0].url, 'credentials'],
		['the credential', new JustFlowItApi().documentationUrl, 'credentials'],
	];

	it.each(links)('%s: %s is #%s, a README heading', (_what, url, section) => {
		expect(url).toBe(`https://github.com/justflowit/n8n-nodes-justflowit#${section}`);
		expect(readmeAnchors).toContain(section);
	});
});

describe("hints for n8n's AI workflow builder (builderHint, n8n-workflow 2.41)", () => {
	const node = new JustFlowIt().description;
	const trigger = new JustFlowItTrigger().description;
	const hintOf = (properties: IDataObject[], name: string) =>
		properties.filter((p) => p.name === name).map((p) => (p.builderHint as IDataObject | undefined)?.propertyHint);

	it('say when to use each node and name the nodes it works with', () => {
		expect(node.builderHint.searchHint).toMatch(/BPMN/);
		expect(trigger.builderHint.searchHint).toMatch(/Polling trigger/);
		expect(node.builderHint.relatedNodes.map((r: IDataObject) => r.nodeType)).toEqual([
			'n8n-nodes-base.formTrigger',
			'n8n-nodes-base.gmail',
			'n8n-nodes-base.googleDrive',
			'n8n-nodes-base.readWriteFile',
			'n8n-nodes-justflowit.justFlowItTrigger',
		]);
		expect(trigger.builderHint.relatedNodes.map((r: IDataObject) => r.nodeType)).toEqual(['n8n-nodes-justflowit.justFlowIt']);
	});

	it.each(['prompt', 'waitForCompletion', 'bpmnSource', 'diagramId', 'folderId', 'binaryPropertyName'])(
		'explain the key parameter %s of the node',
		(name) => {
			const hints = hintOf(node.properties, name);
			expect(hints.length).toBeGreaterThan(0);
			for (const hint of hints) expect(hint).toEqual(expect.any(String));
		},
	);

	it("explain the trigger's event", () => {
		expect(hintOf(trigger.properties, 'event')).toEqual([expect.stringContaining('diagramChanged')]);
	});
});
