import { NodeOperationError } from 'n8n-workflow';
import type { IDataObject, IN8nHttpFullResponse, INode } from 'n8n-workflow';

import { describeJsonValue, readJsonAnswer, unexpectedAnswer } from './answers';
import { headerValue } from './http';
import { withoutSecrets, withoutSecretsInJson } from './secrets';

/**
 * The one reader of the API's lists (contract §11), for Get Many, the pickers' search and the
 * trigger: `readListPage` reads one answer into a page (anything that is not a list is an error,
 * never "no items"), and a `ListWalk` checks each page against the walk so far, so that a list
 * that does not end, repeats itself or shifts while it is read stops with an error that says why,
 * and no id is handed out twice.
 */

/**
 * Pages in a row that may bring no id not seen before, while the API says more follow. A list
 * shifting under the walk (items added at the top) repeats a few items, not whole pages.
 */
export const MAX_PAGES_WITHOUT_NEW_ITEMS = 3;

/** One page of a list: its items and the cursor of the next page, if the API says one follows. */
export interface ListPage {
	items: IDataObject[];
	nextCursor?: string;
	/** The answer's request ID (contract §13.2), for errors about the walk. */
	requestId?: string;
}

/** Which list is read, to word its errors. */
export interface ListDescription {
	node: INode;
	/** "diagrams" or "folders". */
	plural: string;
	itemIndex?: number;
}

function isObject(value: unknown): value is IDataObject {
	return !!value && typeof value === 'object' && !Array.isArray(value);
}

/**
 * One page of a list from its answer: the envelope `{ data: [...], has_more, next_cursor }`, or a
 * bare array (read as the whole list). Strings in the items are redacted. Throws when the answer is
 * not a list, or says more follow without saying where they start.
 */
export function readListPage(response: IN8nHttpFullResponse, list: ListDescription): ListPage {
	const expectation = { node: list.node, what: `the ${list.plural} list`, itemIndex: list.itemIndex };
	const value = readJsonAnswer(response, expectation);
	const requestId = headerValue(response.headers, 'x-request-id');
	const notAList = (got: string) =>
		unexpectedAnswer(expectation, response, `Just Flow It answered the ${list.plural} list with something that is not a list: ${got}`, 'shape');
	let data: unknown[];
	let nextCursor: string | undefined;
	if (Array.isArray(value)) {
		data = value;
	} else if (isObject(value) && Array.isArray(value.data)) {
		data = value.data;
		const cursor = typeof value.next_cursor === 'string' && value.next_cursor ? value.next_cursor : undefined;
		// [assumed] an envelope without has_more that names a cursor goes on (contract: it never lacks it).
		const more = value.has_more === true || (value.has_more === undefined && cursor !== undefined);
		if (more && !cursor) {
			throw walkError(
				list,
				`Just Flow It said the ${list.plural} list goes on but sent no position to read on from`,
				'Stopping here would leave out the rest without a word, so the node stops with this error instead.',
				requestId,
			);
		}
		nextCursor = more ? cursor : undefined;
	} else {
		throw notAList(isObject(value) ? 'a JSON object without a "data" array' : describeJsonValue(value));
	}
	const stray = data.find((entry) => !isObject(entry));
	if (stray !== undefined) throw notAList(`its entries include ${describeJsonValue(stray)}`);
	return { items: withoutSecretsInJson(data as IDataObject[]), nextCursor, requestId: requestId && withoutSecrets(requestId) };
}

function walkError(list: ListDescription, message: string, why: string, requestId: string | undefined): NodeOperationError {
	const id = requestId ? ` Request ID: ${withoutSecrets(requestId)}.` : '';
	return new NodeOperationError(list.node, message, {
		description: `${why} Run again later; if it persists, contact Just Flow It support with the request ID.${id}`,
		itemIndex: list.itemIndex,
	});
}

/**
 * The guard of one walk through a list: give it each page with the cursor it was read from;
 * it returns the page's items not handed out before, and throws when the walk cannot end:
 * a cursor the walk already used, more pages promised after an empty page, or
 * MAX_PAGES_WITHOUT_NEW_ITEMS pages in a row with no id not seen before.
 */
export class ListWalk {
	private readonly usedCursors = new Set<string>();

	private readonly seenIds = new Set<string>();

	private pagesWithoutNewItems = 0;

	/** Pages accepted so far. */
	pagesRead = 0;

	constructor(
		private readonly list: ListDescription,
		private readonly maxPagesWithoutNewItems = MAX_PAGES_WITHOUT_NEW_ITEMS,
	) {}

	/** Checks `page`, read from `cursor` (undefined: the first page); returns its new items. */
	accept(page: ListPage, cursor: string | undefined): IDataObject[] {
		if (cursor !== undefined) this.usedCursors.add(cursor);
		this.pagesRead++;
		const fresh: IDataObject[] = [];
		let newIds = 0;
		for (const item of page.items) {
			const id = typeof item.id === 'string' || typeof item.id === 'number' ? String(item.id) : undefined;
			if (id === undefined) {
				fresh.push(item);
			} else if (!this.seenIds.has(id)) {
				this.seenIds.add(id);
				newIds++;
				fresh.push(item);
			}
		}
		if (page.nextCursor === undefined) return fresh;
		const { plural } = this.list;
		const stopped = `The node stopped after ${this.pagesRead} ${this.pagesRead === 1 ? 'page' : 'pages'} rather than read the list without end.`;
		if (page.items.length === 0) {
			throw walkError(this.list, `Just Flow It sent an empty page of the ${plural} list but said more would follow`, stopped, page.requestId);
		}
		if (this.usedCursors.has(page.nextCursor)) {
			throw walkError(this.list, `Just Flow It sent a position in the ${plural} list it had sent before`, stopped, page.requestId);
		}
		this.pagesWithoutNewItems = newIds > 0 ? 0 : this.pagesWithoutNewItems + 1;
		if (this.pagesWithoutNewItems >= this.maxPagesWithoutNewItems) {
			throw walkError(
				this.list,
				`Just Flow It sent ${this.pagesWithoutNewItems} pages of the ${plural} list in a row with only ${plural} it had sent before`,
				stopped,
				page.requestId,
			);
		}
		return fresh;
	}
}
