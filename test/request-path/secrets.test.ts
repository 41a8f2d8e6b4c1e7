/**
 * Issue 17, finding 7: one redaction for every text that can reach a user, a log or an AI model.
 * The key here holds "-" and "_" after its prefix (the old pattern stopped at them), and one holds
 * a quote and angle brackets (only its exact value can find it). The server echoes the key in the
 * error's message and param, in an HTML error page, in a 200 web page and in a 200 JSON answer;
 * every string of the result — items, continue-on-fail items, the error and its JSON, the run —
 * is scanned.
 */
import type { IDataObject } from 'n8n-workflow';

import { allStrings, byId, listSearch, requestLines, run, useFake } from '../support/context';
import type { RunResult } from '../support/context';

const fake = useFake();
const DASHED_KEY = 'jfi_sk_test_Ab3-cd4_EF5-gh6_IJ7-kl8_MN9';
const ODD_KEY = 'jfi_sk_test_Quote"And<Angle>-x9';

/** The key and every piece of it an old redaction left behind (from a "-", "_", quote or bracket on). */
function pieces(key: string): string[] {
	const secret = key.slice('jfi_sk_test_'.length);
	const cuts = [...secret].flatMap((char, index) => (/[-_"<>]/.test(char) ? [secret.slice(index)] : []));
	return [key, secret, ...cuts.filter((cut) => cut.length >= 4)];
}

function leaks(key: string, ...values: unknown[]): string[] {
	return allStrings(values).filter((text) => pieces(key).some((piece) => text.includes(piece)));
}

function withKey(key: string): { apiKey: string } {
	fake.addKey(key);
	return { apiKey: key };
}

const echoed = (key: string): IDataObject => ({
	error: {
		type: 'invalid_request_error',
		code: 'invalid_parameter',
		message: `Header Authorization: Bearer ${key} is not valid here.`,
		param: `Authorization: Bearer ${key}`,
	},
	request_id: 'req_00000000000000e7',
});

/** The whole result of a run: output items, the error with its JSON (errorResponse, context), the run. */
function everything(result: RunResult & { run?: unknown }): unknown[] {
	return [result.items, result.error, result.error?.message, result.error?.description, result.run];
}

describe.each([
	['a key with "-" and "_" after its prefix', DASHED_KEY],
	['a key with a quote and angle brackets', ODD_KEY],
])('%s appears in no text the node produces (finding 7)', (_label, key) => {
	it('echoed in the API error\'s message and param: not in the message, description, error JSON or continue-on-fail item', async () => {
		const credentials = withKey(key);
		const diagram = fake.seedDiagram({ key, name: 'Echo' });
		fake.injectFailure({ path: `/diagrams/${diagram.id}`, status: 400, body: echoed(key), times: 2 });
		const failed = await run(fake, { resource: 'diagram', operation: 'get', diagramId: byId(String(diagram.id)) }, { credentials });
		const kept = await run(
			fake,
			{ resource: 'diagram', operation: 'get', diagramId: byId(String(diagram.id)) },
			{ credentials, continueOnFail: true },
		);
		expect(requestLines(fake)).toEqual([`GET /diagrams/${diagram.id}`, `GET /diagrams/${diagram.id}`]);
		expect(failed.error?.message).toBe('The value of Authorization: Bearer jfi_sk_… was not accepted');
		expect(failed.error?.description).toContain('Parameter: Authorization: Bearer jfi_sk_….');
		// A continue-on-fail item carries the error's fields in its json (shared/routing.ts errorItemJson).
		expect(kept.items).toHaveLength(1);
		expect(kept.items[0].json).toEqual({
			error: 'The value of Authorization: Bearer jfi_sk_… was not accepted',
			description: expect.stringContaining('Parameter: Authorization: Bearer jfi_sk_….'),
			code: 'invalid_parameter',
			httpCode: 400,
			param: 'Authorization: Bearer jfi_sk_…',
			requestId: 'req_00000000000000e7',
		});
		expect(leaks(key, everything(failed), everything(kept))).toEqual([]);
	});

	it('echoed in an HTML error page (retried 5xx) and in a 200 web page: not in the excerpt or anywhere else', async () => {
		const credentials = withKey(key);
		const diagram = fake.seedDiagram({ key, name: 'Page' });
		const page = `<html><body><h1>Bad gateway</h1><p>Authorization: Bearer ${key}</p></body></html>`;
		fake.injectFailure({ path: `/diagrams/${diagram.id}`, status: 502, times: 4, headers: { 'Retry-After': '0' }, body: page });
		const gateway = await run(fake, { resource: 'diagram', operation: 'get', diagramId: byId(String(diagram.id)) }, { credentials });
		expect(gateway.error?.description).toContain('The response was not JSON: "Bad gateway Authorization: Bearer jfi_sk_…');
		fake.injectFailure({ path: `/diagrams/${diagram.id}`, status: 200, body: page });
		const portal = await run(fake, { resource: 'diagram', operation: 'get', diagramId: byId(String(diagram.id)) }, { credentials, continueOnFail: true });
		expect(portal.items[0].json.error).toBe('Just Flow It answered with a web page instead of the diagram');
		expect(portal.items[0].json.description).toContain('("Bad gateway Authorization: Bearer jfi_sk_…');
		expect(fake.requests).toHaveLength(5);
		expect(leaks(key, everything(gateway), everything(portal))).toEqual([]);
	});

	it('echoed in a 200 JSON answer (Get, Get Many, the pickers\' search): the output strings are redacted', async () => {
		const credentials = withKey(key);
		const diagram = fake.seedDiagram({ key, name: `Notes for Bearer ${key}` });
		fake.injectFailure({
			path: `/diagrams/${diagram.id}`,
			status: 200,
			body: { object: 'diagram', id: String(diagram.id), name: 'Echo', debug: { authorization: `Bearer ${key}` } },
		});
		const got = await run(fake, { resource: 'diagram', operation: 'get', diagramId: byId(String(diagram.id)) }, { credentials });
		expect(got.items.map((item) => item.json.debug)).toEqual([{ authorization: 'Bearer jfi_sk_…' }]);
		const listed = await run(fake, { resource: 'diagram', operation: 'getAll', returnAll: true }, { credentials });
		expect(listed.items.map((item) => item.json.name)).toEqual(['Notes for Bearer jfi_sk_…']);
		const picked = await listSearch(fake, 'searchDiagrams', undefined, undefined, credentials);
		expect(picked.results.map((result) => result.name)).toEqual(['Notes for Bearer jfi_sk_…']);
		expect(leaks(key, everything(got), everything(listed), picked)).toEqual([]);
	});
});

it('a 200 image answer that is a page echoing the key: the "not an image" excerpt is redacted', async () => {
	const credentials = withKey(DASHED_KEY);
	const diagram = fake.seedDiagram({ key: DASHED_KEY, name: 'Picture' });
	fake.injectFailure({
		path: `/diagrams/${diagram.id}/image`,
		status: 200,
		body: `<html><body>Token ${DASHED_KEY} expired</body></html>`,
	});
	const result = await run(fake, { resource: 'render', operation: 'image', diagramId: byId(String(diagram.id)) }, { credentials });
	expect(result.error?.message).toBe('Just Flow It sent something other than a PNG image');
	expect(result.error?.description).toContain('("Token jfi_sk_… expired")');
	expect(leaks(DASHED_KEY, everything(result))).toEqual([]);
});
