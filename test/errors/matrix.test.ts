/**
 * The error matrix: every API failure in the contract, faults without a proper answer, and bad
 * input caught before any request. Each case asserts the message, the description, what was sent,
 * and (where it applies) the continue-on-fail item and its pairing; the last test scans a set of
 * failures of its own for the key.
 */
import {
	allStrings,
	byId,
	fileItem,
	requestLines,
	run,
	sampleBpmn,
	useFake,
	TEST_KEY,
} from '../support/context';

const fake = useFake();

const getDiagram = (id: string) => ({ resource: 'diagram', operation: 'get', diagramId: byId(id) });
const UNKNOWN_ID = '3f9c2b1a-7d4e-4a2c-9b6f-1e8d5c0a2f31';
const REQUEST_ID = /Request ID: req_[0-9a-f]{16}/;

describe('API errors become clear NodeApiErrors', () => {
	it.each([
		['missing_api_key', 'Just Flow It received no secret key', /paste your secret key/],
		['invalid_api_key', 'Just Flow It did not recognise the secret key', /Settings → API keys/],
		['revoked_api_key', 'The secret key has been revoked', /Create a new key/],
		['expired_api_key', 'The secret key has expired', /Create a new key/],
	])('401 %s', async (code, message, fix) => {
		fake.failNext(401, code);
		const diagram = fake.seedDiagram({ name: 'x' });
		const result = await run(fake, getDiagram(String(diagram.id)));
		expect(result.error?.message).toBe(message);
		expect(result.error?.description).toMatch(fix);
		expect(result.error?.description).toContain(`Code: ${code}`);
		expect(result.error?.description).toMatch(REQUEST_ID);
		expect(result.error?.httpCode).toBe('401');
		expect(fake.requests).toHaveLength(1);
	});

	it('401 from the real key check: an unknown key', async () => {
		const result = await run(fake, getDiagram(UNKNOWN_ID), {
			credentials: { apiKey: 'jfi_sk_test_UNKNOWNKEY00000000000000' },
		});
		expect(result.error?.message).toBe('Just Flow It did not recognise the secret key');
		expect(result.error?.description).toContain('Code: invalid_api_key');
	});

	it('401 revoked and expired keys as the fake knows them', async () => {
		fake.addKey('jfi_sk_test_REVOKED00000000000000000', { status: 'revoked' });
		fake.addKey('jfi_sk_test_EXPIRED00000000000000000', { status: 'expired' });
		const revoked = await run(fake, getDiagram(UNKNOWN_ID), { credentials: { apiKey: 'jfi_sk_test_REVOKED00000000000000000' } });
		const expired = await run(fake, getDiagram(UNKNOWN_ID), { credentials: { apiKey: 'jfi_sk_test_EXPIRED00000000000000000' } });
		expect(revoked.error?.message).toBe('The secret key has been revoked');
		expect(expired.error?.message).toBe('The secret key has expired');
	});

	it('403 plan_required', async () => {
		fake.addKey('jfi_sk_test_FREEPLAN0000000000000000', { plan: 'free' });
		const result = await run(fake, getDiagram(UNKNOWN_ID), { credentials: { apiKey: 'jfi_sk_test_FREEPLAN0000000000000000' } });
		expect(result.error?.message).toBe("The Just Flow It account's plan does not include the API");
		expect(result.error?.description).toMatch(/Pro or Team plan/);
		expect(result.error?.description).toContain('Code: plan_required');
	});

	it('403 insufficient_scope names the missing scope', async () => {
		fake.addKey('jfi_sk_test_READONLY0000000000000000', { scopes: ['diagrams:read', 'folders:read'] });
		const result = await run(
			fake,
			{ resource: 'folder', operation: 'create', name: 'New' },
			{ credentials: { apiKey: 'jfi_sk_test_READONLY0000000000000000' } },
		);
		expect(result.error?.message).toBe('The secret key lacks the "folders:write" scope this operation needs');
		expect(result.error?.description).toMatch(/Create a key with the "folders:write" scope/);
		expect(result.error?.description).toContain('Code: insufficient_scope');
	});

	it('404 unknown diagram', async () => {
		const result = await run(fake, getDiagram(UNKNOWN_ID));
		expect(result.error?.message).toBe('The diagram was not found');
		expect(result.error?.description).toMatch(/live and test keys see separate data/);
		expect(result.error?.description).toContain('Code: resource_not_found');
		expect(result.error?.httpCode).toBe('404');
	});

	it('404 on a referenced folder names the parameter', async () => {
		const result = await run(fake, {
			resource: 'diagram',
			operation: 'create',
			name: 'x',
			bpmnSource: 'text',
			bpmnXml: sampleBpmn(),
			additionalFields: { folderId: byId(UNKNOWN_ID) },
		});
		expect(result.error?.message).toBe('The folder given in Folder ID was not found');
		expect(result.error?.description).toContain('Parameter: folder_id');
	});

	it('409 deleting a folder that is not empty', async () => {
		const folder = fake.seedFolder({ name: 'Full' });
		fake.seedFolder({ name: 'Child', parentId: folder.id });
		const result = await run(fake, { resource: 'folder', operation: 'delete', folderId: byId(String(folder.id)) });
		expect(result.error?.message).toBe('The folder is not empty, so it was not deleted');
		expect(result.error?.httpCode).toBe('409');
	});

	it('409 on another operation is not mistaken for a non-empty folder', async () => {
		const diagram = fake.seedDiagram({ name: 'Taken' });
		fake.injectFailure({ method: 'PATCH', status: 409, body: { error: { type: 'conflict_error', code: 'conflict', message: 'A diagram with this name exists.' }, request_id: 'req_00000000000000ef' } });
		const result = await run(fake, { resource: 'diagram', operation: 'update', diagramId: byId(String(diagram.id)), updateFields: { name: 'Other' } });
		expect(result.error?.message).toBe('Just Flow It did not make the change because it conflicts with the diagram as it is now');
		expect(result.error?.description).toContain('The API says: "A diagram with this name exists."');
	});

	it('422 BPMN the API rejects carries the API reason', async () => {
		const broken = sampleBpmn().replace('</bpmn:process>', '');
		const result = await run(fake, { resource: 'diagram', operation: 'create', name: 'x', bpmnSource: 'text', bpmnXml: broken });
		expect(fake.requests).toHaveLength(1);
		expect(result.error?.message).toMatch(/^Just Flow It rejected the BPMN: .+/);
		expect(result.error?.description).toContain('Code: validation_failed');
		expect(result.error?.description).toContain('Parameter: bpmn_xml');
	});

	it('400 invalid_parameter names the parameter and shows the API message', async () => {
		fake.injectFailure({
			path: '/api/v1/diagrams',
			status: 400,
			body: { error: { type: 'invalid_request_error', code: 'invalid_parameter', message: 'Name is too long.', param: 'name' }, request_id: 'req_00000000000000aa' },
		});
		const result = await run(fake, { resource: 'diagram', operation: 'create', name: 'x', bpmnSource: 'text', bpmnXml: sampleBpmn() });
		expect(result.error?.message).toBe('The value of Name was not accepted');
		expect(result.error?.description).toContain('The API says: "Name is too long."');
		expect(result.error?.description).toContain('Request ID: req_00000000000000aa');
	});

	it('400 invalid_cursor on a later page of Return All (the first page passed) is explained as an expired position', async () => {
		fake.seedDiagrams(250);
		fake.injectFailure({
			path: /^\/api\/v1\/diagrams$/,
			query: { cursor: true },
			status: 400,
			times: 1,
			body: { error: { type: 'invalid_request_error', code: 'invalid_cursor', message: 'The cursor expired.', param: 'cursor' }, request_id: 'req_00000000000000bb' },
		});
		const result = await run(fake, { resource: 'diagram', operation: 'getAll', returnAll: true });
		expect(fake.requests.map((request) => [request.query.cursor === undefined ? 'first page' : 'next page', request.status])).toEqual([
			['first page', 200],
			['next page', 400],
		]);
		expect(result.items).toEqual([]);
		expect(result.error?.message).toBe('The list position expired while the node was paging through results');
		expect(result.error?.description).toContain('Code: invalid_cursor.');
		expect(result.error?.description).toContain('Request ID: req_00000000000000bb.');
	});
});

