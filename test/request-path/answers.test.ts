/**
 * Issue 17, the reading and the wording of answers: a 2xx answer where JSON is expected is a JSON
 * value of the expected shape or an error that says what came back (finding 4); a 404 on a path
 * without an id blames the address (finding 6); a 403 names the scope the refused request needs
 * (finding 8). Each test runs the node through n8n's engine against the fake API.
 */
import { byId, listSearch, requestLines, run, useFake } from '../support/context';

const fake = useFake();
const JSON_TYPE = { 'Content-Type': 'application/json; charset=utf-8', 'X-Request-Id': 'req_00000000000000a4' };
const getDiagram = (id: string) => ({ resource: 'diagram', operation: 'get', diagramId: byId(id) });
const PLACE_TAKEN =
	"A proxy, a sign-in page or a wrong Base URL may be answering in Just Flow It's place: check the Base URL in the credential (the default is https://justflow.it/api/v1) and Settings → Proxy, then run again.";

describe('a 2xx answer that is not the JSON asked for is an error saying what came back (finding 4)', () => {
	it('an empty 200 to Get is "an empty answer instead of the diagram", not an item holding ""', async () => {
		const diagram = fake.seedDiagram({ name: 'Empty' });
		fake.injectFailure({ path: `/diagrams/${diagram.id}`, status: 200, body: '', headers: JSON_TYPE });
		const result = await run(fake, getDiagram(String(diagram.id)));
		expect(requestLines(fake)).toEqual([`GET /diagrams/${diagram.id}`]);
		expect(result.items).toEqual([]);
		expect(result.error?.message).toBe('Just Flow It sent an empty answer instead of the diagram');
		expect(result.error?.description).toBe(
			"Expected the diagram as JSON, got HTTP 200 application/json; charset=utf-8 with an empty body. An empty answer comes from a proxy or a server in trouble. Run again; if it persists, a proxy, a sign-in page or a wrong Base URL may be answering in Just Flow It's place: check the Base URL in the credential (the default is https://justflow.it/api/v1) and Settings → Proxy, then run again. Request ID: req_00000000000000a4.",
		);
	});

	it('a 200 whose JSON stops early is "cut off", with the start of what came', async () => {
		const diagram = fake.seedDiagram({ name: 'Cut' });
		fake.injectFailure({ path: `/diagrams/${diagram.id}`, status: 200, body: `{"object":"diagram","id":"${String(diagram.id)}","na`, headers: JSON_TYPE });
		const result = await run(fake, getDiagram(String(diagram.id)));
		expect(requestLines(fake)).toEqual([`GET /diagrams/${diagram.id}`]);
		expect(result.items).toEqual([]);
		expect(result.error?.message).toBe("Just Flow It's answer was cut off: the diagram arrived incomplete");
		expect(result.error?.description).toBe(
			`Expected the diagram as JSON, got HTTP 200 application/json; charset=utf-8 ("{"object":"diagram","id":"${String(diagram.id)}","na"). The connection or a proxy cut the answer short. Run the node again; if it keeps happening, check any proxy between n8n and Just Flow It. Request ID: req_00000000000000a4.`,
		);
	});

	it('a 200 web page (a sign-in portal) is "a web page instead of the folder", with its type and text', async () => {
		const folder = fake.seedFolder({ name: 'Portal' });
		fake.injectFailure({
			path: `/folders/${folder.id}`,
			status: 200,
			body: '<html><head><title>Sign in</title><style>p{}</style></head><body><h1>Sign in to continue</h1></body></html>',
		});
		const result = await run(fake, { resource: 'folder', operation: 'get', folderId: byId(String(folder.id)) });
		expect(requestLines(fake)).toEqual([`GET /folders/${folder.id}`]);
		expect(result.items).toEqual([]);
		expect(result.error?.message).toBe('Just Flow It answered with a web page instead of the folder');
		expect(result.error?.description).toMatch(
			/^Expected the folder as JSON, got HTTP 200 text\/html; charset=utf-8 \("Sign in Sign in to continue"\)\. A proxy, a sign-in page/,
		);
	});

	it('a 201 to a Create that is not the folder says it may have been created, and is not sent again', async () => {
		fake.injectFailure({ method: 'POST', path: '/folders', status: 201, body: 'OK', headers: { 'Content-Type': 'text/plain', 'X-Request-Id': 'req_00000000000000c1' } });
		const result = await run(fake, { resource: 'folder', operation: 'create', name: 'Once' });
		expect(requestLines(fake)).toEqual(['POST /folders']);
		expect(result.items).toEqual([]);
		expect(result.error?.message).toBe('Just Flow It answered with something other than JSON instead of the folder');
		expect(result.error?.description).toBe(
			`The request may have been carried out all the same: check in Just Flow It before running again, so as not to do it twice. Expected the folder as JSON, got HTTP 201 text/plain ("OK"). ${PLACE_TAKEN} Request ID: req_00000000000000c1.`,
		);
	});

	it('a JSON answer of another shape (an array, an object without id) is an error, not items', async () => {
		const diagram = fake.seedDiagram({ name: 'Shape' });
		fake.injectFailure({ path: `/diagrams/${diagram.id}`, status: 200, body: [{ id: String(diagram.id) }] });
		const array = await run(fake, getDiagram(String(diagram.id)));
		expect(array.items).toEqual([]);
		expect(array.error?.message).toBe("Just Flow It's answer is not the diagram: a JSON array");
		fake.injectFailure({ path: `/diagrams/${diagram.id}`, status: 200, body: { ok: true } });
		const object = await run(fake, getDiagram(String(diagram.id)));
		expect(object.items).toEqual([]);
		expect(object.error?.message).toBe("Just Flow It's answer is not the diagram: a JSON object without an id");
		expect(requestLines(fake)).toEqual([`GET /diagrams/${diagram.id}`, `GET /diagrams/${diagram.id}`]);
	});

	it('with continue on fail, the unusable answer becomes one error item paired with its input', async () => {
		const diagram = fake.seedDiagram({ name: 'Kept' });
		fake.injectFailure({ path: `/diagrams/${diagram.id}`, status: 200, body: '', headers: JSON_TYPE });
		const result = await run(fake, getDiagram(String(diagram.id)), { input: [{ json: {} }, { json: {} }], continueOnFail: true });
		expect(result.items.map((item) => item.json.error ?? item.json.name)).toEqual([
			'Just Flow It sent an empty answer instead of the diagram',
			'Kept',
		]);
		expect(result.items.map((item) => item.pairedItem)).toEqual([{ item: 0 }, { item: 1 }]);
	});

	it('a DELETE answered by a web page is not reported as deleted', async () => {
		const diagram = fake.seedDiagram({ name: 'Stays' });
		fake.injectFailure({ method: 'DELETE', path: `/diagrams/${diagram.id}`, status: 200, body: '<html><body>Welcome</body></html>' });
		const result = await run(fake, { resource: 'diagram', operation: 'delete', diagramId: byId(String(diagram.id)) });
		expect(requestLines(fake)).toEqual([`DELETE /diagrams/${diagram.id}`]);
		expect(result.items).toEqual([]);
		expect(result.error?.message).toBe('Just Flow It answered the delete with a web page, so it is not known whether the diagram was deleted');
		expect(result.error?.description).toMatch(/^Expected an empty answer \(or JSON\), got HTTP 200 text\/html; charset=utf-8 \("Welcome"\)\. A proxy, a sign-in page/);
	});
});

