import type { IBinaryData } from 'n8n-workflow';

import { binaryBytes, byId, requestLines, run, runChain, setBinaryMode, useFake, TEST_KEY } from '../support/context';

const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

const fake = useFake();
afterAll(async () => {
	await setBinaryMode('memory');
});

const render = (diagramId: string, extra: Record<string, unknown> = {}) => ({
	resource: 'render',
	operation: 'image',
	diagramId: byId(diagramId),
	...extra,
});

describe('Render → Image', () => {
	it.each([
		['png', 'light', 'image/png'],
		['png', 'dark', 'image/png'],
		['svg', 'light', 'image/svg+xml'],
		['svg', 'dark', 'image/svg+xml'],
	])('renders %s in the %s theme as a proper file', async (format, theme, mimeType) => {
		const diagram = fake.seedDiagram({ name: 'Order to cash' });
		const result = await run(fake, render(String(diagram.id), { format, theme }));
		expect(result.error).toBeUndefined();
		expect(requestLines(fake)).toEqual([`GET /diagrams/${diagram.id}/image?format=${format}&theme=${theme}`]);
		const [item] = result.items;
		expect(item.json).toEqual({
			diagramId: diagram.id,
			name: null,
			format,
			theme,
			fileName: `diagram-${diagram.id}.${format}`,
			mimeType,
			fileSize: expect.any(Number),
		});
		const file = item.binary?.data as IBinaryData;
		expect(file).toMatchObject({ mimeType, fileName: `diagram-${diagram.id}.${format}`, fileExtension: format });
		const bytes = await binaryBytes(file);
		expect(item.json.fileSize).toBe(bytes.length);
		if (format === 'png') expect(bytes.subarray(0, 8).equals(PNG_SIGNATURE)).toBe(true);
		else expect(bytes.toString('utf8')).toMatch(/<svg[^>]*xmlns="http:\/\/www\.w3\.org\/2000\/svg"/);
	});

	it('reads the diagram ID from its expression once in its own steps per item (RoutingNode reads it 4 times on n8n 2.x)', async () => {
		// Each read of an expression's data evaluates the expression anew: the bulk of the node's CPU
		// and allocation per item. The input's `id` is a getter, so every evaluation of
		// `{{ $json.id }}` counts. RoutingNode itself reads it for the parameter, for its base-URL
		// check and for `{{ $parameter.diagramId }}` in the URL; on 26eaf07 the picker's own routing
		// and the node's preSend and postReceive steps added 6 more (10 per item).
		const diagrams = [fake.seedDiagram({ name: 'A' }), fake.seedDiagram({ name: 'B' })];
		let reads = 0;
		const input = diagrams.map((diagram) => {
			const json = {};
			Object.defineProperty(json, 'id', { enumerable: true, get: () => (reads++, diagram.id) });
			return { json };
		});
		const result = await run(fake, { resource: 'render', operation: 'image', diagramId: '={{ $json.id }}' }, { input });
		expect(result.error).toBeUndefined();
		expect(requestLines(fake)).toEqual(diagrams.map((diagram) => `GET /diagrams/${diagram.id}/image?format=png&theme=light`));
		expect(result.items.map((item) => item.json.diagramId)).toEqual(diagrams.map((diagram) => diagram.id));
		expect(reads).toBeLessThanOrEqual(diagrams.length * 5);
	});

	it('names the file after the diagram with Options → Look Up Diagram Name, at one more request', async () => {
		const diagram = fake.seedDiagram({ name: 'Order to cash' });
		const result = await run(fake, render(String(diagram.id), { options: { lookUpName: true } }));
		expect(result.error).toBeUndefined();
		expect(requestLines(fake)).toEqual([
			`GET /diagrams/${diagram.id}/image?format=png&theme=light`,
			`GET /diagrams/${diagram.id}`,
		]);
		expect(result.items[0].json).toMatchObject({ name: 'Order to cash', fileName: `Order to cash (${diagram.id}).png` });
		expect((result.items[0].binary?.data as IBinaryData).fileName).toBe(`Order to cash (${diagram.id}).png`);
	});

	it('names the file after a diagram picked from the list (the name the editor stored), without asking', async () => {
		const diagram = fake.seedDiagram({ name: 'Picked' });
		const picked = { __rl: true, mode: 'list', value: diagram.id, cachedResultName: 'Picked' };
		const result = await run(fake, { resource: 'render', operation: 'image', diagramId: picked });
		expect(result.error).toBeUndefined();
		expect(requestLines(fake)).toEqual([`GET /diagrams/${diagram.id}/image?format=png&theme=light`]);
		expect((result.items[0].binary?.data as IBinaryData).fileName).toBe(`Picked (${diagram.id}).png`);
	});

	it('Theme light and dark are each sent as asked, and the images differ', async () => {
		const diagram = fake.seedDiagram({ name: 'Themes' });
		const light = await run(fake, render(String(diagram.id), { theme: 'light' }));
		const dark = await run(fake, render(String(diagram.id), { theme: 'dark' }));
		const lightBytes = await binaryBytes(light.items[0].binary?.data as IBinaryData);
		const darkBytes = await binaryBytes(dark.items[0].binary?.data as IBinaryData);
		expect(lightBytes.equals(darkBytes)).toBe(false);
		expect(requestLines(fake)).toEqual([
			`GET /diagrams/${diagram.id}/image?format=png&theme=light`,
			`GET /diagrams/${diagram.id}/image?format=png&theme=dark`,
		]);
	});

	it('takes the file name from the input item when it is the same diagram (no extra request)', async () => {
		const diagrams = [fake.seedDiagram({ name: 'First: a/b' }), fake.seedDiagram({ name: 'Second' })];
		const result = await runChain(fake, [
			{ name: 'List', parameters: { resource: 'diagram', operation: 'getAll', returnAll: true } },
			{ name: 'Render', parameters: { resource: 'render', operation: 'image', diagramId: '={{ $json.id }}' } },
		]);
		expect(result.error).toBeUndefined();
		const names = result.outputs.Render.map((item) => (item.binary?.data as IBinaryData).fileName);
		expect(names).toEqual([`Second (${diagrams[1].id}).png`, `First_ a_b (${diagrams[0].id}).png`]);
		expect(result.outputs.Render.map((item) => item.pairedItem)).toEqual([{ item: 0 }, { item: 1 }]);
		expect(requestLines(fake)).toEqual([
			'GET /diagrams?limit=100',
			`GET /diagrams/${diagrams[1].id}/image?format=png&theme=light`,
			`GET /diagrams/${diagrams[0].id}/image?format=png&theme=light`,
		]);
	});

	it('follows a redirect to another origin without sending the key there', async () => {
		fake.settings.imageMode = 'redirect';
		const diagram = fake.seedDiagram({ name: 'Redirected' });
		const result = await run(fake, render(String(diagram.id), { format: 'png' }));
		expect(result.error).toBeUndefined();
		const bytes = await binaryBytes(result.items[0].binary?.data as IBinaryData);
		expect(bytes.subarray(0, 8).equals(PNG_SIGNATURE)).toBe(true);
		expect(fake.imageHostRequests).toHaveLength(1);
		expect(fake.imageHostRequests[0].headers.authorization).toBeUndefined();
		expect(JSON.stringify(fake.imageHostRequests)).not.toContain(TEST_KEY);
		expect(fake.requests[0].headers.authorization).toBe(`Bearer ${TEST_KEY}`);
	});

	it('tolerates a JSON answer that links to the image, fetched without the key', async () => {
		fake.settings.imageMode = 'json';
		const diagram = fake.seedDiagram({ name: 'Linked' });
		const result = await run(fake, render(String(diagram.id), { format: 'svg' }));
		expect(result.error).toBeUndefined();
		const svg = (await binaryBytes(result.items[0].binary?.data as IBinaryData)).toString('utf8');
		expect(svg).toContain('<svg');
		expect(fake.imageHostRequests).toHaveLength(1);
		expect(fake.imageHostRequests[0].headers.authorization).toBeUndefined();
	});

	it('works in n8n filesystem binary mode: the file lands in the store, json keeps only metadata', async () => {
		await setBinaryMode('filesystem');
		try {
			const diagram = fake.seedDiagram({ name: 'On disk' });
			const result = await run(fake, render(String(diagram.id)));
			expect(result.error).toBeUndefined();
			const file = result.items[0].binary?.data as IBinaryData;
			expect(file.id).toMatch(/^filesystem/);
			expect(file.data).not.toMatch(/^iVBOR/);
			const bytes = await binaryBytes(file);
			expect(bytes.subarray(0, 8).equals(PNG_SIGNATURE)).toBe(true);
			const exported = await run(fake, { resource: 'diagram', operation: 'export', diagramId: byId(String(diagram.id)) });
			const bpmn = exported.items[0].binary?.data as IBinaryData;
			expect(bpmn.id).toMatch(/^filesystem/);
			expect((await binaryBytes(bpmn)).toString('utf8')).toContain('definitions');
		} finally {
			await setBinaryMode('memory');
		}
	});
});
