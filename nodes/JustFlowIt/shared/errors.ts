import { NodeApiError, NodeOperationError } from 'n8n-workflow';
import type { IDataObject, IN8nHttpFullResponse, INode, JsonObject } from 'n8n-workflow';

/** What went wrong with one API call, read from the response (or from its absence). */
export interface ApiFailure {
	/** HTTP status; 0 when no response arrived (connection dropped, timeout). */
	status: number;
	type?: string;
	code?: string;
	/** The API's own human-readable message. */
	apiMessage?: string;
	param?: string;
	requestId?: string;
	/** Seconds to wait before retrying, from `Retry-After`. */
	retryAfterSeconds?: number;
	/** A short, cleaned excerpt of a body that was not the API's JSON envelope. */
	bodyExcerpt?: string;
	/** For failures without a response: the transport's code (ECONNRESET, ECONNABORTED …). */
	transportCode?: string;
}

/** Where the failure happened, to word the message for the user. */
export interface FailureContext {
	resource: string;
	operation: string;
	/** The scope the operation needs, named when the key lacks it. */
	scope: string;
	/** Whether the request was a POST (not safe to repeat blindly). */
	isPost: boolean;
	/** Seconds the node already waited on rate limits for this request. */
	waitedSeconds?: number;
	/** The most the node waits on rate limits (node option). */
	maxWaitSeconds?: number;
	/** How many times the request was sent. */
	attempts?: number;
}

export function headerValue(headers: IDataObject | undefined, name: string): string | undefined {
	if (!headers) return undefined;
	const wanted = name.toLowerCase();
	for (const [key, value] of Object.entries(headers)) {
		if (key.toLowerCase() === wanted && value !== undefined && value !== null) {
			return Array.isArray(value) ? String(value[0]) : String(value);
		}
	}
	return undefined;
}

/** `Retry-After` as seconds: an integer, a decimal, or an HTTP date; undefined when absent. */
export function parseRetryAfter(value: string | undefined, now = Date.now()): number | undefined {
	if (!value) return undefined;
	const trimmed = value.trim();
	if (/^\d+(\.\d+)?$/.test(trimmed)) return Number(trimmed);
	const date = Date.parse(trimmed);
	if (!Number.isNaN(date)) return Math.max(0, (date - now) / 1000);
	return undefined;
}

export function bodyToText(body: unknown): string {
	if (body === undefined || body === null) return '';
	if (typeof body === 'string') return body;
	if (Buffer.isBuffer(body)) return body.toString('utf8');
	if (body instanceof ArrayBuffer) return Buffer.from(body).toString('utf8');
	if (ArrayBuffer.isView(body)) return Buffer.from(body.buffer, body.byteOffset, body.byteLength).toString('utf8');
	try {
		return JSON.stringify(body);
	} catch {
		return String(body);
	}
}

/** The body as a JSON object when it is one (already parsed, or JSON text / bytes). */
export function bodyToObject(body: unknown): IDataObject | undefined {
	if (body && typeof body === 'object' && !Buffer.isBuffer(body) && !ArrayBuffer.isView(body) && !(body instanceof ArrayBuffer)) {
		return body as IDataObject;
	}
	const text = bodyToText(body).trim();
	if (!text.startsWith('{')) return undefined;
	try {
		const parsed: unknown = JSON.parse(text);
		return parsed && typeof parsed === 'object' ? (parsed as IDataObject) : undefined;
	} catch {
		return undefined;
	}
}

function excerpt(text: string): string | undefined {
	const plain = text
		.replace(/<script[\s\S]*?<\/script>/gi, ' ')
		.replace(/<style[\s\S]*?<\/style>/gi, ' ')
		.replace(/<[^>]+>/g, ' ')
		.replace(/\s+/g, ' ')
		.trim();
	if (!plain) return undefined;
	return plain.length > 160 ? `${plain.slice(0, 157)}…` : plain;
}

function asString(value: unknown): string | undefined {
	return typeof value === 'string' && value !== '' ? value : undefined;
}

/** Reads the API's error envelope (contract §13) from a non-2xx response, tolerating any body. */
export function readApiFailure(response: IN8nHttpFullResponse): ApiFailure {
	const envelope = bodyToObject(response.body);
	const error = (envelope?.error && typeof envelope.error === 'object' ? envelope.error : {}) as IDataObject;
	const failure: ApiFailure = {
		status: response.statusCode,
		type: asString(error.type),
		code: asString(error.code),
		apiMessage: asString(error.message) ?? asString(envelope?.message),
		param: asString(error.param),
		requestId: asString(envelope?.request_id) ?? headerValue(response.headers, 'x-request-id'),
		retryAfterSeconds: parseRetryAfter(headerValue(response.headers, 'retry-after')),
	};
	if (!envelope) failure.bodyExcerpt = excerpt(bodyToText(response.body));
	return failure;
}