describe('rate limits and quota', () => {
	it('429 rate_limit_exceeded: waits Retry-After and repeats the same request', async () => {
		const diagram = fake.seedDiagram({ name: 'Patience' });
		fake.injectFailure({ path: `/api/v1/diagrams/${diagram.id}`, status: 429, times: 2, headers: { 'Retry-After': '1' }, body: { error: { type: 'rate_limit_error', code: 'rate_limit_exceeded', message: 'Slow down.' }, request_id: 'req_00000000000000cc' } });
		const result = await run(fake, getDiagram(String(diagram.id)));
		expect(result.error).toBeUndefined();
		expect(result.items[0].json.name).toBe('Patience');
		expect(requestLines(fake)).toEqual(Array(3).fill(`GET /diagrams/${diagram.id}`));
	});

	it('429 on a POST is repeated too (the request was not carried out)', async () => {
		fake.injectFailure({ method: 'POST', path: '/api/v1/folders', status: 429, times: 1, headers: { 'Retry-After': '1' }, body: { error: { type: 'rate_limit_error', code: 'rate_limit_exceeded', message: 'Slow down.' }, request_id: 'req_00000000000000cd' } });
		const result = await run(fake, { resource: 'folder', operation: 'create', name: 'After waiting' });
		expect(result.error).toBeUndefined();
		expect(requestLines(fake)).toEqual(['POST /folders', 'POST /folders']);
	});

	it('429 with Retry-After as an HTTP date is waited out too', async () => {
		const diagram = fake.seedDiagram({ name: 'Dates' });
		fake.injectFailure({ path: `/api/v1/diagrams/${diagram.id}`, status: 429, times: 1, headers: { 'Retry-After': new Date(Date.now() + 1000).toUTCString() }, body: { error: { type: 'rate_limit_error', code: 'rate_limit_exceeded', message: 'x' }, request_id: 'req_00000000000000ce' } });
		const result = await run(fake, getDiagram(String(diagram.id)));
		expect(result.error).toBeUndefined();
		expect(fake.requests).toHaveLength(2);
	});

	it('429 beyond the most the node may wait gives a clear error', async () => {
		const diagram = fake.seedDiagram({ name: 'Impatient' });
		fake.injectFailure({ path: `/api/v1/diagrams/${diagram.id}`, status: 429, times: 5, headers: { 'Retry-After': '30' }, body: { error: { type: 'rate_limit_error', code: 'rate_limit_exceeded', message: 'Slow down.' }, request_id: 'req_00000000000000cf' } });
		const result = await run(fake, { ...getDiagram(String(diagram.id)), requestOptions: { maxRateLimitWait: 10 } });
		expect(fake.requests).toHaveLength(1);
		expect(result.error?.message).toBe('Just Flow It kept answering "too many requests"');
		expect(result.error?.description).toMatch(
			/^Just Flow It asked the node to wait 30 seconds, more than it may wait \(Settings → Request Options → Max Wait on Rate Limits, now 10 seconds\)\./,
		);
		expect(result.error?.description).toContain('Code: rate_limit_exceeded');
	});

	it('quota_exceeded answered as 403 (contract §16.11) is still explained as the quota', async () => {
		fake.injectFailure({ method: 'POST', path: '/api/v1/diagrams/generate', status: 403, body: { error: { type: 'permission_error', code: 'quota_exceeded', message: 'Quota used up.' }, request_id: 'req_00000000000000ee' } });
		const result = await run(fake, { resource: 'generate', operation: 'create', prompt: 'Anything' });
		expect(result.error?.message).toBe('The AI generation quota of this account is used up');
	});

	it('429 quota_exceeded is not retried and says when the quota frees', async () => {
		fake.settings.quota = 0;
		const result = await run(fake, { resource: 'generate', operation: 'create', prompt: 'Anything' });
		expect(requestLines(fake)).toEqual(['POST /diagrams/generate']);
		expect(result.error?.message).toBe('The AI generation quota of this account is used up');
		expect(result.error?.description).toMatch(/500 generations per rolling 30 days\. It frees up again in about \d+ (seconds|minutes|hours|days)\./);
		expect(result.error?.description).toContain('Code: quota_exceeded');
	});
});

