import type { IBinaryData, IDataObject, INodeExecutionData } from 'n8n-workflow';

import { credentialsFor, requestLines, run, useFake } from '../support/context';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const engine = require('../harness/engine') as {
	runNode(args: IDataObject): Promise<{ run: { data: { resultData: { runData: Record<string, Array<{ data: { main: INodeExecutionData[][] } }>> } } } }>;
};

/**
 * Issue 18, finding 1: once Just Flow It has accepted a generation (quota spent, diagram saved),
 * whatever fails afterwards (a poll, the image download) names the generation and diagram ids and
 * how to pick the result up, as text and, with Continue On Fail, as fields of the error item; the
 * name look-up for the file name never fails the item. On 3728fa1 these errors carried no ids.
 */

const fake = useFake();
beforeEach(() => {
	fake.settings.generation = { ...fake.settings.generation, queuedMs: 100, runningMs: 400 };
});

const generate = (extra: Record<string, unknown> = {}) => ({
	resource: 'generate',
	operation: 'create',
	prompt: 'Invoice approval: accounting checks the invoice, the manager approves it, finance pays it',
	...extra,
});

interface Inspected {
	generations: Array<Record<string, unknown> & { id: string; diagram_id: string | null }>;
	diagrams: Array<{ id: string; name: string }>;
}

/** What the fake holds (its test API's `inspect`). */
function inspect(): Inspected {
	return (fake as unknown as { inspect(): Inspected }).inspect();
}

/** The generation the fake started (the first POST's answer). */
function startedGenerationId(): string {
	return String(inspect().generations[0].id);
}

function diagramIdOf(generationId: string): string {
	return String(inspect().generations.find((generation) => generation.id === generationId)?.diagram_id);
}

/** What every such error says first (written out here: it is the promise the issue asks for). */
function pickUpAdvice(ids: { generationId: string; diagramId?: string }): string {
	const again = 'Running this node again would start, and use quota for, a new generation.';
	if (ids.diagramId) {
		return `The diagram was generated and saved in Just Flow It (generation ID ${ids.generationId}, diagram ID ${ids.diagramId}): pick it up with Render → Image or Diagram → Export and diagram ID ${ids.diagramId}, or with Generate → Get and generation ID ${ids.generationId}. ${again}`;
	}
	return `The generation was accepted and keeps running in Just Flow It (generation ID ${ids.generationId}): pick up the result with Generate → Get and this generation ID; once it has succeeded, that names the diagram ID for Render → Image and Diagram → Export. ${again}`;
}

const POLL = /^\/api\/v1\/generations\/[^/]+$/;
const IMAGE = /^\/api\/v1\/diagrams\/[^/]+\/image$/;
const DIAGRAM = /^\/api\/v1\/diagrams\/[0-9a-f-]{36}$/;

/** The fake's request id for the one answer it failed on purpose. */
function failedRequestId(): string {
	return String(fake.requests.find((request) => (request as { failure?: unknown }).failure)?.requestId);
}

