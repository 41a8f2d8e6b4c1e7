import type { IDataObject } from 'n8n-workflow';

import {
	searchPages,
	SEARCH_ENOUGH_MATCHES,
	SEARCH_MAX_PAGES_PER_CALL,
	type ListPage,
} from '../../nodes/JustFlowIt/shared/listSearch';
import { listSearch, requestLines, useFake } from '../support/context';

const fake = useFake();

describe('resource locator lists', () => {
	it('lists diagrams newest first with links, a page of 100 at a time', async () => {
		const diagrams = fake.seedDiagrams(130);
		const first = await listSearch(fake, 'searchDiagrams');
		expect(first.results).toHaveLength(100);
		expect(first.results[0]).toEqual({
			name: diagrams[129].name,
			value: diagrams[129].id,
			url: `https://justflow.it/app/diagrams/${diagrams[129].id}`,
		});
		expect(first.paginationToken).toEqual(expect.any(String));
		const second = await listSearch(fake, 'searchDiagrams', undefined, first.paginationToken);
		expect(second.results).toHaveLength(30);
		expect(second.paginationToken).toBeUndefined();
		expect(requestLines(fake)[0]).toBe('GET /diagrams?limit=100');
		expect(fake.requests[1].query.cursor).toBe(first.paginationToken);
	});

	it('filters folders by name, case-insensitively', async () => {
		fake.seedFolder({ name: 'Finance' });
		fake.seedFolder({ name: 'HR onboarding' });
		fake.seedFolder({ name: 'Sales Onboarding' });
		const found = await listSearch(fake, 'searchFolders', 'onboard');
		expect(found.results.map((result) => result.name).sort()).toEqual(['HR onboarding', 'Sales Onboarding']);
		expect(requestLines(fake)).toEqual(['GET /folders?limit=100']);
	});
});

describe('searching past the newest 100', () => {
	it('finds a diagram that is not among the newest 100 by reading the next page in the same call', async () => {
		const invoice = fake.seedDiagram({ name: 'Invoice approval' });
		fake.seedDiagrams(154, { namePrefix: 'Process' });
		const found = await listSearch(fake, 'searchDiagrams', 'invoice');
		expect(found.results).toEqual([
			{ name: 'Invoice approval', value: invoice.id, url: `https://justflow.it/app/diagrams/${String(invoice.id)}` },
		]);
		expect(found.paginationToken).toBeUndefined();
		expect(requestLines(fake)).toHaveLength(2);
		expect(requestLines(fake)[0]).toBe('GET /diagrams?limit=100');
		expect(fake.requests[1].query).toEqual({ limit: '100', cursor: expect.any(String) });
	});

	it('finds a folder that is not among the newest 100 the same way', async () => {
		const old = fake.seedFolder({ name: 'Archive 2019' });
		for (let i = 0; i < 120; i++) fake.seedFolder({ name: `Team ${i}` });
		const found = await listSearch(fake, 'searchFolders', 'archive');
		expect(found.results.map((result) => result.value)).toEqual([old.id]);
		expect(requestLines(fake)).toHaveLength(2);
	});

	it(`reads at most ${SEARCH_MAX_PAGES_PER_CALL} pages per call, then hands the cursor back; the next call goes on from it`, async () => {
		const needle = fake.seedDiagram({ name: 'Needle' });
		fake.seedDiagrams(SEARCH_MAX_PAGES_PER_CALL * 100 + 50, { namePrefix: 'Hay' });
		const first = await listSearch(fake, 'searchDiagrams', 'needle');
		expect(first.results).toEqual([]);
		expect(first.paginationToken).toEqual(expect.any(String));
		expect(fake.requests).toHaveLength(SEARCH_MAX_PAGES_PER_CALL);
		const second = await listSearch(fake, 'searchDiagrams', 'needle', first.paginationToken);
		expect(second.results.map((result) => result.value)).toEqual([needle.id]);
		expect(second.paginationToken).toBeUndefined();
		expect(fake.requests).toHaveLength(SEARCH_MAX_PAGES_PER_CALL + 1);
		expect(fake.requests[SEARCH_MAX_PAGES_PER_CALL].query.cursor).toBe(first.paginationToken);
	});

	it(`stops at the end of the page where it has ${SEARCH_ENOUGH_MATCHES} matches`, async () => {
		fake.seedDiagrams(300, { namePrefix: 'Flow' });
		const found = await listSearch(fake, 'searchDiagrams', 'flow');
		expect(found.results).toHaveLength(100);
		expect(found.paginationToken).toEqual(expect.any(String));
		expect(fake.requests).toHaveLength(1);
	});
});

