import type { IBinaryData } from 'n8n-workflow';

import {
	binaryBytes,
	byId,
	byUrl,
	fileItem,
	requestLines,
	run,
	sampleBpmn,
	useFake,
	TEST_KEY,
} from '../support/context';

const fake = useFake();

describe('Diagram → Create (BPMN import)', () => {
	it('imports a .bpmn file from the input binary as JSON bpmn_xml with name and folder', async () => {
		const folder = fake.seedFolder({ name: 'Processes' });
		const xml = sampleBpmn('Order to cash');
		const result = await run(
			fake,
			{
				resource: 'diagram',
				operation: 'create',
				name: '  Order to cash ',
				bpmnSource: 'binary',
				binaryPropertyName: 'file',
				additionalFields: { folderId: byId(String(folder.id)) },
			},
			{ input: [fileItem(xml, 'order.bpmn', 'application/octet-stream', 'file')] },
		);
		expect(result.error).toBeUndefined();
		expect(requestLines(fake)).toEqual(['POST /diagrams']);
		const [request] = fake.requests;
		expect(request.headers['content-type']).toMatch(/^application\/json/);
		expect(request.headers.authorization).toBe(`Bearer ${TEST_KEY}`);
		expect(JSON.parse(request.body)).toEqual({ name: 'Order to cash', bpmn_xml: xml, folder_id: folder.id });
		expect(result.items).toHaveLength(1);
		expect(result.items[0].json).toMatchObject({ object: 'diagram', name: 'Order to cash', folder_id: folder.id });
		expect(result.items[0].pairedItem).toEqual({ item: 0 });
	});

	it('imports BPMN XML given as text, at the root when no folder is set', async () => {
		const xml = sampleBpmn('Text import');
		const result = await run(fake, {
			resource: 'diagram',
			operation: 'create',
			name: 'Text import',
			bpmnSource: 'text',
			bpmnXml: xml,
		});
		expect(result.error).toBeUndefined();
		expect(JSON.parse(fake.requests[0].body)).toEqual({ name: 'Text import', bpmn_xml: xml });
		expect(result.items[0].json).toMatchObject({ name: 'Text import', folder_id: null });
	});

	it('refuses a file that is not BPMN before any request, naming the field', async () => {
		const result = await run(
			fake,
			{ resource: 'diagram', operation: 'create', name: 'x', bpmnSource: 'binary' },
			{ input: [fileItem('<html><body>hello</body></html>', 'page.bpmn', 'text/html')] },
		);
		expect(fake.requests).toHaveLength(0);
		expect(result.error?.message).toBe(
			'The file in "data" is not a BPMN 2.0 document: it has no BPMN definitions root element',
		);
	});

	it('says which binary fields exist when the named one is missing', async () => {
		const result = await run(
			fake,
			{ resource: 'diagram', operation: 'create', name: 'x', bpmnSource: 'binary', binaryPropertyName: 'data' },
			{ input: [fileItem(sampleBpmn(), 'a.bpmn', 'application/xml', 'attachment')] },
		);
		expect(fake.requests).toHaveLength(0);
		expect(result.error?.message).toBe('The input item has no binary file in "data"');
		expect(result.error?.description).toBe('Set Input Binary Field to one of: attachment.');
	});
});

