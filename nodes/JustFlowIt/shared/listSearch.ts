import type { IDataObject, ILoadOptionsFunctions, INodeListSearchResult } from 'n8n-workflow';

import { API_PATHS, MAX_PAGE_SIZE } from './constants';
import { bodyToObject } from './errors';
import { sendApiRequest } from './transport';

/**
 * List search for the resource locators. The API has no name search (contract §16.20), so each
 * call reads one page of 100 and filters it by name here; the editor asks for the next page with
 * the cursor as pagination token.
 */
async function searchList(
	ctx: ILoadOptionsFunctions,
	path: string,
	plural: string,
	filter?: string,
	paginationToken?: string,
): Promise<INodeListSearchResult> {
	const response = await sendApiRequest(
		ctx,
		{
			method: 'GET',
			url: path,
			qs: { limit: MAX_PAGE_SIZE, ...(paginationToken ? { cursor: paginationToken } : {}) },
			json: true,
		},
		// The editor waits for this list: a short bound on waits for a turn under the rate limit.
		{ resource: plural === 'folders' ? 'folder' : 'diagram', operation: 'getAll', maxRateLimitWaitSeconds: 10 },
	);
	const page = bodyToObject(response.body) ?? {};
	const data = (Array.isArray(page.data) ? page.data : []) as IDataObject[];
	const needle = (filter ?? '').trim().toLowerCase();
	const results = data
		.filter((entry) => !needle || String(entry.name ?? '').toLowerCase().includes(needle) || entry.id === filter)
		.map((entry) => ({
			name: String(entry.name ?? entry.id),
			value: String(entry.id),
			url: `https://justflow.it/app/${plural}/${String(entry.id)}`,
		}));
	const next = page.has_more === true && typeof page.next_cursor === 'string' ? page.next_cursor : undefined;
	return { results, paginationToken: next };
}

export async function searchDiagrams(
	this: ILoadOptionsFunctions,
	filter?: string,
	paginationToken?: string,
): Promise<INodeListSearchResult> {
	return await searchList(this, API_PATHS.diagrams, 'diagrams', filter, paginationToken);
}

export async function searchFolders(
	this: ILoadOptionsFunctions,
	filter?: string,
	paginationToken?: string,
): Promise<INodeListSearchResult> {
	return await searchList(this, API_PATHS.folders, 'folders', filter, paginationToken);
}