describe('Generate → Create keeps an accepted generation when a later step fails', () => {
	it('a failed poll names the generation id and Generate → Get, and sends the POST once', async () => {
		fake.injectFailure({ method: 'GET', path: POLL, status: 404, code: 'resource_not_found', message: 'No such generation.' });
		const result = await run(fake, generate());
		const generationId = startedGenerationId();
		expect(requestLines(fake)).toEqual(['POST /diagrams/generate', `GET /generations/${generationId}`]);
		expect(result.error?.message).toBe('The generation was not found');
		expect(result.error?.description).toBe(
			`The generation was accepted and keeps running in Just Flow It (generation ID ${generationId}): pick up the result with Generate → Get and this generation ID; once it has succeeded, that names the diagram ID for Render → Image and Diagram → Export. Running this node again would start, and use quota for, a new generation. ` +
				'Check the generation ID. It may have been deleted, or belong to another account or environment (live and test keys see separate data). ' +
				`The API says: "No such generation." Code: resource_not_found. Request ID: ${failedRequestId()}.`,
		);
	});

	it('a poll answered with a web page fails at once with the generation id (not "still running" until the timeout)', async () => {
		fake.injectFailure({ method: 'GET', path: POLL, status: 200, body: '<html><body>Sign in</body></html>' });
		const result = await run(fake, generate({ options: { timeout: 600 } }));
		const generationId = startedGenerationId();
		expect(requestLines(fake)).toEqual(['POST /diagrams/generate', `GET /generations/${generationId}`]);
		expect(result.error?.message).toBe('Just Flow It answered with a web page instead of the generation');
		expect(result.error?.description).toContain(pickUpAdvice({ generationId }));
	});

	it('a failed poll under Continue On Fail gives an error item with generationId and diagramId fields', async () => {
		fake.injectFailure({ method: 'GET', path: POLL, status: 404, code: 'resource_not_found', message: 'No such generation.' });
		const result = await run(fake, generate(), { continueOnFail: true });
		const generationId = startedGenerationId();
		expect(result.error).toBeUndefined();
		expect(result.items).toHaveLength(1);
		expect(result.items[0].json).toEqual({
			error: 'The generation was not found',
			description: expect.stringMatching(/^The generation was accepted/) as unknown,
			httpCode: 404,
			code: 'resource_not_found',
			requestId: failedRequestId(),
			generationId,
			diagramId: null,
		});
		expect(result.items[0].json.description).toContain(pickUpAdvice({ generationId }));
	});

	it('a failed poll under Continue (using error output) sends the ids to the error output, under details', async () => {
		fake.injectFailure({ method: 'GET', path: POLL, status: 404, code: 'resource_not_found', message: 'No such generation.' });
		const result = await engine.runNode({
			parameters: generate(),
			input: [{ json: {} }],
			credentials: credentialsFor(fake),
			onError: 'continueErrorOutput',
		});
		const generationId = startedGenerationId();
		const [success, failure] = result.run.data.resultData.runData['Just Flow It'][0].data.main;
		expect(success).toEqual([]);
		expect(failure).toHaveLength(1);
		expect(failure[0].json).toEqual({
			error: 'The generation was not found',
			details: {
				description: expect.stringMatching(/^The generation was accepted/) as unknown,
				httpCode: 404,
				code: 'resource_not_found',
				requestId: failedRequestId(),
				generationId,
				diagramId: null,
			},
		});
	});

	it('a poll answered 503 neither loses the ids nor advises Retry On Fail (it would generate again)', async () => {
		fake.injectFailure({ method: 'GET', path: POLL, status: 503, times: 4, headers: { 'Retry-After': '0' } });
		const result = await run(fake, generate());
		const generationId = startedGenerationId();
		expect(requestLines(fake)).toEqual(['POST /diagrams/generate', ...Array(4).fill(`GET /generations/${generationId}`)]);
		expect(result.error?.message).toBe('Just Flow It could not process the request right now (HTTP 503)');
		expect(result.error?.description).toMatch(
			new RegExp(`^${escape(pickUpAdvice({ generationId }))} The node retried a few times\\. Try again later\\. `),
		);
		expect(result.error?.description).not.toContain('Retry On Fail');
	});

	it('a failed image download names both ids and where to pick the diagram up', async () => {
		fake.injectFailure({ method: 'GET', path: IMAGE, status: 404, code: 'resource_not_found', message: 'No such diagram.' });
		const result = await run(fake, generate());
		const generationId = startedGenerationId();
		const diagramId = diagramIdOf(generationId);
		const lines = requestLines(fake);
		expect(lines.filter((line) => line.startsWith('POST'))).toEqual(['POST /diagrams/generate']);
		expect(lines[lines.length - 1]).toBe(`GET /diagrams/${diagramId}/image?format=png&theme=light`);
		expect(result.error?.message).toBe('The diagram was not found');
		expect(result.error?.description).toBe(
			`The diagram was generated and saved in Just Flow It (generation ID ${generationId}, diagram ID ${diagramId}): pick it up with Render → Image or Diagram → Export and diagram ID ${diagramId}, or with Generate → Get and generation ID ${generationId}. Running this node again would start, and use quota for, a new generation. ` +
				'Check the diagram ID (Get Many lists the diagrams with their IDs). It may have been deleted, or belong to another account or environment (live and test keys see separate data). ' +
				`The API says: "No such diagram." Code: resource_not_found. Request ID: ${failedRequestId()}.`,
		);
	});

	it('a failed image download under Continue On Fail carries both ids as fields', async () => {
		fake.injectFailure({ method: 'GET', path: IMAGE, status: 403, code: 'insufficient_scope', message: 'Missing scope.' });
		const result = await run(fake, generate(), { continueOnFail: true });
		const generationId = startedGenerationId();
		const diagramId = diagramIdOf(generationId);
		expect(result.error).toBeUndefined();
		expect(result.items[0].json).toMatchObject({
			error: 'The secret key lacks the "diagrams:read" scope this operation needs',
			generationId,
			diagramId,
			httpCode: 403,
			code: 'insufficient_scope',
		});
		expect(String(result.items[0].json.description).startsWith(pickUpAdvice({ generationId, diagramId }))).toBe(true);
	});

	it('the timeout names the generation id, and its error item carries it', async () => {
		fake.settings.generation = { ...fake.settings.generation, runningMs: 60_000 };
		const result = await run(fake, generate({ options: { timeout: 1 } }), { continueOnFail: true });
		const generationId = startedGenerationId();
		expect(result.items[0].json).toEqual({
			error: 'The generation did not finish within 1 seconds (still "running")',
			description: `${pickUpAdvice({ generationId })} To wait longer next time, raise Options → Generation Timeout.`,
			generationId,
			diagramId: null,
		});
	});

	it('an image download answered 503 keeps both ids and does not advise Retry On Fail', async () => {
		fake.injectFailure({ method: 'GET', path: IMAGE, status: 503, times: 4, headers: { 'Retry-After': '0' } });
		const result = await run(fake, generate());
		const generationId = startedGenerationId();
		const diagramId = diagramIdOf(generationId);
		expect(requestLines(fake).filter((line) => line.startsWith('POST'))).toHaveLength(1);
		expect(result.error?.message).toBe('Just Flow It could not process the request right now (HTTP 503)');
		expect(result.error?.description).toBe(
			`${pickUpAdvice({ generationId, diagramId })} The node retried a few times. Try again later. The API says: "The service is temporarily unavailable. Please retry shortly." Code: service_unavailable. Request ID: ${String(fake.requests[fake.requests.length - 1].requestId)}.`,
		);
	});

	it('a failed name look-up names the file after the diagram id instead of failing the item', async () => {
		fake.injectFailure({ method: 'GET', path: DIAGRAM, status: 404, code: 'resource_not_found', message: 'Not yet.' });
		const result = await run(fake, generate());
		const generationId = startedGenerationId();
		const diagramId = diagramIdOf(generationId);
		expect(result.error).toBeUndefined();
		const lines = requestLines(fake);
		expect(lines.slice(-2)).toEqual([`GET /diagrams/${diagramId}/image?format=png&theme=light`, `GET /diagrams/${diagramId}`]);
		expect(result.items[0].json).toMatchObject({ id: generationId, status: 'succeeded', name: null, diagram_id: diagramId });
		expect((result.items[0].binary?.data as IBinaryData).fileName).toBe(`diagram-${diagramId}.png`);
	});

	it('a name look-up answered 503 also falls back to the id, after the usual retries', async () => {
		fake.injectFailure({ method: 'GET', path: DIAGRAM, status: 503, times: 4, headers: { 'Retry-After': '0' } });
		const result = await run(fake, generate());
		const diagramId = diagramIdOf(startedGenerationId());
		expect(result.error).toBeUndefined();
		expect(requestLines(fake).filter((line) => line === `GET /diagrams/${diagramId}`)).toHaveLength(4);
		expect((result.items[0].binary?.data as IBinaryData).fileName).toBe(`diagram-${diagramId}.png`);
	});
});

describe('Generate → Create output', () => {
	it('gives the generation main fields with the name it got, the file apart, and no key-only image_url', async () => {
		const result = await run(fake, generate());
		const generationId = startedGenerationId();
		const diagramId = diagramIdOf(generationId);
		const { name } = inspect().diagrams.find((diagram) => diagram.id === diagramId) as { name: string };
		const file = result.items[0].binary?.data as IBinaryData;
		expect(result.items[0].json).toEqual({
			id: generationId,
			status: 'succeeded',
			name,
			prompt: generate().prompt,
			diagram_id: diagramId,
			folder_id: null,
			format: 'png',
			theme: 'light',
			completed_at: expect.any(String) as unknown,
			file: { fileName: `${name} (${diagramId}).png`, mimeType: 'image/png', fileSize: expect.any(Number) as unknown },
		});
		expect(file.fileName).toBe(`${name} (${diagramId}).png`);
	});

	it('gives the whole generation with Simplify off', async () => {
		const result = await run(fake, generate({ simplify: false, downloadImage: false }));
		expect(Object.keys(result.items[0].json).sort()).toEqual(
			Object.keys(inspect().generations[0]).sort(),
		);
	});
});

function escape(text: string): string {
	return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