describe('every refusal has a description (what happened, what to do)', () => {
	it.each([['file:///etc/passwd'], ['ftp://127.0.0.1/x.png']])('a redirect to %s, refused by the HTTP client, still says what to do', async (location) => {
		const diagram = fake.seedDiagram({ name: 'Elsewhere' });
		fake.injectFailure({ path: `/diagrams/${diagram.id}/image`, status: 302, body: '', headers: { Location: location } });
		const result = await run(fake, { resource: 'render', operation: 'image', diagramId: byId(String(diagram.id)) });
		expect(requestLines(fake)).toEqual([`GET /diagrams/${diagram.id}/image?format=png&theme=light`]);
		expect(result.items).toEqual([]);
		// The wording of the refusal itself belongs to the redirect policy; here: it is never bare.
		expect(result.error?.description).toEqual(expect.stringMatching(/\S/));
	});
});

describe('a 404 on a path without an id blames the address, not a missing object (finding 6)', () => {
	it('Get Many with a Base URL ending in /api (not /api/v1) says the address was not found and how to fix the Base URL', async () => {
		const baseUrl = `${fake.origin}/api`;
		const result = await run(fake, { resource: 'diagram', operation: 'getAll', returnAll: true }, { credentials: { baseUrl } });
		expect(fake.requests.map((request) => `${request.method} ${request.path}`)).toEqual(['GET /api/diagrams']);
		expect(result.error?.message).toBe(`The address GET ${baseUrl}/diagrams was not found`);
		expect(result.error?.description).toMatch(
			new RegExp(
				`^This request names no diagram, so it is the address that is wrong, not a missing diagram\\. The credential's Base URL ${baseUrl.replace(/[.]/g, '\\.')} does not end in a version: Just Flow It's addresses start with /api/v1\\. Set the Base URL to https://justflow\\.it/api/v1 \\(or your server's address ending in /api/v1\\)\\.`,
			),
		);
		expect(result.error?.description).not.toMatch(/deleted/);
	});

	it('Folder → Create on a wrong address says the address was not found (sent once)', async () => {
		const baseUrl = `${fake.origin}/api/v2`;
		const result = await run(fake, { resource: 'folder', operation: 'create', name: 'Nowhere' }, { credentials: { baseUrl } });
		expect(fake.requests.map((request) => `${request.method} ${request.path}`)).toEqual(['POST /api/v2/folders']);
		expect(result.error?.message).toBe(`The address POST ${baseUrl}/folders was not found`);
		expect(result.error?.description).toMatch(
			/^This request names no folder, so it is the address that is wrong, not a missing folder\. Check the Base URL in the Just Flow It credential \(the default is https:\/\/justflow\.it\/api\/v1\)/,
		);
	});

	it('the pickers\' search on a wrong address says the address was not found', async () => {
		const baseUrl = `${fake.origin}/api`;
		await expect(listSearch(fake, 'searchFolders', undefined, undefined, { baseUrl })).rejects.toThrow(
			`The address GET ${baseUrl}/folders was not found`,
		);
		expect(requestLines(fake)).toEqual(['GET /api/folders?limit=100']);
	});

	it('a 404 on the image download inside Generate blames the diagram, not the generation', async () => {
		fake.settings.generation = { ...fake.settings.generation, queuedMs: 0, runningMs: 0 };
		fake.injectFailure({ path: /\/image$/, status: 404 });
		const result = await run(fake, { resource: 'generate', operation: 'create', prompt: 'Hire a person' });
		expect(requestLines(fake)[2]).toMatch(/^GET \/diagrams\/[0-9a-f-]{36}\/image/);
		expect(result.error?.message).toBe('The diagram was not found');
	});

	it('a 404 on a path with an id still says the diagram was not found', async () => {
		const result = await run(fake, getDiagram('3f9c2b1a-7d4e-4a2c-9b6f-1e8d5c0a2f31'));
		expect(requestLines(fake)).toEqual(['GET /diagrams/3f9c2b1a-7d4e-4a2c-9b6f-1e8d5c0a2f31']);
		expect(result.error?.message).toBe('The diagram was not found');
	});
});

