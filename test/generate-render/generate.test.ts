import type { IBinaryData } from 'n8n-workflow';

import { binaryBytes, byId, requestLines, run, useFake } from '../support/context';

const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

const fake = useFake();
beforeEach(() => {
	fake.settings.generation = { ...fake.settings.generation, queuedMs: 100, runningMs: 400 };
});

const generate = (extra: Record<string, unknown> = {}) => ({
	resource: 'generate',
	operation: 'create',
	prompt: 'Employee onboarding: HR prepares the contract, IT creates accounts, the manager plans the first week',
	...extra,
});

describe('Generate → Create', () => {
	it('waits for the generation and returns it with the PNG image, fetched through the image endpoint', async () => {
		const result = await run(fake, generate({ options: { name: 'Onboarding' } }));
		expect(result.error).toBeUndefined();
		const [item] = result.items;
		expect(item.json).toMatchObject({
			object: 'generation',
			status: 'succeeded',
			name: 'Onboarding',
			format: 'png',
			theme: 'light',
			fileName: 'Onboarding.png',
			mimeType: 'image/png',
		});
		const diagramId = String(item.json.diagram_id);
		const lines = requestLines(fake);
		expect(lines[0]).toBe('POST /diagrams/generate');
		expect(lines.slice(1, -1).every((line) => line === `GET /generations/${item.json.id}`)).toBe(true);
		expect(lines[lines.length - 1]).toBe(`GET /diagrams/${diagramId}/image?format=png&theme=light`);
		expect(JSON.parse(fake.requests[0].body)).toEqual({ prompt: generate().prompt, name: 'Onboarding' });
		const file = item.binary?.data as IBinaryData;
		expect(file).toMatchObject({ mimeType: 'image/png', fileName: 'Onboarding.png', fileExtension: 'png' });
		expect((await binaryBytes(file)).subarray(0, 8).equals(PNG_SIGNATURE)).toBe(true);
		expect(JSON.stringify(item.json)).not.toContain((await binaryBytes(file)).toString('base64').slice(0, 40));
	});

	it('returns a dark SVG in the folder asked for, named after the diagram the service chose', async () => {
		const folder = fake.seedFolder({ name: 'HR', context: 'Swimlanes per department' });
		const result = await run(
			fake,
			generate({ binaryPropertyName: 'image', options: { folderId: byId(String(folder.id)), theme: 'dark', format: 'svg' } }),
		);
		expect(result.error).toBeUndefined();
		const [item] = result.items;
		expect(JSON.parse(fake.requests[0].body)).toEqual({
			prompt: generate().prompt,
			folder_id: folder.id,
			theme: 'dark',
			format: 'svg',
		});
		const file = item.binary?.image as IBinaryData;
		expect(file.mimeType).toBe('image/svg+xml');
		expect(file.fileExtension).toBe('svg');
		const svg = (await binaryBytes(file)).toString('utf8');
		expect(svg).toMatch(/<svg[^>]*xmlns="http:\/\/www\.w3\.org\/2000\/svg"/);
		expect(requestLines(fake)).toContain(`GET /diagrams/${item.json.diagram_id}/image?format=svg&theme=dark`);
		const diagram = await run(fake, { resource: 'diagram', operation: 'get', diagramId: byId(String(item.json.diagram_id)) });
		expect(diagram.items[0].json.folder_id).toBe(folder.id);
		expect(file.fileName).toBe(`${String(diagram.items[0].json.name).replace(/[^A-Za-z0-9._ -]+/g, '_')}.svg`);
	});

	it('returns the queued generation at once when waiting is off', async () => {
		const result = await run(fake, generate({ waitForCompletion: false }));
		expect(result.error).toBeUndefined();
		expect(requestLines(fake)).toEqual(['POST /diagrams/generate']);
		expect(result.items[0].json).toMatchObject({ object: 'generation', status: 'queued', diagram_id: null });
		expect(result.items[0].binary).toBeUndefined();
	});

	it('returns the generation without an image when Download Image is off', async () => {
		const result = await run(fake, generate({ downloadImage: false }));
		expect(result.items[0].json.status).toBe('succeeded');
		expect(result.items[0].binary).toBeUndefined();
		expect(requestLines(fake).some((line) => line.includes('/image'))).toBe(false);
	});

	it('counts an unknown intermediate status as still running', async () => {
		fake.settings.generation = { ...fake.settings.generation, intermediateStatus: 'processing', runningMs: 2500 };
		const result = await run(fake, generate({ downloadImage: false }));
		expect(result.error).toBeUndefined();
		expect(result.items[0].json.status).toBe('succeeded');
	});

	it('fails with the API reason and the generation id, giving the advice once', async () => {
		const result = await run(fake, generate({ prompt: 'Draw nothing [fail]' }));
		expect(result.error?.message).toBe(
			'Just Flow It could not generate the diagram: The diagram could not be generated from this prompt. Try rephrasing it.',
		);
		const generationId = fake.requests[1].path.split('/').pop();
		expect(result.error?.description).toBe(`Generation ID: ${generationId}. Code: generation_failed.`);
	});

	it('gives a failed generation as an error item paired with its input under continue-on-fail', async () => {
		const result = await run(fake, generate({ prompt: '={{ $json.prompt }}' }), {
			input: [{ json: { prompt: 'Purchase approval' } }, { json: { prompt: 'Broken [fail]' } }, { json: { prompt: 'Refund handling' } }],
			continueOnFail: true,
		});
		expect(result.error).toBeUndefined();
		expect(result.items).toHaveLength(3);
		expect(result.items.map((item) => item.pairedItem)).toEqual([{ item: 0 }, { item: 1 }, { item: 2 }]);
		expect(result.items[0].json.status).toBe('succeeded');
		expect(result.items[2].json.status).toBe('succeeded');
		expect(result.items[1].json.error).toMatch(/^Just Flow It could not generate the diagram: /);
	});

	it('stops waiting at the timeout and names the generation id to resume with', async () => {
		fake.settings.generation = { ...fake.settings.generation, runningMs: 60_000 };
		const result = await run(fake, generate({ options: { timeout: 1 } }));
		const generationId = fake.requests[1].path.split('/').pop();
		expect(result.error?.message).toBe('The generation did not finish within 1 seconds (still "running")');
		expect(result.error?.description).toBe(
			`It keeps running in Just Flow It: use Generate → Get with generation ID ${generationId} to pick up the result later, or raise Options → Generation Timeout.`,
		);
	});

	it('waits for a job that takes about 4 s by polling only its generation, and outputs it succeeded', async () => {
		fake.settings.generation = { ...fake.settings.generation, queuedMs: 500, runningMs: 3500 };
		const result = await run(fake, generate({ downloadImage: false }));
		expect(result.items[0].json.status).toBe('succeeded');
		const id = String(result.items[0].json.id);
		const [post, ...polls] = requestLines(fake);
		expect(post).toBe('POST /diagrams/generate');
		expect(new Set(polls)).toEqual(new Set([`GET /generations/${id}`]));
		// How many polls the backoff takes against the clock is measured by `npm run bench` (scenario 4).
	});
});

describe('Generate → Get', () => {
	it('polls one generation once', async () => {
		const started = await run(fake, generate({ waitForCompletion: false }));
		const id = String(started.items[0].json.id);
		fake.clearRequests();
		const result = await run(fake, { resource: 'generate', operation: 'get', generationId: ` ${id} ` });
		expect(result.error).toBeUndefined();
		expect(requestLines(fake)).toEqual([`GET /generations/${id}`]);
		expect(result.items[0].json).toMatchObject({ object: 'generation', id });
	});

	it('refuses an empty prompt before any request', async () => {
		const result = await run(fake, generate({ prompt: '  ' }));
		expect(fake.requests).toHaveLength(0);
		expect(result.error?.message).toBe('Prompt is empty');
	});
});
