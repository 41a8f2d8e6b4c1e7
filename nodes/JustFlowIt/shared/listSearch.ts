import type { IDataObject, ILoadOptionsFunctions, INodeListSearchItems, INodeListSearchResult } from 'n8n-workflow';

import { API_PATHS, MAX_PAGE_SIZE } from './constants';
import { appLink } from './descriptions';
import { ListWalk, readListPage } from './lists';
import type { ListPage } from './lists';
import { sendApiRequest } from './transport';

export type { ListPage } from './lists';

/**
 * List search for the resource locators ("From List" in the editor).
 *
 * The API has no name search (contract §16.20), so the filter is applied here, on pages of 100
 * (newest first). Without a filter each call returns one page and its cursor: the editor asks for
 * the next page when the user scrolls to the end. WITH a filter one page is not enough (a diagram
 * older than the newest 100 would never be found: n8n shows "No results" and does not ask again),
 * so a call keeps reading pages until it has SEARCH_ENOUGH_MATCHES matches or the list ends, but
 * reads at most SEARCH_MAX_PAGES_PER_CALL pages (1,000 items). It then returns the matches so far
 * with the next cursor, and scrolling to the end of the list continues from there.
 */

/** Pages one search call reads at most before it hands the cursor back to the editor. */
export const SEARCH_MAX_PAGES_PER_CALL = 10;

/** With a filter, a search call stops reading pages once it has this many matches. */
export const SEARCH_ENOUGH_MATCHES = 20;

/**
 * How long one page request of a list search may wait for its turn under the rate limit (the user
 * is looking at a spinner; the node's own setting, default 300 s, is meant for workflow runs).
 */
const SEARCH_MAX_RATE_LIMIT_WAIT_SECONDS = 10;

/** The value a root-allowing folder picker stores for "top level" (descriptions.ts sends null). */
const TOP_LEVEL_VALUE = 'root';

/** The entry root-allowing folder pickers offer first. */
const TOP_LEVEL_ENTRY: INodeListSearchItems = { name: 'Top Level (No Folder)', value: TOP_LEVEL_VALUE };

/** Reads the page that starts at `cursor` (undefined: the first page). */
type FetchPage = (cursor: string | undefined) => Promise<ListPage>;

interface SearchLimits {
	maxPages: number;
	enoughMatches: number;
}

/** Whether a list item matches the user's search text (name contains it, or id equals it). */
function matchesFilter(item: IDataObject, filter: string | undefined): boolean {
	const needle = (filter ?? '').trim().toLowerCase();
	if (!needle) return true;
	const id = String(item.id ?? '').toLowerCase();
	return String(item.name ?? '').toLowerCase().includes(needle) || id === needle;
}

/**
 * Pages through a list for one editor request; pure apart from `fetchPage`. Without a filter:
 * one page. With a filter: whole pages until `enoughMatches` matches, the last page, or
 * `maxPages` pages; always stops at a page boundary, so `nextCursor` resumes exactly there.
 * With a `walk`, each page is checked by the list reader's guard (a list that would not end is
 * an error, and no id is listed twice in one call).
 */
export async function searchPages(
	fetchPage: FetchPage,
	filter: string | undefined,
	startCursor: string | undefined,
	limits: SearchLimits = { maxPages: SEARCH_MAX_PAGES_PER_CALL, enoughMatches: SEARCH_ENOUGH_MATCHES },
	walk?: ListWalk,
): Promise<{ matches: IDataObject[]; nextCursor?: string; pagesRead: number }> {
	const filtering = (filter ?? '').trim() !== '';
	const maxPages = filtering ? Math.max(1, limits.maxPages) : 1;
	const matches: IDataObject[] = [];
	let cursor = startCursor;
	let pagesRead = 0;
	do {
		const page = await fetchPage(cursor);
		pagesRead++;
		const items = walk ? walk.accept(page, cursor) : page.items;
		matches.push(...items.filter((item) => matchesFilter(item, filter)));
		cursor = page.nextCursor;
	} while (cursor !== undefined && pagesRead < maxPages && matches.length < limits.enoughMatches);
	return { matches, nextCursor: cursor, pagesRead };
}

/**
 * The ONE place list search talks HTTP: one page of 100 of `path`, from `cursor`, through the
 * node's transport (rate gate, 429 waits, retries, key only to the base URL's origin, explained errors).
 */
async function fetchListPage(
	ctx: ILoadOptionsFunctions,
	path: string,
	resource: 'diagram' | 'folder',
	cursor: string | undefined,
): Promise<ListPage> {
	const response = await sendApiRequest(
		ctx,
		{ method: 'GET', url: path, qs: { limit: MAX_PAGE_SIZE, ...(cursor ? { cursor } : {}) } },
		{ resource, operation: 'getAll', maxRateLimitWaitSeconds: SEARCH_MAX_RATE_LIMIT_WAIT_SECONDS },
	);
	return readListPage(response, { node: ctx.getNode(), plural: resource === 'folder' ? 'folders' : 'diagrams' });
}

async function searchList(
	ctx: ILoadOptionsFunctions,
	resource: 'diagram' | 'folder',
	filter?: string,
	paginationToken?: string,
): Promise<INodeListSearchResult> {
	const path = resource === 'folder' ? API_PATHS.folders : API_PATHS.diagrams;
	const plural = resource === 'folder' ? 'folders' : 'diagrams';
	const { matches, nextCursor } = await searchPages(
		async (cursor) => await fetchListPage(ctx, path, resource, cursor),
		filter,
		paginationToken,
		undefined,
		new ListWalk({ node: ctx.getNode(), plural }),
	);
	return {
		results: matches.map((entry) => ({
			name: String(entry.name ?? entry.id),
			value: String(entry.id),
			url: appLink(plural, String(entry.id)),
		})),
		paginationToken: nextCursor,
	};
}

/** Whether the "Top level" entry matches what the user typed (empty, or part of "top level"/"root"). */
function topLevelMatches(filter: string | undefined): boolean {
	const needle = (filter ?? '').trim().toLowerCase();
	return !needle || TOP_LEVEL_ENTRY.name.toLowerCase().includes(needle) || needle === TOP_LEVEL_VALUE;
}

export async function searchDiagrams(
	this: ILoadOptionsFunctions,
	filter?: string,
	paginationToken?: string,
): Promise<INodeListSearchResult> {
	return await searchList(this, 'diagram', filter, paginationToken);
}

export async function searchFolders(
	this: ILoadOptionsFunctions,
	filter?: string,
	paginationToken?: string,
): Promise<INodeListSearchResult> {
	return await searchList(this, 'folder', filter, paginationToken);
}

/**
 * Folders, with "Top Level (No Folder)" (value `root`) first, for pickers where `root` means
 * "move to the top level" (Update Fields → Folder / Parent Folder). The entry comes only with the
 * first page (no pagination token), and only when it matches the search text.
 */
export async function searchFoldersOrTopLevel(
	this: ILoadOptionsFunctions,
	filter?: string,
	paginationToken?: string,
): Promise<INodeListSearchResult> {
	const found = await searchList(this, 'folder', filter, paginationToken);
	if (paginationToken || !topLevelMatches(filter)) return found;
	return { ...found, results: [TOP_LEVEL_ENTRY, ...found.results] };
}