describe('a 403 names the scope the refused request needs (finding 8)', () => {
	it('a generate-only key whose image download is refused reads "diagrams:read", not "generate"', async () => {
		fake.settings.generation = { ...fake.settings.generation, queuedMs: 0, runningMs: 0 };
		const apiKey = 'jfi_sk_test_GENERATEONLY000000000000000';
		fake.addKey(apiKey, { scopes: ['generate'] });
		const result = await run(fake, { resource: 'generate', operation: 'create', prompt: 'Approve an invoice' }, { credentials: { apiKey } });
		const lines = requestLines(fake);
		expect(lines).toEqual(['POST /diagrams/generate', expect.stringMatching(/^GET \/generations\/[0-9a-f-]{36}$/), expect.stringMatching(/^GET \/diagrams\/[0-9a-f-]{36}\/image\?format=png&theme=light$/)]);
		expect(fake.requests.map((request) => request.status)).toEqual([202, 200, 403]);
		expect(result.error?.message).toBe('The secret key lacks the "diagrams:read" scope this operation needs');
		// After the accepted POST the description first keeps the ids (issue 18), then says what to do.
		expect(result.error?.description).toMatch(/^The diagram was generated and saved in Just Flow It \(generation ID [0-9a-f-]{36}, diagram ID [0-9a-f-]{36}\)/);
		expect(result.error?.description).toMatch(/ Create a key with the "diagrams:read" scope in Just Flow It under Settings → API keys/);
		expect(result.error?.description).not.toMatch(/"generate"/);
	});

	it('when the API names no scope, the one the request needs is named (GET /diagrams/{id}/image: diagrams:read)', async () => {
		fake.settings.generation = { ...fake.settings.generation, queuedMs: 0, runningMs: 0 };
		fake.injectFailure({
			path: /\/image$/,
			status: 403,
			body: { error: { type: 'permission_error', code: 'insufficient_scope', message: 'Forbidden.' }, request_id: 'req_0000000000000403' },
		});
		const result = await run(fake, { resource: 'generate', operation: 'create', prompt: 'Ship an order' });
		expect(requestLines(fake)[2]).toMatch(/^GET \/diagrams\/[0-9a-f-]{36}\/image/);
		expect(result.error?.message).toBe('The secret key lacks the "diagrams:read" scope this operation needs');
	});
});