describe('server faults and broken answers', () => {
	const fault = (status: number, extra: Record<string, unknown> = {}) => ({ status, headers: { 'Retry-After': '0' }, ...extra });

	it('500 on a GET is retried and then succeeds', async () => {
		const diagram = fake.seedDiagram({ name: 'Flaky' });
		fake.injectFailure({ path: `/api/v1/diagrams/${diagram.id}`, times: 2, ...fault(500) });
		const result = await run(fake, getDiagram(String(diagram.id)));
		expect(result.error).toBeUndefined();
		expect(fake.requests).toHaveLength(3);
	});

	it('503 that persists on a GET ends after 3 retries with a clear error', async () => {
		const diagram = fake.seedDiagram({ name: 'Down' });
		fake.injectFailure({ path: `/api/v1/diagrams/${diagram.id}`, times: 10, ...fault(503) });
		const result = await run(fake, getDiagram(String(diagram.id)));
		expect(fake.requests).toHaveLength(4);
		expect(result.error?.message).toBe('Just Flow It could not process the request right now (HTTP 503)');
		expect(result.error?.description).toMatch(/The node retried a few times/);
	});

	it('500 on a POST is not repeated (it could create a duplicate)', async () => {
		fake.injectFailure({ method: 'POST', path: '/api/v1/diagrams', times: 5, ...fault(500) });
		const result = await run(fake, { resource: 'diagram', operation: 'create', name: 'Once', bpmnSource: 'text', bpmnXml: sampleBpmn() });
		expect(requestLines(fake)).toEqual(['POST /diagrams']);
		expect(result.error?.message).toBe('Just Flow It could not process the request right now (HTTP 500)');
		expect(result.error?.description).toMatch(/not repeated automatically/);
	});

	it("a proxy's HTML 502 page is summarised, not dumped", async () => {
		const diagram = fake.seedDiagram({ name: 'Proxy' });
		fake.injectFailure({ path: `/api/v1/diagrams/${diagram.id}`, times: 10, status: 502, headers: { 'Content-Type': 'text/html', 'Retry-After': '0' }, body: '<html><head><title>502 Bad Gateway</title></head><body><h1>Bad Gateway</h1><p>nginx</p></body></html>' });
		const result = await run(fake, getDiagram(String(diagram.id)));
		expect(result.error?.message).toBe('Just Flow It could not process the request right now (HTTP 502)');
		expect(result.error?.description).toContain('The response was not JSON: "502 Bad Gateway Bad Gateway nginx"');
	});

	it('an empty error body still gives status and request id', async () => {
		const diagram = fake.seedDiagram({ name: 'Empty' });
		fake.injectFailure({ path: `/api/v1/diagrams/${diagram.id}`, times: 10, status: 500, headers: { 'Retry-After': '0' }, body: '' });
		const result = await run(fake, getDiagram(String(diagram.id)));
		expect(result.error?.message).toBe('Just Flow It could not process the request right now (HTTP 500)');
		expect(result.error?.description).toMatch(REQUEST_ID);
	});

	it('a DELETE whose retry finds the diagram gone counts as deleted (the first one went through)', async () => {
		const diagram = fake.seedDiagram({ name: 'Gone' });
		await run(fake, { resource: 'diagram', operation: 'delete', diagramId: byId(String(diagram.id)) });
		fake.clearRequests();
		fake.injectFailure({ method: 'DELETE', path: `/api/v1/diagrams/${diagram.id}`, times: 1, ...fault(503) });
		const result = await run(fake, { resource: 'diagram', operation: 'delete', diagramId: byId(String(diagram.id)) });
		expect(requestLines(fake)).toEqual([`DELETE /diagrams/${diagram.id}`, `DELETE /diagrams/${diagram.id}`]);
		expect(fake.requests.map((request) => request.status)).toEqual([503, 404]);
		expect(result.error).toBeUndefined();
		expect(result.items.map((item) => item.json)).toEqual([{ deleted: true, id: diagram.id }]);
	});

	it('a DELETE of an unknown diagram on the first try is still an error', async () => {
		const result = await run(fake, { resource: 'diagram', operation: 'delete', diagramId: byId(UNKNOWN_ID) });
		expect(requestLines(fake)).toEqual([`DELETE /diagrams/${UNKNOWN_ID}`]);
		expect(result.error?.message).toBe('The diagram was not found');
	});

	it('a dropped connection on a GET is retried', async () => {
		const diagram = fake.seedDiagram({ name: 'Dropped' });
		fake.injectFailure({ path: `/api/v1/diagrams/${diagram.id}`, times: 1, action: 'destroy' });
		const result = await run(fake, getDiagram(String(diagram.id)));
		expect(result.error).toBeUndefined();
		expect(result.items[0].json.name).toBe('Dropped');
	});

	it('a dropped connection on a POST is not repeated and says the request may have gone through', async () => {
		fake.injectFailure({ method: 'POST', path: '/api/v1/diagrams/generate', times: 1, action: 'destroy' });
		const result = await run(fake, { resource: 'generate', operation: 'create', prompt: 'Once only' });
		expect(fake.requests.filter((r) => r.method === 'POST')).toHaveLength(1);
		expect(result.error?.message).toBe('The connection to Just Flow It was interrupted before an answer arrived');
		expect(result.error?.description).toMatch(/may still have been carried out/);
	});

});

