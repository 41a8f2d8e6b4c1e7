/**
 * Issue 17, finding 5: one reader for every list. A 200 that is not a list is an error, never
 * "0 items and success"; a walk that cannot end (a repeated cursor, more promised after an empty
 * page, pages of nothing new) stops with an error that says why; Return All never outputs an id
 * twice. Through n8n's engine against the fake API; the bad pages are injected.
 */
import type { IDataObject } from 'n8n-workflow';

import { MAX_PAGES_WITHOUT_NEW_ITEMS } from '../../nodes/JustFlowIt/shared/lists';
import { listSearch, requestLines, run, useFake } from '../support/context';

const fake = useFake();
const getAll = { resource: 'diagram', operation: 'getAll', returnAll: true };
const ids = (...numbers: number[]) => numbers.map((n) => ({ object: 'diagram', id: `d-${n}`, name: `Diagram ${n}` }));
const envelope = (data: IDataObject[], nextCursor: string | null): IDataObject => ({ object: 'list', data, has_more: nextCursor !== null, next_cursor: nextCursor });

/** Answers the diagrams list page read from `cursor` (undefined: the first page) with `body`. */
function pageAt(cursor: string | undefined, body: IDataObject, headers: Record<string, string> = {}): void {
	fake.injectFailure({
		method: 'GET',
		path: '/diagrams',
		query: { cursor: cursor === undefined ? false : cursor },
		status: 200,
		body,
		headers: { 'X-Request-Id': `req_${(cursor ?? 'first').padStart(16, '0')}`, ...headers },
	});
}

describe('a 200 that is not a list is an error, never 0 items (finding 5)', () => {
	it('Get Many answered by a web page fails, saying what came back, instead of succeeding with nothing', async () => {
		fake.seedDiagrams(3);
		fake.injectFailure({ path: '/diagrams', status: 200, body: '<!doctype html><html><body><p>Maintenance until 6:00</p></body></html>' });
		const result = await run(fake, getAll);
		expect(requestLines(fake)).toEqual(['GET /diagrams?limit=100']);
		expect(result.items).toEqual([]);
		expect(result.error?.message).toBe('Just Flow It answered with a web page instead of the diagrams list');
		expect(result.error?.description).toMatch(/^Expected the diagrams list as JSON, got HTTP 200 text\/html; charset=utf-8 \("Maintenance until 6:00"\)\./);
	});

	it('Get Many answered by a JSON object without a "data" array fails', async () => {
		fake.injectFailure({ path: '/folders', status: 200, body: { object: 'list', items: [] } });
		const result = await run(fake, { resource: 'folder', operation: 'getAll', returnAll: false, limit: 5 });
		expect(requestLines(fake)).toEqual(['GET /folders?limit=5']);
		expect(result.items).toEqual([]);
		expect(result.error?.message).toBe(
			'Just Flow It answered the folders list with something that is not a list: a JSON object without a "data" array',
		);
	});

	it("the pickers' search answered by a web page fails instead of showing an empty list", async () => {
		fake.seedFolder({ name: 'Finance' });
		fake.injectFailure({ path: '/folders', status: 200, body: '<html><body>Sign in</body></html>' });
		await expect(listSearch(fake, 'searchFolders')).rejects.toThrow('Just Flow It answered with a web page instead of the folders list');
		expect(requestLines(fake)).toEqual(['GET /folders?limit=100']);
	});
});

describe('a walk that cannot end stops with an error that says why (finding 5)', () => {
	it('a cursor the walk already used: stops at once, instead of quietly keeping what it read', async () => {
		pageAt(undefined, envelope(ids(1, 2), 'c1'));
		pageAt('c1', envelope(ids(3, 4), 'c1'));
		const result = await run(fake, getAll);
		expect(requestLines(fake)).toEqual(['GET /diagrams?limit=100', 'GET /diagrams?limit=100&cursor=c1']);
		expect(result.items).toEqual([]);
		expect(result.error?.message).toBe('Just Flow It sent a position in the diagrams list it had sent before');
		expect(result.error?.description).toBe(
			'The node stopped after 2 pages rather than read the list without end. Run again later; if it persists, contact Just Flow It support with the request ID. Request ID: req_00000000000000c1.',
		);
	});

	it('has_more with an empty page: stops after that page', async () => {
		pageAt(undefined, envelope([], 'c1'));
		const result = await run(fake, getAll);
		expect(requestLines(fake)).toEqual(['GET /diagrams?limit=100']);
		expect(result.error?.message).toBe('Just Flow It sent an empty page of the diagrams list but said more would follow');
		expect(result.error?.description).toMatch(/^The node stopped after 1 page rather than read the list without end\./);
	});

	it(`the same items under new cursors: stops after ${MAX_PAGES_WITHOUT_NEW_ITEMS} pages in a row with no new id`, async () => {
		pageAt(undefined, envelope(ids(1, 2), 'c1'));
		for (let page = 1; page <= MAX_PAGES_WITHOUT_NEW_ITEMS; page++) pageAt(`c${page}`, envelope(ids(1, 2), `c${page + 1}`));
		const result = await run(fake, getAll);
		expect(requestLines(fake)).toEqual([
			'GET /diagrams?limit=100',
			...Array.from({ length: MAX_PAGES_WITHOUT_NEW_ITEMS }, (_, index) => `GET /diagrams?limit=100&cursor=c${index + 1}`),
		]);
		expect(result.items).toEqual([]);
		expect(result.error?.message).toBe(
			`Just Flow It sent ${MAX_PAGES_WITHOUT_NEW_ITEMS} pages of the diagrams list in a row with only diagrams it had sent before`,
		);
	});

	it('has_more without a next_cursor fails instead of leaving the rest out', async () => {
		pageAt(undefined, { object: 'list', data: ids(1, 2), has_more: true, next_cursor: null });
		const result = await run(fake, getAll);
		expect(requestLines(fake)).toEqual(['GET /diagrams?limit=100']);
		expect(result.items).toEqual([]);
		expect(result.error?.message).toBe('Just Flow It said the diagrams list goes on but sent no position to read on from');
	});

	it("the pickers' search with a filter stops on a page that repeats its cursor", async () => {
		pageAt(undefined, envelope(ids(1, 2), 'c1'));
		pageAt('c1', envelope(ids(3), 'c1'));
		await expect(listSearch(fake, 'searchDiagrams', 'nothing matches')).rejects.toThrow(
			'Just Flow It sent a position in the diagrams list it had sent before',
		);
		expect(requestLines(fake)).toEqual(['GET /diagrams?limit=100', 'GET /diagrams?limit=100&cursor=c1']);
	});
});

describe('Return All never outputs an id twice (finding 5)', () => {
	it('a list that shifts while it is paged (items repeated across pages) outputs each id once, in order', async () => {
		pageAt(undefined, envelope(ids(1, 2, 3), 'c1'));
		pageAt('c1', envelope(ids(3, 4, 5), 'c2'));
		pageAt('c2', envelope(ids(5, 6), null));
		const result = await run(fake, getAll);
		expect(result.error).toBeUndefined();
		expect(requestLines(fake)).toEqual([
			'GET /diagrams?limit=100',
			'GET /diagrams?limit=100&cursor=c1',
			'GET /diagrams?limit=100&cursor=c2',
		]);
		expect(result.items.map((item) => item.json.id)).toEqual(['d-1', 'd-2', 'd-3', 'd-4', 'd-5', 'd-6']);
	});
});
