import { NodeOperationError } from 'n8n-workflow';
import type { IDataObject, ILoadOptionsFunctions, IN8nHttpFullResponse, INodeListSearchResult } from 'n8n-workflow';

import { findCredentialProblem, normalizeBaseUrl } from '../../../credentials/credentialSettings';
import { API_PATHS, CREDENTIAL_TYPE, MAX_PAGE_SIZE, scopeFor } from './constants';
import { bodyToObject, JustFlowItApiError, readApiFailure } from './errors';

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
	const credentials = await ctx.getCredentials(CREDENTIAL_TYPE);
	const problem = findCredentialProblem(credentials);
	if (problem) throw new NodeOperationError(ctx.getNode(), problem.message, { description: problem.fix });
	const response = (await ctx.helpers.httpRequestWithAuthentication.call(ctx, CREDENTIAL_TYPE, {
		method: 'GET',
		baseURL: normalizeBaseUrl(credentials.baseUrl),
		url: path,
		qs: { limit: MAX_PAGE_SIZE, ...(paginationToken ? { cursor: paginationToken } : {}) },
		json: true,
		returnFullResponse: true,
		ignoreHttpStatusErrors: true,
	})) as IN8nHttpFullResponse;
	if (response.statusCode >= 400) {
		const resource = plural === 'folders' ? 'folder' : 'diagram';
		throw new JustFlowItApiError(ctx.getNode(), readApiFailure(response), {
			resource,
			operation: 'getAll',
			scope: scopeFor(resource, 'getAll'),
			isPost: false,
		});
	}
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