describe('continue-on-fail', () => {
	it('turns the failed item into an error item paired with its input; the others carry on', async () => {
		const a = fake.seedDiagram({ name: 'A' });
		const c = fake.seedDiagram({ name: 'C' });
		const result = await run(
			fake,
			{ resource: 'diagram', operation: 'get', diagramId: '={{ $json.id }}' },
			{ input: [{ json: { id: a.id } }, { json: { id: UNKNOWN_ID } }, { json: { id: c.id } }], continueOnFail: true },
		);
		expect(result.error).toBeUndefined();
		expect(result.items.map((item) => item.pairedItem)).toEqual([{ item: 0 }, { item: 1 }, { item: 2 }]);
		expect(result.items[0].json.name).toBe('A');
		expect(result.items[1].json.error).toBe('The diagram was not found');
		expect(result.items[2].json.name).toBe('C');
	});

	it('also for Get Many, where outputs outnumber inputs', async () => {
		fake.seedDiagrams(3);
		fake.injectFailure({ path: /^\/api\/v1\/diagrams$/, times: 1, status: 403, body: { error: { type: 'permission_error', code: 'insufficient_scope', message: 'Missing diagrams:read.' }, request_id: 'req_00000000000000dd' } });
		const result = await run(
			fake,
			{ resource: 'diagram', operation: 'getAll', returnAll: true },
			{ input: [{ json: {} }, { json: {} }], continueOnFail: true },
		);
		expect(result.items).toHaveLength(4);
		const errors = result.items.filter((item) => item.json.error);
		expect(errors).toHaveLength(1);
		expect(errors[0].pairedItem).toEqual({ item: 0 });
		expect(result.items.filter((item) => !item.json.error).map((item) => item.pairedItem)).toEqual([{ item: 1 }, { item: 1 }, { item: 1 }]);
	});
});