describe('searchPages (the paging, over an injected page reader)', () => {
	const pages: ListPage[] = [
		{ items: [{ id: 'a1', name: 'Alpha' }, { id: 'b1', name: 'Beta' }], nextCursor: 'c2' },
		{ items: [{ id: 'a2', name: 'alphabet' }], nextCursor: 'c3' },
		{ items: [{ id: 'g3', name: 'Gamma' }] },
	];
	function reader(): { fetchPage: (cursor: string | undefined) => Promise<ListPage>; cursors: Array<string | undefined> } {
		const cursors: Array<string | undefined> = [];
		return {
			cursors,
			fetchPage: async (cursor) => {
				cursors.push(cursor);
				return pages[cursor ? Number(cursor.slice(1)) - 1 : 0];
			},
		};
	}

	it('without a filter reads exactly one page and returns its cursor', async () => {
		const { fetchPage, cursors } = reader();
		const out = await searchPages(fetchPage, '  ', undefined, { maxPages: 10, enoughMatches: 1 });
		expect(out.matches.map((item: IDataObject) => item.id)).toEqual(['a1', 'b1']);
		expect(out.nextCursor).toBe('c2');
		expect(cursors).toEqual([undefined]);
	});

	it('with a filter reads on until the list ends', async () => {
		const { fetchPage, cursors } = reader();
		const out = await searchPages(fetchPage, 'gam', undefined, { maxPages: 10, enoughMatches: 5 });
		expect(out.matches.map((item) => item.id)).toEqual(['g3']);
		expect(out.nextCursor).toBeUndefined();
		expect(cursors).toEqual([undefined, 'c2', 'c3']);
	});

	it('stops after maxPages and returns the cursor of the first page it did not read', async () => {
		const { fetchPage, cursors } = reader();
		const out = await searchPages(fetchPage, 'gam', 'c2', { maxPages: 1, enoughMatches: 5 });
		expect(out.matches).toEqual([]);
		expect(out.nextCursor).toBe('c3');
		expect(cursors).toEqual(['c2']);
	});

	it('stops at the end of a page once it has enough matches, never mid-page', async () => {
		const { fetchPage, cursors } = reader();
		const out = await searchPages(fetchPage, 'ALPHA', undefined, { maxPages: 10, enoughMatches: 2 });
		expect(out.matches.map((item) => item.id)).toEqual(['a1', 'a2']);
		expect(out.nextCursor).toBe('c3');
		expect(cursors).toEqual([undefined, 'c2']);
	});

	it('matches an exact id as well as part of a name', async () => {
		const { fetchPage } = reader();
		const out = await searchPages(fetchPage, 'B1', undefined, { maxPages: 1, enoughMatches: 5 });
		expect(out.matches.map((item) => item.id)).toEqual(['b1']);
	});
});

describe('"Top Level" in root-allowing folder pickers', () => {
	it('offers "Top Level (No Folder)" with the value root first, then the folders', async () => {
		const folder = fake.seedFolder({ name: 'Finance' });
		const found = await listSearch(fake, 'searchFoldersOrTopLevel');
		expect(found.results[0]).toEqual({ name: 'Top Level (No Folder)', value: 'root' });
		expect(found.results.slice(1).map((result) => result.value)).toEqual([folder.id]);
	});

	it('keeps the entry when the search text matches it ("top", "root") and drops it otherwise', async () => {
		fake.seedFolder({ name: 'Finance' });
		expect((await listSearch(fake, 'searchFoldersOrTopLevel', 'top')).results).toEqual([
			{ name: 'Top Level (No Folder)', value: 'root' },
		]);
		expect((await listSearch(fake, 'searchFoldersOrTopLevel', 'root')).results[0].value).toBe('root');
		expect((await listSearch(fake, 'searchFoldersOrTopLevel', 'fin')).results.map((result) => result.name)).toEqual([
			'Finance',
		]);
	});

	it('does not repeat the entry on later pages', async () => {
		for (let i = 0; i < 130; i++) fake.seedFolder({ name: `Team ${i}` });
		const first = await listSearch(fake, 'searchFoldersOrTopLevel');
		expect(first.results.filter((result) => result.value === 'root')).toHaveLength(1);
		const second = await listSearch(fake, 'searchFoldersOrTopLevel', undefined, first.paginationToken);
		expect(second.results.filter((result) => result.value === 'root')).toHaveLength(0);
		expect(second.results).toHaveLength(30);
	});

	it('is not offered where root is not allowed (plain folder picker)', async () => {
		fake.seedFolder({ name: 'Finance' });
		expect((await listSearch(fake, 'searchFolders')).results.map((result) => result.value)).not.toContain('root');
	});
});

it('explains a key without the read scope in the list', async () => {
	fake.addKey('jfi_sk_test_NOREAD000000000000000000', { scopes: ['generate'] });
	await expect(
		listSearch(fake, 'searchFolders', undefined, undefined, { apiKey: 'jfi_sk_test_NOREAD000000000000000000' }),
	).rejects.toThrow('The secret key lacks the "folders:read" scope this operation needs');
});