describe('Diagram → Get / Update / Delete', () => {
	it('gets a diagram by ID, by URL and by a plain string value', async () => {
		const diagram = fake.seedDiagram({ name: 'Onboarding flow' });
		const id = String(diagram.id);
		for (const diagramId of [byId(id), byUrl(`https://justflow.it/app/diagrams/${id}`), id]) {
			const result = await run(fake, { resource: 'diagram', operation: 'get', diagramId });
			expect(result.error).toBeUndefined();
			expect(result.items.map((item) => item.json)).toEqual([diagram]);
		}
		expect(requestLines(fake)).toEqual([`GET /diagrams/${id}`, `GET /diagrams/${id}`, `GET /diagrams/${id}`]);
	});

	it('renames and moves a diagram, sending only the fields given', async () => {
		const folder = fake.seedFolder({ name: 'Target' });
		const diagram = fake.seedDiagram({ name: 'Old' });
		const result = await run(fake, {
			resource: 'diagram',
			operation: 'update',
			diagramId: byId(String(diagram.id)),
			updateFields: { name: 'New', folderId: byId(String(folder.id)) },
		});
		expect(result.error).toBeUndefined();
		expect(requestLines(fake)).toEqual([`PATCH /diagrams/${diagram.id}`]);
		expect(JSON.parse(fake.requests[0].body)).toEqual({ name: 'New', folder_id: folder.id });
		expect(result.items[0].json).toMatchObject({ id: diagram.id, name: 'New', folder_id: folder.id });
	});

	it('moves a diagram to the root with "root" and leaves the name alone', async () => {
		const folder = fake.seedFolder({ name: 'Source' });
		const diagram = fake.seedDiagram({ name: 'Keep me', folderId: folder.id });
		const result = await run(fake, {
			resource: 'diagram',
			operation: 'update',
			diagramId: byId(String(diagram.id)),
			updateFields: { folderId: byId('root') },
		});
		expect(result.error).toBeUndefined();
		expect(JSON.parse(fake.requests[0].body)).toEqual({ folder_id: null });
		expect(result.items[0].json).toMatchObject({ name: 'Keep me', folder_id: null });
	});

	it.each([
		['no Update Fields at all', {}],
		['only empty ones', { name: '  ' }],
	])('sends {} and returns the diagram unchanged with %s', async (_label, updateFields) => {
		const diagram = fake.seedDiagram({ name: 'Unchanged' });
		const result = await run(fake, { resource: 'diagram', operation: 'update', diagramId: byId(String(diagram.id)), updateFields });
		expect(result.error).toBeUndefined();
		expect(fake.requests[0].headers['content-type']).toMatch(/^application\/json/);
		expect(fake.requests[0].body).toBe('{}');
		expect(result.items.map((item) => item.json)).toEqual([diagram]);
	});

	it('deletes a diagram and returns { deleted: true, id }', async () => {
		const diagram = fake.seedDiagram({ name: 'Doomed' });
		const result = await run(fake, { resource: 'diagram', operation: 'delete', diagramId: byId(String(diagram.id)) });
		expect(result.error).toBeUndefined();
		expect(requestLines(fake)).toEqual([`DELETE /diagrams/${diagram.id}`]);
		expect(result.items.map((item) => item.json)).toEqual([{ deleted: true, id: diagram.id }]);
		const again = await run(fake, { resource: 'diagram', operation: 'get', diagramId: byId(String(diagram.id)) });
		expect(again.error?.message).toBe('The diagram was not found');
	});

	it('refuses an ID that is not a UUID before any request', async () => {
		const mapped = await run(fake, { resource: 'diagram', operation: 'get', diagramId: '={{ "order-123" }}' });
		expect(mapped.error?.message).toBe('Diagram "order-123" is not a valid ID');
		// Typed in By ID mode, n8n itself flags it as an issue and does not start the workflow.
		const typed = await run(fake, { resource: 'diagram', operation: 'get', diagramId: byId('order-123') });
		expect(typed.error?.message).toMatch(/Not a valid diagram ID/);
		expect(fake.requests).toHaveLength(0);
	});
});

describe('Diagram → Export', () => {
	it('returns the BPMN as a .bpmn binary file with metadata-only json', async () => {
		const xml = sampleBpmn('Invoice approval');
		const diagram = fake.seedDiagram({ name: 'Invoice approval: v2/final', bpmnXml: xml });
		const result = await run(fake, {
			resource: 'diagram',
			operation: 'export',
			diagramId: byId(String(diagram.id)),
			binaryPropertyName: 'bpmn',
		});
		expect(result.error).toBeUndefined();
		expect(requestLines(fake)).toEqual([`GET /diagrams/${diagram.id}/bpmn`]);
		const [item] = result.items;
		const file = item.binary?.bpmn as IBinaryData;
		expect(file).toMatchObject({
			mimeType: 'application/xml',
			fileName: `Invoice approval_ v2_final (${String(diagram.id)}).bpmn`,
			fileExtension: 'bpmn',
		});
		expect((await binaryBytes(file)).toString('utf8')).toBe(xml);
		expect(item.json).toEqual({
			id: diagram.id,
			name: 'Invoice approval: v2/final',
			fileName: `Invoice approval_ v2_final (${String(diagram.id)}).bpmn`,
			mimeType: 'application/xml',
			fileSize: Buffer.byteLength(xml),
		});
	});

	it('round-trips: an imported file exports byte for byte', async () => {
		const xml = sampleBpmn('Round trip');
		const created = await run(
			fake,
			{ resource: 'diagram', operation: 'create', name: 'Round trip', bpmnSource: 'binary' },
			{ input: [fileItem(xml, 'rt.bpmn', 'application/xml')] },
		);
		const id = String(created.items[0].json.id);
		const exported = await run(fake, { resource: 'diagram', operation: 'export', diagramId: byId(id) });
		expect((await binaryBytes(exported.items[0].binary?.data as IBinaryData)).toString('utf8')).toBe(xml);
	});
});