describe('bad input is refused before any request', () => {
	const big = `<?xml version="1.0"?><bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"><bpmn:process id="p"/><!-- ${'x'.repeat(5 * 1024 * 1024)} --></bpmn:definitions>`;
	it.each([
		['an empty prompt (mapped from an empty form field)', { resource: 'generate', operation: 'create', prompt: '={{ $json.text }}' }, 'Prompt is empty', [{ json: { text: '  ' } }]],
		['an empty diagram name', { resource: 'diagram', operation: 'create', name: ' ', bpmnSource: 'text', bpmnXml: sampleBpmn() }, 'Name is empty', undefined],
		['a non-UUID diagram id', { ...getDiagram(''), diagramId: '={{ "12345" }}' }, 'Diagram "12345" is not a valid ID', undefined],
		['a non-UUID folder in Additional Fields', { resource: 'diagram', operation: 'create', name: 'x', bpmnSource: 'text', bpmnXml: sampleBpmn(), additionalFields: { folderId: '={{ "nope" }}' } }, 'Folder "nope" is not a valid ID', undefined],
		['an empty generation id (mapped)', { resource: 'generate', operation: 'get', generationId: '={{ $json.id }}' }, 'Generation ID is empty', [{ json: { id: '' } }]],
		['BPMN text that is not XML', { resource: 'diagram', operation: 'create', name: 'x', bpmnSource: 'text', bpmnXml: 'Start → Approve → End' }, 'BPMN XML is not a BPMN 2.0 document: it is not XML (it does not start with a tag)', undefined],
		['XML in the wrong namespace', { resource: 'diagram', operation: 'create', name: 'x', bpmnSource: 'text', bpmnXml: '<definitions xmlns="http://example.com/other"><process/></definitions>' }, 'BPMN XML is not a BPMN 2.0 document: its definitions element is not in the BPMN 2.0 namespace http://www.omg.org/spec/BPMN/20100524/MODEL', undefined],
		['a BPMN file over 5 MiB', { resource: 'diagram', operation: 'create', name: 'x', bpmnSource: 'binary' }, 'The BPMN file is 5.0 MiB, over Just Flow It\'s 5 MiB limit', [fileItem(big, 'big.bpmn', 'application/xml')]],
		['a missing binary file', { resource: 'diagram', operation: 'create', name: 'x', bpmnSource: 'binary' }, 'The input item has no binary file in "data"', [{ json: {} }]],
	])('%s', async (_label, parameters, message, input) => {
		const result = await run(fake, parameters, { input });
		expect(fake.requests).toHaveLength(0);
		expect(result.error?.message).toBe(message);
		expect(result.error?.description).toBeTruthy();
	});

	it.each([
		['a live key in Staging', { apiKey: 'jfi_sk_live_abcdefghijklmnopqrstuvwx', environment: 'staging' as const }, /Staging keys start with "jfi_sk_test_"/],
		['plain http to a remote host', { baseUrl: 'http://justflow.example/api/v1' }, /plain http:\/\/ to justflow\.example/],
		['an empty key', { apiKey: '' }, /has no secret key/],
	])('%s', async (_label, credentials, message) => {
		const result = await run(fake, getDiagram(UNKNOWN_ID), { credentials });
		expect(fake.requests).toHaveLength(0);
		expect(result.error?.message).toMatch(message);
	});
});

