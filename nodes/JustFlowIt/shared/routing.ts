import { NodeApiError, NodeOperationError } from 'n8n-workflow';
import type {
	DeclarativeRestApiSettings,
	IDataObject,
	IExecutePaginationFunctions,
	IExecuteSingleFunctions,
	IHttpRequestOptions,
	IN8nHttpFullResponse,
	IN8nRequestOperations,
	INodeExecutionData,
	INodePropertyRouting,
} from 'n8n-workflow';

import { readBody, readJsonObject, unexpectedAnswer } from './answers';
import { MAX_PAGE_SIZE } from './constants';
import { asNodeError, RequestFailedError } from './errors';
import { forToolUse, isToolNode } from './tool';
import { ListWalk, readListPage } from './lists';
import { withoutSecretsInError, withoutSecretsInJson } from './secrets';
import { sendApiRequest } from './transport';

/**
 * How the requests that the resources declare are sent.
 *
 * Each operation declares its method, URL, query and body in its resource's file, as declarative
 * n8n nodes do. RoutingNode builds the request from them and runs the preSend steps. It sends the
 * request itself unless `paginate` is on; then it hands it to the node's
 * `requestOperations.pagination` function instead (test/foundation/routing-contract.test.ts pins
 * this). That is RoutingNode's one hook for sending a declared request some other way, and the
 * node uses it for one thing, not for pagination: `sendThroughTransport` turns `paginate` on for
 * every operation (on the Resource property) and puts `sendDeclaredRequest` in that slot, which
 * sends through the transport (rate gate, 429 waits, retries, own redirects, cancel), then shapes
 * the answer with the operation's declared postReceive steps. Get Many's real pagination,
 * `walkCursorPages`, sits in the same slot on its operation.
 */

type PaginationFunction = (
	this: IExecutePaginationFunctions,
	requestData: DeclarativeRestApiSettings.ResultOptions,
) => Promise<INodeExecutionData[]>;

