/**
 * The node as an AI agent's tool, through n8n's engine: the same node and parameters run once as
 * the workflow node (`n8n-nodes-justflowit.justFlowIt`) and once as the tool variant n8n derives
 * from `usableAsTool` (`…justFlowItTool`), against the fake API. The real agent run is in
 * test/e2e/agent.e2e.js; this pins the differences quickly: error messages that say what to do,
 * Get Many capped at one page, and Format/Theme values as a model writes them.
 */
import type { IDataObject, INodeExecutionData } from 'n8n-workflow';

import { byId, credentialsFor, requestLines, useFake } from '../support/context';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const engine = require('../harness/engine');

const TOOL_TYPE = `${engine.NODE_TYPE as string}Tool`;
const UNKNOWN_ID = '0b5e8c1d-2f3a-4b6c-9d7e-8f9a0b1c2d3e';

const fake = useFake();

interface ModeResult {
	items: INodeExecutionData[];
	error?: Error & { description?: string };
}

/** Runs the node once, as the workflow node or as the tool variant (same node type behind both). */
async function runAs(mode: 'workflow' | 'tool', parameters: IDataObject): Promise<ModeResult> {
	const { nodeTypes } = await engine.loadPackage();
	const name = mode === 'tool' ? 'Just Flow It Tool' : 'Just Flow It';
	const node: IDataObject = { name, parameters };
	if (mode === 'tool') {
		node.type = TOOL_TYPE;
		node.credentials = { justFlowItApi: { id: 'cred-1', name: 'Just Flow It test' } };
	}
	const result = await engine.runWorkflow({
		nodes: [node],
		credentials: credentialsFor(fake),
		extraNodeTypes: { [TOOL_TYPE]: nodeTypes[engine.NODE_TYPE] },
	});
	return { items: result.outputs[name] ?? [], error: result.error };
}

const render = (diagramId: IDataObject, extra: IDataObject = {}): IDataObject => ({
	resource: 'render',
	operation: 'image',
	diagramId,
	...extra,
});

describe('Just Flow It as an AI tool (engine)', () => {
	it('an unknown diagram: as a tool the message also says what to do (the model gets only the message); as a node it stays short', async () => {
		const asNode = await runAs('workflow', render(byId(UNKNOWN_ID)));
		const asTool = await runAs('tool', render(byId(UNKNOWN_ID)));
		expect(asNode.error?.message).toBe('The diagram was not found');
		expect(asTool.error?.message).toBe(
			'The diagram was not found. Check the diagram ID (Get Many lists the diagrams with their IDs). It may have been deleted, or belong to another account or environment (live and test keys see separate data).',
		);
		expect(asTool.error?.description).toContain('Code: resource_not_found.');
		expect(requestLines(fake)).toEqual([
			`GET /diagrams/${UNKNOWN_ID}/image?format=png&theme=light`,
			`GET /diagrams/${UNKNOWN_ID}/image?format=png&theme=light`,
		]);
	});

	it('a name instead of an ID (in the list mode the ✨ button keeps): refused before any request, as a tool with how to find the ID', async () => {
		const value = { __rl: true, mode: 'list', value: 'Order to cash' };
		const asNode = await runAs('workflow', render(value));
		const asTool = await runAs('tool', render(value));
		expect(asNode.error?.message).toBe('Diagram "Order to cash" is not a valid ID');
		expect(asTool.error?.message).toBe(
			'Diagram "Order to cash" is not a valid ID. Just Flow It IDs look like 3f9c2b1a-7d4e-4a2c-9b6f-1e8d5c0a2f31. Give the diagram\'s ID or its link, or pick it from the list (Get Many lists them with their IDs).',
		);
		expect(fake.requests).toHaveLength(0);
	});

	it('a link in list mode and "Dark"/"PNG" as an agent writes them: the ID and the API\'s values are sent', async () => {
		const diagram = fake.seedDiagram({ name: 'Order to cash' });
		const link = { __rl: true, mode: 'list', value: `https://justflow.it/app/diagrams/${diagram.id}` };
		const result = await runAs('tool', render(link, { theme: '={{ "Dark " }}', format: '={{ "PNG" }}' }));
		expect(result.error).toBeUndefined();
		expect(requestLines(fake)).toEqual([`GET /diagrams/${diagram.id}/image?format=png&theme=dark`]);
		expect(result.items[0].json).toMatchObject({ diagramId: diagram.id, format: 'png', theme: 'dark', mimeType: 'image/png' });
	});

	it('Get Many with Return All: as a tool one page of 100 (one request); as a node all 120 (two requests)', async () => {
		fake.seedDiagrams(120, { namePrefix: 'Process' });
		const parameters = { resource: 'diagram', operation: 'getAll', returnAll: true };
		const asTool = await runAs('tool', parameters);
		expect(asTool.items).toHaveLength(100);
		expect(asTool.items[0].json.name).toBe('Process 120');
		expect(requestLines(fake)).toEqual(['GET /diagrams?limit=100']);
		fake.clearRequests();
		const asNode = await runAs('workflow', parameters);
		expect(asNode.items).toHaveLength(120);
		expect(requestLines(fake)).toEqual(['GET /diagrams?limit=100', expect.stringMatching(/^GET \/diagrams\?limit=100&cursor=/)]);
	});
});