describe('the key stays secret', () => {
	it('appears in no output item, message or description of any failure, even with continue-on-fail', async () => {
		const seen: unknown[] = [];
		const keep = async (...args: Parameters<typeof run>) => {
			const result = await run(...args);
			seen.push(result.items, result.error, result.error?.message, result.error?.description);
		};
		const diagram = fake.seedDiagram({ name: 'Secret' });
		fake.failNext(401, 'invalid_api_key');
		await keep(fake, getDiagram(String(diagram.id)));
		fake.injectFailure({ path: `/api/v1/diagrams/${diagram.id}`, status: 500, times: 10, headers: { 'Retry-After': '0' }, body: `<html>${TEST_KEY}</html>` });
		await keep(fake, getDiagram(String(diagram.id)), { continueOnFail: true });
		fake.clearFailures();
		await keep(fake, getDiagram(UNKNOWN_ID), { continueOnFail: true });
		await keep(fake, getDiagram(UNKNOWN_ID), { credentials: { apiKey: TEST_KEY, environment: 'production' } });
		fake.settings.imageMode = 'redirect';
		await keep(fake, { resource: 'render', operation: 'image', diagramId: byId(String(diagram.id)) });
		expect(seen.filter(Boolean).length).toBeGreaterThan(8);
		const secretPart = TEST_KEY.slice('jfi_sk_test_'.length);
		const leaks = allStrings(seen).filter((text) => text.includes(secretPart));
		expect(leaks).toEqual([]);
		expect(JSON.stringify(fake.imageHostRequests)).not.toContain(secretPart);
	});
});