/** What a continue-on-fail item carries in json: the message and what helps to act on it. */
function errorJson(error: NodeApiError | NodeOperationError): IDataObject {
	const json: IDataObject = { error: error.message };
	if (error.description) json.description = error.description;
	if (error instanceof RequestFailedError) {
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
 * when an operation returns more items than it got). Every item and error leaves here redacted:
 * the one place all of an operation's output passes.
 */
function pairedWithInput(run: PaginationFunction): PaginationFunction {
	return async function (this: IExecutePaginationFunctions, requestData) {
		const pairedItem = { item: this.getItemIndex() };
		try {
			const items = await run.call(this, requestData);
			return items.map((item) => ({ ...item, json: withoutSecretsInJson(item.json), pairedItem }));
		} catch (caught) {
			const error = withoutSecretsInError(forToolUse(this.getNode(), asNodeError(this.getNode(), caught, pairedItem.item)));
			if (!this.continueOnFail()) throw error;
			return [{ json: withoutSecretsInJson(errorItemJson(this.getNode().onError, error)), pairedItem }];
		}
	};
}

/** What a declared operation's JSON answer holds, as the messages name it. */
function expectedObject(ctx: IExecuteSingleFunctions): string {
	const resource = String(ctx.getNodeParameter('resource', ''));
	return resource === 'folder' ? 'the folder' : resource === 'generate' ? 'the generation' : 'the diagram';
}

/**
 * The body of a declared operation's answer, checked: where JSON is expected (the default), one API
 * object; a file (`json: false`) is left to the operation's postReceive; a DELETE's answer may be
 * empty or JSON, but a web page or other text is not the API's and so no sign of a deletion.
 */
function checkedBody(
	ctx: IExecuteSingleFunctions,
	request: IHttpRequestOptions,
	response: IN8nHttpFullResponse,
): unknown {
	if (request.json === false || request.encoding === 'arraybuffer') return response.body;
	const method = (request.method ?? 'GET').toUpperCase();
	const expectation = { node: ctx.getNode(), what: expectedObject(ctx), isPost: method === 'POST', itemIndex: ctx.getItemIndex() };
	if (method !== 'DELETE') return readJsonObject(response, expectation);
	const { kind } = readBody(response);
	if (kind === 'webPage' || kind === 'notJson') {
		throw unexpectedAnswer(
			{ ...expectation, expected: 'an empty answer (or JSON)' },
			response,
			`Just Flow It answered the delete with ${kind === 'webPage' ? 'a web page' : 'text'}, so it is not known whether ${expectation.what} was deleted`,
			kind,
		);
	}
	return response.body;
}

/**
 * The items an answer becomes: the operation's postReceive steps (all functions in this node)
 * applied in order to the checked body, as RoutingNode would apply them; without steps, one item.
 */
async function shapeAnswer(
	ctx: IExecuteSingleFunctions,
	requestData: DeclarativeRestApiSettings.ResultOptions,
	response: IN8nHttpFullResponse,
): Promise<INodeExecutionData[]> {
	const body = checkedBody(ctx, builtRequest(requestData), response);
	if (!requestData.postReceive.length) return [{ json: (body ?? {}) as IDataObject }];
	let items: INodeExecutionData[] = [{ json: body as IDataObject }];
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

/**
 * The value n8n gives the "Custom API Call" entry it adds to Resource and Operation when the
 * credential's `authenticate` is declarative (n8n 2.x). The node sends only its own operations;
 * without this check it would send a GET to the bare Base URL.
 */
const CUSTOM_API_CALL = '__CUSTOM_API_CALL__';

function refuseCustomApiCall(ctx: IExecutePaginationFunctions): void {
	const picked = ['resource', 'operation'].some((name) => ctx.getNodeParameter(name, '') === CUSTOM_API_CALL);
	if (!picked) return;
	throw new NodeOperationError(ctx.getNode(), 'Custom API Call runs in n8n\'s HTTP Request node, not in this node', {
		description:
			'Add an HTTP Request node, set Authentication to Predefined Credential Type and pick Just Flow It API: it sends the key with any request to the Base URL. Nothing was sent.',
		itemIndex: ctx.getItemIndex(),
	});
}

/** The node's default for every operation: send the declared request once, through the transport. */
const sendDeclaredRequest: PaginationFunction = pairedWithInput(async function (requestData) {
	refuseCustomApiCall(this);
	const response = await sendApiRequest(this, builtRequest(requestData));
	return await shapeAnswer(this, requestData, response);
});

/**
 * What makes RoutingNode send every declared request through the transport: `resourceRouting`
 * goes on the Resource property (so `paginate` is on for every operation, as RoutingNode requires
 * before it hands a request over), `requestOperations` on the node (the function it hands it to).
 */
export const sendThroughTransport: {
	resourceRouting: INodePropertyRouting;
	requestOperations: IN8nRequestOperations;
} = {
	resourceRouting: { send: { paginate: true } },
	requestOperations: { pagination: sendDeclaredRequest },
};

/**
 * Get Many's pagination (contract §11): every page is the request the operation declares with
 * `limit` (no more than the Limit still needs, at most 100) and, from the second page on, `cursor`.
 * Pages are read and checked by the one list reader (shared/lists.ts): a non-list, a list that
 * would not end, or one that repeats itself is an error, and no id is output twice. As an AI
 * agent's tool, one call returns at most 100 items (a full page): the answer goes into the model's context.
 */
export const walkCursorPages: PaginationFunction = pairedWithInput(async function (requestData) {
	const returnAll = this.getNodeParameter('returnAll', false) as boolean;
	const wanted = returnAll ? Number.POSITIVE_INFINITY : Math.max(1, Number(this.getNodeParameter('limit', 50)));
	const limit = isToolNode(this.getNode()) ? Math.min(wanted, MAX_PAGE_SIZE) : wanted;
	const plural = this.getNodeParameter('resource', '') === 'folder' ? 'folders' : 'diagrams';
	const list = { node: this.getNode(), plural, itemIndex: this.getItemIndex() };
	const walk = new ListWalk(list);
	const collected: IDataObject[] = [];
	let cursor: string | undefined;
	for (;;) {
		const qs: IDataObject = { ...requestData.options.qs, limit: Math.min(MAX_PAGE_SIZE, limit - collected.length) };
		if (cursor) qs.cursor = cursor;
		const response = await sendApiRequest(this, { ...builtRequest(requestData), qs });
		const page = readListPage(response, list);
		collected.push(...walk.accept(page, cursor).slice(0, limit - collected.length));
		if (!page.nextCursor || collected.length >= limit) break;
		cursor = page.nextCursor;
	}
	return collected.map((json) => ({ json }));
});
