import { NodeApiError, NodeOperationError } from 'n8n-workflow';
import type {
	DeclarativeRestApiSettings,
	IDataObject,
	IExecutePaginationFunctions,
	INodeExecutionData,
	INodePropertyRouting,
	PostReceiveAction,
	PreSendAction,
} from 'n8n-workflow';

import { MAX_PAGE_SIZE } from './constants';
import { asNodeError, JustFlowItApiError } from './errors';
import { prepareRequestScope, sendRoutedRequest } from './transport';
import { readIdParameter } from './validation';

/**
 * Every operation's request runs through one of these functions. They sit in the slot n8n's
 * RoutingNode reserves for pagination (`routing.operations.pagination`), the one place in a
 * declarative node that may send a request more than once: that is what retries on rate limits
 * and pagination both need. Each result item is paired with the input item it came from.
 */

type Executor = (
	this: IExecutePaginationFunctions,
	requestData: DeclarativeRestApiSettings.ResultOptions,
) => Promise<INodeExecutionData[]>;

/** What a continue-on-fail item carries in json: the message and what helps to act on it. */
function errorJson(error: NodeApiError | NodeOperationError): IDataObject {
	const json: IDataObject = { error: error.message };
	if (error.description) json.description = error.description;
	if (error instanceof JustFlowItApiError) {
		const { apiFailure } = error;
		if (apiFailure.status) json.httpCode = apiFailure.status;
		if (apiFailure.code) json.code = apiFailure.code;
		if (apiFailure.param) json.param = apiFailure.param;
		if (apiFailure.requestId) json.requestId = apiFailure.requestId;
	}
	return json;
}

/**
 * Wraps an executor so that every item it returns is paired with the input item it came from,
 * and, when the node continues on fail, a failure becomes one error item paired the same way
 * (n8n's engine cannot pair it when an operation returns more items than it got).
 */
export function itemExecutor(run: Executor): Executor {
	return async function (this: IExecutePaginationFunctions, requestData) {
		const pairedItem = { item: this.getItemIndex() };
		try {
			const items = await run.call(this, requestData);
			return items.map((item) => ({ ...item, pairedItem }));
		} catch (caught) {
			const error = asNodeError(this.getNode(), caught, pairedItem.item);
			if (!this.continueOnFail()) throw error;
			return [{ json: errorJson(error), error, pairedItem }];
		}
	};
}

/** Sends the operation's request once (retried as the policy allows). */
export const sendOnce = itemExecutor(async function (this: IExecutePaginationFunctions, requestData) {
	const scope = await prepareRequestScope(this, requestData.options.method);
	try {
		return await sendRoutedRequest(this, scope, requestData);
	} catch (error) {
		if (isRepeatedDeleteOfGone(requestData, error)) {
			// The first DELETE went through but its answer was lost; the retry finds it gone.
			const idParameter = scope.context.resource === 'folder' ? 'folderId' : 'diagramId';
			return [{ json: { deleted: true, id: readIdParameter(this, idParameter) } }];
		}
		throw asNodeError(this.getNode(), error, this.getItemIndex());
	}
});

function isRepeatedDeleteOfGone(requestData: DeclarativeRestApiSettings.ResultOptions, error: unknown): boolean {
	return (
		String(requestData.options.method).toUpperCase() === 'DELETE' &&
		error instanceof JustFlowItApiError &&
		error.apiFailure.status === 404 &&
		error.attempts > 1
	);
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
export const paginateWithCursor = itemExecutor(async function (
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
	return collected.map((json) => ({ json }));
});

/**
 * The routing of one operation: its request, sent through `executor` (default: `sendOnce`), with
 * `postReceive` steps that shape the answer into output items.
 */
export function operationRouting(
	request: DeclarativeRestApiSettings.HttpRequestOptions,
	options: {
		postReceive?: PostReceiveAction[];
		preSend?: PreSendAction[];
		executor?: Executor;
	} = {},
): INodePropertyRouting {
	return {
		request,
		send: { paginate: true, ...(options.preSend ? { preSend: options.preSend } : {}) },
		operations: { pagination: options.executor ?? sendOnce },
		...(options.postReceive ? { output: { postReceive: options.postReceive } } : {}),
	};
}
