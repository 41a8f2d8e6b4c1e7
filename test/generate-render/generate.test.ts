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

/**
 * Runs the node's clock (`systemClock` of the built rateGate, which the generation poll reads) and
 * the fake's request clock on one simulated time, until `restore()`.
 */
function simulateTime(): { restore(): void } {
	// eslint-disable-next-line @typescript-eslint/no-require-imports
	const { systemClock } = require('../../dist/nodes/JustFlowIt/shared/clock') as typeof import('../../nodes/JustFlowIt/shared/clock');
	const real = { now: systemClock.now, sleep: systemClock.sleep };
	let nowMs = Date.parse('2026-06-01T00:00:00Z');
	systemClock.now = () => nowMs;
	systemClock.sleep = async (ms, signal) => {
		if (signal?.aborted) throw new Error('Cancelled');
		nowMs += ms;
		await new Promise((resolve) => setImmediate(resolve));
	};
	fake.useRequestClock(() => nowMs);
	return {
		restore() {
			Object.assign(systemClock, real);
			fake.useRequestClock(null);
		},
	};
}

describe('Generate → Create', () => {
	it('waits for the generation and returns it with the PNG image, fetched through the image endpoint', async () => {
		const result = await run(fake, generate({ options: { name: 'Onboarding' } }));
		expect(result.error).toBeUndefined();
		const [item] = result.items;
		const diagramId = String(item.json.diagram_id);
		expect(item.json).toMatchObject({
			status: 'succeeded',
			name: 'Onboarding',
			format: 'png',
			theme: 'light',
			file: { fileName: `Onboarding (${diagramId}).png`, mimeType: 'image/png' },
		});
		const lines = requestLines(fake);
		expect(lines[0]).toBe('POST /diagrams/generate');
		const polls = lines.slice(1, -1);
		expect(polls.length).toBeGreaterThan(0);
		expect(polls).toEqual(polls.map(() => `GET /generations/${item.json.id}`));
		expect(lines[lines.length - 1]).toBe(`GET /diagrams/${diagramId}/image?format=png&theme=light`);
		expect(JSON.parse(fake.requests[0].body)).toEqual({ prompt: generate().prompt, name: 'Onboarding' });
		const file = item.binary?.data as IBinaryData;
		expect(file).toMatchObject({ mimeType: 'image/png', fileName: `Onboarding (${diagramId}).png`, fileExtension: 'png' });
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
		expect(file.fileName).toBe(`${String(diagram.items[0].json.name)} (${String(item.json.diagram_id)}).svg`);
	});

	it('a prompt of only spaces fails with "Prompt is empty" and sends no request (no generation started, no quota used)', async () => {
		const result = await run(fake, generate({ prompt: '  ' }));
		expect(fake.requests).toHaveLength(0);
		expect(result.error?.message).toBe('Prompt is empty');
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
			`The generation was accepted and keeps running in Just Flow It (generation ID ${generationId}): pick up the result with Generate → Get and this generation ID; once it has succeeded, that names the diagram ID for Render → Image and Diagram → Export. Running this node again would start, and use quota for, a new generation. To wait longer next time, raise Options → Generation Timeout.`,
		);
	});

	it('polls a job that takes 4 s on its backoff (first after 2 s, then 15 % of the time waited, at least 0.5 s) and stops at the first poll that finds it done', async () => {
		// A simulated clock for the node's waits and the fake's requests: a wait moves it on at once, a
		// request takes no time, so the schedule is exact whatever the machine's load.
		const clock = simulateTime();
		try {
			fake.settings.generation = { ...fake.settings.generation, queuedMs: 500, runningMs: 3500 };
			const result = await run(fake, generate({ downloadImage: false }));
			expect(result.error).toBeUndefined();
			expect(result.items[0].json.status).toBe('succeeded');
			const [post, ...polls] = fake.requests;
			expect(requestLines(fake)).toEqual(['POST /diagrams/generate', ...polls.map(() => `GET /generations/${result.items[0].json.id}`)]);
			// 2 s, then max(0.5 s, 15 % of the time since the POST): 2.0, 2.5, 3.0, 3.5 (running), 4.025 (done at 4.0).
			expect(polls.map((request) => request.at - post.at)).toEqual([2000, 2500, 3000, 3500, 4025]);
		} finally {
			clock.restore();
		}
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
});
