import { NodeApiError, NodeOperationError } from 'n8n-workflow';
import type { IDataObject, IN8nHttpFullResponse, INode, JsonObject } from 'n8n-workflow';

import { DEFAULT_BASE_URL } from '../../../credentials/credentialSettings';
import type { RequestRoute } from './constants';
import { bodyToObject, bodyToText, headerValue, parseRetryAfter } from './http';
import { redactedExcerpt, withoutAngleBrackets, withoutSecrets } from './secrets';

/** What went wrong with one request (to the API or another host), read from the answer or its absence. */
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
	/** Set when the failure came from a host other than the API (an image link or redirect target). */
	foreignHost?: string;
	/** What the answer's Content-Type said, for answers that were not what the operation expects. */
	contentType?: string;
}

/** Where the failure happened, to word the message for the user. */
export interface FailureContext {
	resource: string;
	operation: string;
	/** The scope the refused request needs (its method and path), named when the key lacks it. */
	scope: string;
	/** The request that was refused: a 404 on a path without an id blames the address. */
	request?: RequestRoute;
	/** The credential's Base URL as used, for advice on a wrong address. */
	baseUrl?: string;
	/** Whether the request was a POST (not safe to repeat blindly). */
	isPost: boolean;
	/** Seconds the node already waited on rate limits for this request. */
	waitedSeconds?: number;
	/** The most the request may wait on rate limits (the node setting, or the caller's SendOptions). */
	maxWaitSeconds?: number;
	/** Settings → Proxy as `host:port` (no credentials), when the request went through one. */
	proxy?: string;
}

function optionalText(change: (text: string) => string, text: string | undefined): string | undefined {
	return text === undefined ? undefined : change(text);
}

/** A non-empty string from the server, redacted (the server may echo the key anywhere). */
function asString(value: unknown): string | undefined {
	return typeof value === 'string' && value !== '' ? withoutSecrets(value) : undefined;
}

