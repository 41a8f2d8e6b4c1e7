import { NodeApiError, NodeOperationError } from 'n8n-workflow';
import type {
	DeclarativeRestApiSettings,
	IDataObject,
	IExecutePaginationFunctions,
	IExecuteSingleFunctions,
	IHttpRequestOptions,
	IN8nHttpFullResponse,
	INodeExecutionData,
} from 'n8n-workflow';

import { MAX_PAGE_SIZE } from './constants';
import { asNodeError, forToolUse, isToolNode, JustFlowItApiError } from './errors';
import { sendApiRequest } from './transport';

/**
 * Where the requests that the resources declare are sent.
 *
 * Each operation declares its method, URL, query and body in its resource's file, as declarative
 * n8n nodes do. RoutingNode builds the request from them and runs the preSend steps; then, because
 * the Resource property turns `paginate` on for every operation, it hands the request to the
 * node's `requestOperations.pagination` function instead of sending it itself. That is the only
 * place where a declarative node may send a request its own way (and more than once), and the
 * node uses it for one thing: send through the transport (rate gate, 429 waits, retries, own
 * redirects, cancel), then shape the answer with the operation's declared postReceive steps.
 * Get Many declares its own pagination function, `walkCursorPages`, in the same slot.
 * (test/foundation/routing-contract.test.ts pins this RoutingNode behaviour.)
 */

type PaginationFunction = (
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
	// What a step wants kept with the failure, e.g. the ids of a generation already paid for.
	const { itemFields } = error as { itemFields?: unknown };
	if (itemFields && typeof itemFields === 'object' && !Array.isArray(itemFields)) Object.assign(json, itemFields);
	return json;
}

/**
 * The json of a continue-on-fail item. It carries no `error` property: n8n 2.x replaces the json
 * of such an item with the message alone (WorkflowExecute.normalizeNodeErrors), and the fields are
 * what the user acts on. n8n routes an item to the error output ("Continue (using error output)")
 * by `json.error` when its only other keys are `message` and `details`: there the fields go under
 * `details`.
 */
function errorItemJson(onError: string | undefined, error: NodeApiError | NodeOperationError): IDataObject {
	const { error: message, ...fields } = errorJson(error);
	return onError === 'continueErrorOutput' ? { error: message, details: fields } : { error: message, ...fields };
}

/**
 * Pairs every output item with the input item it came from, and, when the node continues on
 * fail, turns a failure into one error item paired the same way (RoutingNode cannot pair items
 * when an operation returns more items than it got).
 */
function pairedWithInput(run: PaginationFunction): PaginationFunction {
	return async function (this: IExecutePaginationFunctions, requestData) {
		const pairedItem = { item: this.getItemIndex() };
		try {
			const items = await run.call(this, requestData);
			return items.map((item) => ({ ...item, pairedItem }));
		} catch (caught) {
			const error = forToolUse(this.getNode(), asNodeError(this.getNode(), caught, pairedItem.item));
			if (!this.continueOnFail()) throw error;
			return [{ json: errorItemJson(this.getNode().onError, error), pairedItem }];
		}
	};
}

/**
 * The items an answer becomes: the operation's postReceive steps (all functions in this node)
 * applied in order to the body, as RoutingNode would apply them; without steps, a JSON array is
 * one item per entry and anything else one item.
 */
async function shapeAnswer(
	ctx: IExecuteSingleFunctions,
	requestData: DeclarativeRestApiSettings.ResultOptions,
	response: IN8nHttpFullResponse,
): Promise<INodeExecutionData[]> {
	if (!requestData.postReceive.length) {
		const body = response.body as IDataObject | IDataObject[];
		return Array.isArray(body) ? body.map((json) => ({ json })) : [{ json: body ?? {} }];
	}
	let items: INodeExecutionData[] = [{ json: response.body as IDataObject }];
	for (const step of requestData.postReceive) {
		for (const action of step.actions) {
			if (typeof action !== 'function') {
				throw new NodeOperationError(ctx.getNode(), 'Only function postReceive steps are supported by this node');
			}
			items = await action.call(ctx, items, response);
		}
	}
	return items;
}

/** The request RoutingNode built (its option types are looser than the HTTP helpers' only on paper). */
function builtRequest(requestData: DeclarativeRestApiSettings.ResultOptions): IHttpRequestOptions {
	return requestData.options as IHttpRequestOptions;
}

/** The node's default for every operation: send the declared request once, through the transport. */
export const sendDeclaredRequest: PaginationFunction = pairedWithInput(async function (requestData) {
	const response = await sendApiRequest(this, builtRequest(requestData));
	return await shapeAnswer(this, requestData, response);
});

interface ListPage {
	data: IDataObject[];
	nextCursor?: string;
}

/** Reads a page of the list envelope (contract §11); a bare array counts as a last page. */
export function readListPage(body: unknown): ListPage {
	if (Array.isArray(body)) return { data: body as IDataObject[] };
	const envelope = (body ?? {}) as IDataObject;
	const data = Array.isArray(envelope.data) ? (envelope.data as IDataObject[]) : [];
	const cursor = typeof envelope.next_cursor === 'string' && envelope.next_cursor ? envelope.next_cursor : undefined;
	return { data, nextCursor: envelope.has_more === true ? cursor : undefined };
}

/**
 * Get Many's pagination (contract §11): the first page is the request the operation declares;
 * each next page adds `cursor` to its query and asks for no more than the Limit still needs.
 * Return All stops when the API says there is no more (or repeats a cursor). As an AI agent's
 * tool, one call returns at most one page (100 items): the answer goes into the model's context.
 */
export const walkCursorPages: PaginationFunction = pairedWithInput(async function (requestData) {
	const returnAll = this.getNodeParameter('returnAll', false) as boolean;
	const wanted = returnAll ? Number.POSITIVE_INFINITY : Math.max(1, Number(this.getNodeParameter('limit', 50)));
	const limit = isToolNode(this.getNode()) ? Math.min(wanted, MAX_PAGE_SIZE) : wanted;
	const collected: IDataObject[] = [];
	const seenCursors = new Set<string>();
	let cursor: string | undefined;
	for (;;) {
		const qs: IDataObject = { ...requestData.options.qs, limit: Math.min(MAX_PAGE_SIZE, limit - collected.length) };
		if (cursor) qs.cursor = cursor;
		const response = await sendApiRequest(this, { ...builtRequest(requestData), qs });
		const page = readListPage(response.body);
		collected.push(...page.data.slice(0, limit - collected.length));
		if (!page.nextCursor || collected.length >= limit || seenCursors.has(page.nextCursor)) break;
		seenCursors.add(page.nextCursor);
		cursor = page.nextCursor;
	}
	return collected.map((json) => ({ json }));
});