/** A failure without any HTTP response (the connection dropped, timed out, or was refused). */
export function transportFailure(error: unknown): ApiFailure {
	const candidate = error as { code?: unknown; cause?: { code?: unknown }; message?: unknown };
	const code =
		asString(candidate?.cause?.code) ??
		asString(candidate?.code) ??
		(/timeout/i.test(String(candidate?.message ?? '')) ? 'ETIMEDOUT' : undefined);
	return { status: 0, transportCode: code };
}

export function isRateLimited(failure: ApiFailure): boolean {
	return failure.status === 429 && failure.code !== 'quota_exceeded';
}

function humanDuration(seconds: number): string {
	if (seconds < 90) return `${Math.ceil(seconds)} seconds`;
	if (seconds < 90 * 60) return `${Math.round(seconds / 60)} minutes`;
	if (seconds < 36 * 3600) return `${Math.round(seconds / 3600)} hours`;
	return `${Math.round(seconds / 86400)} days`;
}

function paramLabel(param: string): string {
	const labels: Record<string, string> = {
		bpmn_xml: 'BPMN XML',
		folder_id: 'Folder ID',
		parent_id: 'Parent Folder ID',
		prompt: 'Prompt',
		name: 'Name',
		theme: 'Theme',
		format: 'Format',
		limit: 'Limit',
		cursor: 'cursor',
		context: 'Context',
	};
	return labels[param] ?? param;
}