describe('an answer that goes on without end is stopped at 64 MiB, long before Settings → Timeout (a broken server or proxy)', () => {
	const endless = { status: 200, action: 'endless' as const, headers: { 'X-Request-Id': 'req_000000000000e0d1' } };

	it('Get: stops reading past 64 MiB, says so with the request ID, outputs nothing and does not send the GET again', async () => {
		const diagram = fake.seedDiagram({ name: 'Endless' });
		fake.injectFailure({ ...endless, path: `/diagrams/${diagram.id}`, body: '{"object":"diagram",', headers: { ...JSON_TYPE, ...endless.headers } });
		const result = await run(fake, getDiagram(String(diagram.id)));
		expect(requestLines(fake)).toEqual([`GET /diagrams/${diagram.id}`]);
		expect(result.items).toEqual([]);
		expect(result.error?.message).toBe('The answer from Just Flow It went on past 64 MiB, so the node stopped reading it');
		expect(result.error?.description).toBe(
			"No answer of the API is that large (a diagram's image or BPMN is a few MiB), so a proxy or a server in trouble is sending without end, and nothing was output. Check the Base URL in the credential and Settings → Proxy, then run again; if it persists, contact Just Flow It support with the request ID req_000000000000e0d1.",
		);
	});

	it('Render → Image: an endless image is an error item with continue on fail, not a 64 MiB file', async () => {
		const diagram = fake.seedDiagram({ name: 'Endless image' });
		fake.injectFailure({ ...endless, path: `/diagrams/${diagram.id}/image`, body: Buffer.from([0x89, 0x50, 0x4e, 0x47]), headers: { 'Content-Type': 'image/png', ...endless.headers } });
		const result = await run(fake, { resource: 'render', operation: 'image', diagramId: byId(String(diagram.id)) }, { continueOnFail: true });
		expect(requestLines(fake)).toEqual([`GET /diagrams/${diagram.id}/image?format=png&theme=light`]);
		expect(result.items).toHaveLength(1);
		expect(result.items[0].binary).toBeUndefined();
		expect(result.items[0].json.error).toBe('The answer from Just Flow It went on past 64 MiB, so the node stopped reading it');
	});

	it('Folder → Create: an endless answer to the POST says the folder may have been created, and is not sent again', async () => {
		fake.injectFailure({ ...endless, method: 'POST', path: '/folders', body: '{"object":"folder",', headers: { ...JSON_TYPE, ...endless.headers } });
		const result = await run(fake, { resource: 'folder', operation: 'create', name: 'Once' });
		expect(requestLines(fake)).toEqual(['POST /folders']);
		expect(result.error?.message).toBe('The answer from Just Flow It went on past 64 MiB, so the node stopped reading it');
		expect(result.error?.description).toMatch(/nothing was output\. The request may have been carried out: look in Just Flow It before you run the node again\. Check the Base URL/);
	});
});

describe('an answer whose bytes are not what its Content-Encoding says is explained, not a zlib message', () => {
	it('Get with a Content-Encoding gzip answer that is plain JSON: "could not be unpacked", with the request ID, sent once', async () => {
		const diagram = fake.seedDiagram({ name: 'Garbled' });
		fake.injectFailure({
			path: `/diagrams/${diagram.id}`,
			status: 200,
			body: '{"object":"diagram"}',
			headers: { ...JSON_TYPE, 'Content-Encoding': 'gzip', 'X-Request-Id': 'req_00000000000000ab' },
		});
		const result = await run(fake, getDiagram(String(diagram.id)));
		expect(requestLines(fake)).toEqual([`GET /diagrams/${diagram.id}`]);
		expect(result.items).toEqual([]);
		expect(result.error?.message).toBe('The answer from Just Flow It could not be unpacked: it said it was compressed, but its bytes are not');
		expect(result.error?.description).toBe(
			'A proxy or a server in trouble garbled the answer on the way, and nothing was output. Check the Base URL in the credential and Settings → Proxy, then run again; if it persists, contact Just Flow It support with the request ID req_00000000000000ab.',
		);
	});
});