/** Reads the API's error envelope (contract §13) from a non-2xx response, tolerating any body. */
export function readApiFailure(response: IN8nHttpFullResponse): ApiFailure {
	const envelope = bodyToObject(response.body);
	const error = (envelope?.error && typeof envelope.error === 'object' ? envelope.error : {}) as IDataObject;
	const failure: ApiFailure = {
		status: response.statusCode,
		type: asString(error.type),
		code: asString(error.code),
		apiMessage: optionalText(withoutAngleBrackets, asString(error.message) ?? asString(envelope?.message)),
		param: asString(error.param),
		requestId: asString(envelope?.request_id) ?? asString(headerValue(response.headers, 'x-request-id')),
		retryAfterSeconds: parseRetryAfter(headerValue(response.headers, 'retry-after')),
	};
	if (!envelope) failure.bodyExcerpt = redactedExcerpt(bodyToText(response.body));
	return failure;
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

/** Where the user sets the bound on rate-limit waits (n8n shows `requestOptions` in Settings). */
export const MAX_WAIT_SETTING = 'Settings → Request Options → Max Wait on Rate Limits';

type Explanation = { message: string; fix: string };

/** No HTTP answer at all: the connection dropped, was refused, or timed out. */
function explainNoAnswer(failure: ApiFailure, context: FailureContext): Explanation {
	return { message: noAnswerMessage(failure, context), fix: noAnswerFix(failure, context) };
}

/**
 * What happened. Through a proxy the node only ever connects to the proxy: a refused connection
 * is the proxy's, and a timeout or a drop is named as going through it.
 */
function noAnswerMessage(failure: ApiFailure, context: FailureContext): string {
	if (context.proxy && failure.transportCode === 'ECONNREFUSED') return `The proxy ${context.proxy} refused the connection`;
	const who = failure.foreignHost ? `the image host ${failure.foreignHost}` : 'Just Flow It';
	const viaProxy = context.proxy ? ` through the proxy ${context.proxy}` : '';
	const timedOut = failure.transportCode === 'ETIMEDOUT' || failure.transportCode === 'ECONNABORTED';
	if (timedOut) return `${who.charAt(0).toUpperCase()}${who.slice(1)} did not answer in time${viaProxy}`;
	return `The connection to ${who}${viaProxy} was interrupted before an answer arrived`;
}

/** What to do: a POST is never repeated, but a refused connection sent nothing at all. */
function noAnswerFix(failure: ApiFailure, context: FailureContext): string {
	const checkProxy = context.proxy ? `Check that the proxy in Settings → Proxy (${context.proxy}) is running` : undefined;
	if (context.isPost && failure.transportCode === 'ECONNREFUSED') {
		return `The connection was refused, so nothing was sent and nothing was carried out. ${checkProxy ?? 'Check that the Base URL in the credential is right and that Just Flow It is reachable'}, then run the node again.`;
	}
	if (context.isPost) {
		return 'The request may still have been carried out, so it was not repeated automatically (that could create a duplicate or use generation quota twice). Check in Just Flow It, then run the node again.';
	}
	if (checkProxy) {
		return `The node already retried. ${checkProxy} and lets requests to the Base URL through, and that the Base URL in the credential is right, then run again.`;
	}
	return 'The node already retried. Check that the Base URL in the credential is right and that Just Flow It is reachable, then run again.';
}

/** An answer from a host that is not the API: an image link or the target of a redirect. */
function explainForeignHost(failure: ApiFailure, context: FailureContext): Explanation {
	const host = failure.foreignHost ?? 'another host';
	if (failure.status === 0) return explainNoAnswer(failure, context);
	const expired = failure.status === 401 || failure.status === 403 || failure.status === 404 || failure.status === 410;
	return {
		message: `The image link was refused by ${host} (HTTP ${failure.status})`,
		fix: expired
			? 'Just Flow It handed out a link that no longer works (signed links expire). Run the node again to get a fresh link. Your secret key is not the cause: it is never sent to other hosts.'
			: `The image host could not deliver the file right now. Try again later. Your secret key is not the cause: it is never sent to other hosts.`,
	};
}

function explain401(failure: ApiFailure): Explanation {
	switch (failure.code) {
		case 'missing_api_key':
			return { message: 'Just Flow It received no secret key', fix: 'Open the Just Flow It credential and paste your secret key.' };
		case 'revoked_api_key':
			return { message: 'The secret key has been revoked', fix: 'Create a new key in Just Flow It under Settings → API keys and put it in the credential.' };
		case 'expired_api_key':
			return { message: 'The secret key has expired', fix: 'Create a new key in Just Flow It under Settings → API keys and put it in the credential.' };
		case 'invalid_api_key':
			return {
				message: 'Just Flow It did not recognise the secret key',
				fix: 'Check the secret key and the Environment in the credential; create a new key under Settings → API keys if needed.',
			};
		default:
			return {
				message: 'Just Flow It did not accept the secret key',
				fix: 'Check the secret key and the Environment in the credential; create a new key under Settings → API keys if needed.',
			};
	}
}

function explainQuota(failure: ApiFailure): Explanation {
	const when =
		failure.retryAfterSeconds !== undefined ? ` It frees up again in about ${humanDuration(failure.retryAfterSeconds)}.` : '';
	return {
		message: 'The AI generation quota of this account is used up',
		fix: `The quota is 500 generations per rolling 30 days.${when} Other operations, rendering included, still work.`,
	};
}

/** The scope the API's own message names ("missing the required scope: diagrams:read"), if any. */
function scopeNamedByApi(apiMessage: string | undefined): string | undefined {
	if (!apiMessage) return undefined;
	return (
		/\b(?:diagrams|folders):(?:read|write)\b/.exec(apiMessage)?.[0] ??
		(/\bscopes?\W+generate\b|\bgenerate\W+scope\b/i.test(apiMessage) ? 'generate' : undefined)
	);
}

function explain403(failure: ApiFailure, requestContext: FailureContext): Explanation {
	const context = { ...requestContext, scope: scopeNamedByApi(failure.apiMessage) ?? requestContext.scope };
	if (failure.code === 'plan_required') {
		return { message: "The Just Flow It account's plan does not include the API", fix: 'The API needs a Pro or Team plan. Upgrade the account that owns this key.' };
	}
	if (failure.code === 'insufficient_scope') {
		return {
			message: `The secret key lacks the "${context.scope}" scope this operation needs`,
			fix: `Create a key with the "${context.scope}" scope in Just Flow It under Settings → API keys (scopes are chosen when a key is created).`,
		};
	}
	return {
		message: 'Just Flow It refused this operation for this key',
		fix: `The key may lack the "${context.scope}" scope, or the account's plan may not include the API (it needs Pro or Team). Check the key under Settings → API keys.`,
	};
}

/**
 * A 404 on a path that names no object (Get Many, Create, list search), or one that is not the
 * API's error envelope: the address is wrong, most often the credential's Base URL.
 */
function explainWrongAddress(context: FailureContext, request: RequestRoute, what: string): Explanation {
	// Shown without any user:password the Base URL may hold.
	let baseUrl = DEFAULT_BASE_URL;
	let basePath = '';
	try {
		const parsed = new URL(context.baseUrl ?? DEFAULT_BASE_URL);
		basePath = parsed.pathname.replace(/\/+$/, '');
		baseUrl = `${parsed.origin}${basePath}`;
	} catch {
		basePath = '';
	}
	const why = request.hasId
		? `The answer was not Just Flow It's (it has no error code), so the address is likely wrong rather than the ${what} missing.`
		: `This request names no ${what}, so it is the address that is wrong, not a missing ${what}.`;
	const unversioned = !/\/v\d+$/.test(basePath);
	const check = unversioned
		? `The credential's Base URL ${baseUrl} does not end in a version: Just Flow It's addresses start with /api/v1. Set the Base URL to ${DEFAULT_BASE_URL} (or your server's address ending in /api/v1).`
		: `Check the Base URL in the Just Flow It credential (the default is ${DEFAULT_BASE_URL}) and any proxy between n8n and Just Flow It.`;
	return { message: `The address ${request.method} ${request.address} was not found`, fix: `${why} ${check}` };
}

function explain404(failure: ApiFailure, context: FailureContext, what: string): Explanation {
	if (failure.param === 'folder_id' || failure.param === 'parent_id') {
		return {
			message: `The folder given in ${paramLabel(failure.param)} was not found`,
			fix: 'Pick the folder from the list, or check its ID. Folders of another account or environment are not visible to this key.',
		};
	}
	const request = context.request;
	if (request && (!request.hasId || (!failure.type && !failure.code))) return explainWrongAddress(context, request, what);
	const list = what === 'generation' ? '' : ` (Get Many lists the ${what}s with their IDs)`;
	return {
		message: `The ${what} was not found`,
		fix: `Check the ${what} ID${list}. It may have been deleted, or belong to another account or environment (live and test keys see separate data).`,
	};
}

function explain422(failure: ApiFailure, context: FailureContext, what: string): Explanation {
	if (failure.param === 'parent_id') {
		return { message: 'The folder cannot be moved into itself or one of its sub-folders', fix: 'Choose a parent folder outside this folder, or "root" for the top level.' };
	}
	const isBpmn = failure.param === 'bpmn_xml' || (context.resource === 'diagram' && context.operation === 'create');
	if (isBpmn) {
		return {
			message: `Just Flow It rejected the BPMN${failure.apiMessage ? `: ${failure.apiMessage}` : ''}`,
			fix: 'Send a well-formed BPMN 2.0 XML document (root element "definitions" in the BPMN 2.0 MODEL namespace, with at least one process).',
		};
	}
	return {
		message: failure.param
			? `Just Flow It could not accept the value of ${paramLabel(failure.param)}`
			: `Just Flow It could not accept the values for this ${what}`,
		fix: "Check the node's parameters against what the API says.",
	};
}

function explain400(failure: ApiFailure): Explanation {
	if (failure.code === 'invalid_cursor') {
		return { message: 'The list position expired while the node was paging through results', fix: 'Run the node again; it starts the list from the beginning.' };
	}
	if (failure.code === 'payload_too_large') return explainTooLarge();
	return {
		message: failure.param ? `The value of ${paramLabel(failure.param)} was not accepted` : 'Just Flow It did not accept the request',
		fix: "Check the node's parameters.",
	};
}

function explainTooLarge(): Explanation {
	return { message: 'The request was too large for Just Flow It', fix: 'BPMN imports may be at most 5 MiB. Remove embedded data or split the diagram.' };
}

function explain429(failure: ApiFailure, context: FailureContext): Explanation {
	if (failure.code === 'quota_exceeded') return explainQuota(failure);
	const bound = `${MAX_WAIT_SETTING}${context.maxWaitSeconds !== undefined ? `, now ${context.maxWaitSeconds} seconds` : ''}`;
	const waited = Math.round(context.waitedSeconds ?? 0);
	const asked = failure.retryAfterSeconds !== undefined ? `${Math.ceil(failure.retryAfterSeconds)} seconds` : 'a while';
	return {
		message: 'Just Flow It kept answering "too many requests"',
		fix:
			waited > 0
				? `The node waited ${waited} seconds and retried, up to the most it may wait (${bound}). Raise that setting or process fewer items per run.`
				: `Just Flow It asked the node to wait ${asked}, more than it may wait (${bound}). Raise that setting or process fewer items per run.`,
	};
}

/**
 * Advice for a read that failed after retries. Never given on an operation that POSTs (Create,
 * Generate's polls and downloads included): Retry On Fail runs the whole operation again, which
 * would create a duplicate or spend generation quota twice.
 */
export const RETRY_ON_FAIL_ADVICE = '; set the node to Retry On Fail for scheduled runs';

function explain5xx(failure: ApiFailure, context: FailureContext): Explanation {
	const retryOnFailIsSafe = !context.isPost && context.operation !== 'create';
	return {
		message: `Just Flow It could not process the request right now (HTTP ${failure.status})`,
		fix: context.isPost
			? 'It was not repeated automatically, because that could create a duplicate or use generation quota twice. Check in Just Flow It, then run again.'
			: `The node retried a few times. Try again later${retryOnFailIsSafe ? RETRY_ON_FAIL_ADVICE : ''}.`,
	};
}

/**
 * What happened and how to fix it, decided by the HTTP status first and refined by the API's
 * code (contract §13.3: the node must not depend on the exact code strings). Two codes win over
 * their status because the contract allows them under several: `quota_exceeded` (429, 403 or
 * 402) and `payload_too_large` (400 or 413).
 */
function explainByStatus(failure: ApiFailure, context: FailureContext): Explanation {
	const what =
		context.request?.object ?? (context.resource === 'folder' ? 'folder' : context.resource === 'generate' ? 'generation' : 'diagram');
	const { status } = failure;
	if (failure.foreignHost) return explainForeignHost(failure, context);
	if (status === 0) return explainNoAnswer(failure, context);
	if (failure.code === 'quota_exceeded') return explainQuota(failure);
	if (failure.code === 'payload_too_large' || status === 413) return explainTooLarge();
	if (status === 400) return explain400(failure);
	if (status === 401) return explain401(failure);
	if (status === 402) return explainQuota(failure);
	if (status === 403) return explain403(failure, context);
	if (status === 404) return explain404(failure, context, what);
	if (status === 409 && context.resource === 'folder' && context.operation === 'delete') {
		return { message: 'The folder is not empty, so it was not deleted', fix: 'Move or delete its diagrams and sub-folders first, then delete the folder.' };
	}
	if (status === 409) {
		return {
			message: `Just Flow It did not make the change because it conflicts with the ${what} as it is now`,
			fix: `Get the ${what} again, check the values, and retry.`,
		};
	}
	if (status === 422) return explain422(failure, context, what);
	if (status === 429) return explain429(failure, context);
	if (status >= 500) return explain5xx(failure, context);
	return { message: `Just Flow It answered with HTTP ${status}`, fix: "Check the node's parameters and try again." };
}

/** A sentence, ending with one full stop. */
export function sentence(text: string): string {
	return /[.!?"]$/.test(text) ? text : `${text}.`;
}

/**
 * Message (what happened), fix (what to do) and description (the fix, then what the API said):
 * sentences in one paragraph, because n8n's error panel shows the description as running text.
 */
function explainFailure(failure: ApiFailure, context: FailureContext): Explanation & { description: string } {
	const explanation = explainByStatus(failure, context);
	const { message } = explanation;
	const fix = sentence(explanation.fix);
	const parts = [fix];
	if (failure.apiMessage && !message.includes(failure.apiMessage)) parts.push(`The API says: "${failure.apiMessage}"`);
	if (!failure.apiMessage && failure.bodyExcerpt) parts.push(`The response was not JSON: "${failure.bodyExcerpt}"`);
	if (failure.code) parts.push(`Code: ${failure.code}.`);
	if (failure.param) parts.push(`Parameter: ${failure.param}.`);
	if (failure.transportCode) parts.push(`Network code: ${failure.transportCode}.`);
	if (failure.requestId) parts.push(`Request ID: ${failure.requestId}.`);
	return { message, fix, description: parts.join(' ') };
}

/**
 * A request that failed: the API refused it, another host (an image link, a redirect target)
 * refused it, or no answer came. The message and description say which and what to do; the
 * decoded failure is kept for the continue-on-fail item's fields and for the trigger (its poll's
 * cause, an expired cursor).
 */
export class RequestFailedError extends NodeApiError {
	readonly apiFailure: ApiFailure;

	/** What to do about it: the first sentences of the description. */
	readonly fix: string;

	constructor(node: INode, failure: ApiFailure, context: FailureContext, itemIndex?: number) {
		const { message, description, fix } = explainFailure(failure, context);
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
		this.fix = fix;
	}
}

/** What an error that says nothing else (a raw HTTP client error) tells the user to do. */
export const FALLBACK_DESCRIPTION =
	'The request to Just Flow It could not be completed. Run the node again; if it keeps failing, check the Base URL in the credential and Settings → Proxy, or contact Just Flow It support.';

/**
 * An error as n8n shows it: n8n's own errors pass through, anything else is wrapped; one without
 * a description gets one, so every refusal says what to do.
 */
export function asNodeError(node: INode, error: unknown, itemIndex?: number): NodeApiError | NodeOperationError {
	const nodeError =
		error instanceof NodeApiError || error instanceof NodeOperationError
			? error
			: new NodeOperationError(node, error instanceof Error ? error : String(error), { itemIndex });
	if (!String(nodeError.description ?? '').trim()) nodeError.description = FALLBACK_DESCRIPTION;
	return nodeError;
}