/** Message (what happened) and description (how to fix it) for a failure, in n8n's words. */
export function explainFailure(failure: ApiFailure, context: FailureContext): { message: string; description: string } {
	const { status, code, param } = failure;
	const apiSays = failure.apiMessage ? ` The API says: "${failure.apiMessage}"` : '';
	const what = context.resource === 'folder' ? 'folder' : context.resource === 'generate' ? 'generation' : 'diagram';
	let message: string;
	let fix: string;

	if (status === 0) {
		const timedOut = failure.transportCode === 'ETIMEDOUT' || failure.transportCode === 'ECONNABORTED';
		message = timedOut
			? 'Just Flow It did not answer in time'
			: 'The connection to Just Flow It was interrupted before an answer arrived';
		fix = context.isPost
			? 'The request may still have been carried out, so it was not repeated automatically (that could create a duplicate or use generation quota twice). Check in Just Flow It, then run the node again.'
			: 'The node already retried. Check that the Base URL in the credential is right and that Just Flow It is reachable, then run again.';
	} else if (code === 'missing_api_key') {
		message = 'Just Flow It received no secret key';
		fix = 'Open the Just Flow It credential and paste your secret key.';
	} else if (code === 'invalid_api_key' || (status === 401 && !code)) {
		message = 'Just Flow It did not recognise the secret key';
		fix = 'Check the secret key and the Environment in the credential; create a new key under Settings → API keys if needed.';
	} else if (code === 'revoked_api_key') {
		message = 'The secret key has been revoked';
		fix = 'Create a new key in Just Flow It under Settings → API keys and put it in the credential.';
	} else if (code === 'expired_api_key') {
		message = 'The secret key has expired';
		fix = 'Create a new key in Just Flow It under Settings → API keys and put it in the credential.';
	} else if (code === 'plan_required') {
		message = "The Just Flow It account's plan does not include the API";
		fix = 'The API needs a Pro or Team plan. Upgrade the account that owns this key.';
	} else if (code === 'quota_exceeded') {
		const when = failure.retryAfterSeconds !== undefined ? ` It frees up again in about ${humanDuration(failure.retryAfterSeconds)}.` : '';
		message = 'The AI generation quota of this account is used up';
		fix = `The quota is 500 generations per rolling 30 days.${when} Other operations, rendering included, still work.`;
	} else if (code === 'insufficient_scope' || status === 403) {
		message = `The secret key lacks the "${context.scope}" scope this operation needs`;
		fix = `Create a key with the "${context.scope}" scope in Just Flow It under Settings → API keys (scopes are chosen when a key is created).`;
	} else if (status === 404) {
		if (param === 'folder_id' || param === 'parent_id') {
			message = `The folder given in ${paramLabel(param)} was not found`;
			fix = 'Pick the folder from the list, or check its ID. Folders of another account or environment are not visible to this key.';
		} else {
			message = `The ${what} was not found`;
			fix = `Check the ${what} ID. It may have been deleted, or belong to another account or environment (live and test keys see separate data).`;
		}
	} else if (status === 409 && context.resource === 'folder' && context.operation === 'delete') {
		message = 'The folder is not empty, so it was not deleted';
		fix = 'Move or delete its diagrams and sub-folders first, then delete the folder.';
	} else if (status === 409) {
		message = `Just Flow It did not make the change because it conflicts with the ${what} as it is now`;
		fix = `Get the ${what} again, check the values, and retry.${apiSays}`;
	} else if (status === 422 && param === 'parent_id') {
		message = 'The folder cannot be moved into itself or one of its sub-folders';
		fix = 'Choose a parent folder outside this folder, or "root" for the top level.';
	} else if (status === 422) {
		message = `Just Flow It rejected the BPMN${failure.apiMessage ? `: ${failure.apiMessage}` : ''}`;
		fix = 'Send a well-formed BPMN 2.0 XML document (root element "definitions" in the BPMN 2.0 MODEL namespace, with at least one process).';
	} else if (code === 'payload_too_large' || status === 413) {
		message = 'The request was too large for Just Flow It';
		fix = 'BPMN imports may be at most 5 MiB. Remove embedded data or split the diagram.';
	} else if (code === 'invalid_cursor') {
		message = 'The list position expired while the node was paging through results';
		fix = 'Run the node again; it starts the list from the beginning.';
	} else if (status === 400) {
		message = param ? `The value of ${paramLabel(param)} was not accepted` : 'Just Flow It did not accept the request';
		fix = `Check the node's parameters.${apiSays}`;
	} else if (status === 429) {
		message = 'Just Flow It kept answering "too many requests"';
		fix = `The node waited${context.waitedSeconds ? ` ${Math.round(context.waitedSeconds)} seconds` : ''} and retried, up to the most it may wait (Options → Max Wait on Rate Limit${context.maxWaitSeconds !== undefined ? `, now ${context.maxWaitSeconds} seconds` : ''}). Raise that option or process fewer items per run.`;
	} else if (status >= 500) {
		message = `Just Flow It could not process the request right now (HTTP ${status})`;
		fix = context.isPost
			? 'It was not repeated automatically, because that could create a duplicate or use generation quota twice. Check in Just Flow It, then run again.'
			: 'The node retried a few times. Try again later; set the node to Retry On Fail for scheduled runs.';
	} else {
		message = `Just Flow It answered with HTTP ${status}`;
		fix = 'Check the node parameters and try again.';
	}

	const details: string[] = [];
	if (failure.apiMessage && !fix.includes(failure.apiMessage) && !message.includes(failure.apiMessage)) {
		details.push(`API message: ${failure.apiMessage}`);
	}
	if (!failure.apiMessage && failure.bodyExcerpt) details.push(`The response was not JSON: "${failure.bodyExcerpt}"`);
	if (code) details.push(`Code: ${code}`);
	if (param) details.push(`Parameter: ${param}`);
	if (failure.transportCode) details.push(`Network code: ${failure.transportCode}`);
	if (failure.requestId) details.push(`Request ID: ${failure.requestId}`);
	return { message, description: [fix, ...details].join('\n') };
}

/** A NodeApiError that also keeps the decoded failure, so the node can decide on retries. */
export class JustFlowItApiError extends NodeApiError {
	readonly apiFailure: ApiFailure;

	/** How many times the request was sent before this answer. */
	readonly attempts: number;

	constructor(node: INode, failure: ApiFailure, context: FailureContext, itemIndex?: number) {
		const { message, description } = explainFailure(failure, context);
		const errorResponse: JsonObject = {
			status: failure.status,
			...(failure.type ? { type: failure.type } : {}),
			...(failure.code ? { code: failure.code } : {}),
			...(failure.param ? { param: failure.param } : {}),
			...(failure.apiMessage ? { message: failure.apiMessage } : {}),
			...(failure.requestId ? { request_id: failure.requestId } : {}),
		};
		super(node, errorResponse, {
			message,
			description,
			httpCode: failure.status ? String(failure.status) : null,
			itemIndex,
		} as ConstructorParameters<typeof NodeApiError>[2]);
		this.apiFailure = failure;
		this.attempts = context.attempts ?? 1;
	}
}

/** An error as n8n shows it: n8n's own errors pass through, anything else is wrapped. */
export function asNodeError(node: INode, error: unknown, itemIndex?: number): NodeApiError | NodeOperationError {
	if (error instanceof NodeApiError || error instanceof NodeOperationError) return error;
	return new NodeOperationError(node, error instanceof Error ? error : String(error), { itemIndex });
}
