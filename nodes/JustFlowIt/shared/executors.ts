import type {
	DeclarativeRestApiSettings,
	IDataObject,
	IExecutePaginationFunctions,
	INodeExecutionData,
	INodePropertyRouting,
	PostReceiveAction,
} from 'n8n-workflow';

import { MAX_PAGE_SIZE } from './constants';
import { prepareRequestScope, sendRoutedRequest } from './transport';

/**
 * Every operation's request runs through one of these functions. They sit in the slot n8n's
 * RoutingNode reserves for pagination (`routing.operations.pagination`), the one place in a
 * declarative node that may send a request more than once: that is what retries on rate limits
 * and pagination both need. Each result item is paired with the input item it came from.
 */

function pairedWith(items: INodeExecutionData[], itemIndex: number): INodeExecutionData[] {
	return items.map((item) => ({ ...item, pairedItem: { item: itemIndex } }));
}

/** Sends the operation's request once (retried as the policy allows). */
export async function sendOnce(
	this: IExecutePaginationFunctions,
	requestData: DeclarativeRestApiSettings.ResultOptions,
): Promise<INodeExecutionData[]> {
	const scope = await prepareRequestScope(this, requestData.options.method);
	const items = await sendRoutedRequest(this, scope, requestData);
	return pairedWith(items, this.getItemIndex());
}

interface ListPage {
	data: IDataObject[];
	hasMore: boolean;
	nextCursor?: string;
}

/** Reads a page of the list envelope (contract §6.4); a bare array counts as a last page. */
function readListPage(body: unknown): ListPage {
	if (Array.isArray(body)) return { data: body as IDataObject[], hasMore: false };
	const envelope = (body ?? {}) as IDataObject;
	const data = Array.isArray(envelope.data) ? (envelope.data as IDataObject[]) : [];
	const nextCursor = typeof envelope.next_cursor === 'string' && envelope.next_cursor ? envelope.next_cursor : undefined;
	return { data, hasMore: envelope.has_more === true && nextCursor !== undefined, nextCursor };
}

/**
 * Cursor pagination for Get Many (contract §11). Return All asks for the largest pages; under a
 * Limit it asks for no more than it still needs, and stops there. The cursor is added to the
 * query the routing built, so nothing else in it is lost.
 */
export async function paginateWithCursor(
	this: IExecutePaginationFunctions,
	requestData: DeclarativeRestApiSettings.ResultOptions,
): Promise<INodeExecutionData[]> {
	const scope = await prepareRequestScope(this, 'GET');
	const returnAll = this.getNodeParameter('returnAll', false) as boolean;
	const limit = returnAll ? Number.POSITIVE_INFINITY : Math.max(1, Number(this.getNodeParameter('limit', 50)));
	const collected: IDataObject[] = [];
	const seenCursors = new Set<string>();
	let cursor: string | undefined;
	for (;;) {
		const pageSize = Math.min(MAX_PAGE_SIZE, limit - collected.length);
		const qs: IDataObject = { ...requestData.options.qs, limit: pageSize };
		if (cursor) qs.cursor = cursor;
		else delete qs.cursor;
		const [envelope] = await sendRoutedRequest(this, scope, {
			...requestData,
			options: { ...requestData.options, qs },
		});
		const page = readListPage(envelope?.json);
		collected.push(...page.data.slice(0, limit - collected.length));
		if (!page.hasMore || collected.length >= limit || !page.nextCursor || seenCursors.has(page.nextCursor)) break;
		seenCursors.add(page.nextCursor);
		cursor = page.nextCursor;
	}
	return pairedWith(
		collected.map((json) => ({ json })),
		this.getItemIndex(),
	);
}

/**
 * The routing of one operation: its request, sent through `executor` (default: `sendOnce`), with
 * `postReceive` steps that shape the answer into output items.
 */
export function operationRouting(
	request: DeclarativeRestApiSettings.HttpRequestOptions,
	options: {
		postReceive?: PostReceiveAction[];
		executor?: typeof sendOnce;
	} = {},
): INodePropertyRouting {
	return {
		request,
		send: { paginate: true },
		operations: { pagination: options.executor ?? sendOnce },
		...(options.postReceive ? { output: { postReceive: options.postReceive } } : {}),
	};
}
