import { createHash } from 'crypto';
import { NodeOperationError, sleep } from 'n8n-workflow';
import type {
	DeclarativeRestApiSettings,
	IDataObject,
	IExecutePaginationFunctions,
	IExecuteSingleFunctions,
	IHttpRequestOptions,
	ILoadOptionsFunctions,
	IN8nHttpFullResponse,
	INodeExecutionData,
	IPollFunctions,
} from 'n8n-workflow';

import { findCredentialProblem, normalizeBaseUrl } from '../../../credentials/credentialSettings';
import { CREDENTIAL_TYPE, scopeFor } from './constants';
import {
	asNodeError,
	JustFlowItApiError,
	isRateLimited,
	readApiFailure,
	transportFailure,
} from './errors';
import type { ApiFailure, FailureContext } from './errors';
import { rateGateFor } from './rateGate';
import type { RateGate } from './rateGate';

/** Retries of an idempotent request after a 5xx or a dropped connection. */
const SERVER_RETRY_DELAYS_MS = [1000, 2000, 4000];

/** When Retry-After is missing on a 429, wait this long. */
const DEFAULT_RATE_LIMIT_WAIT_SECONDS = 5;

/** Default for the node option "Max Wait on Rate Limit" (seconds, per request). */
export const DEFAULT_MAX_RATE_LIMIT_WAIT_SECONDS = 300;

export interface RequestScope {
	gate: RateGate;
	context: FailureContext;
}

/**
 * Checks the credential before anything is sent and returns what every request of this item
 * shares: the key's rate gate and the wording context for errors.
 */
export async function prepareRequestScope(
	ctx: IExecuteSingleFunctions,
	method: string | undefined,
): Promise<RequestScope> {
	const credentials = await ctx.getCredentials(CREDENTIAL_TYPE);
	const problem = findCredentialProblem(credentials);
	if (problem) {
		throw new NodeOperationError(ctx.getNode(), problem.message, {
			description: problem.fix,
			itemIndex: ctx.getItemIndex(),
		});
	}
	const fingerprint = createHash('sha256')
		.update(`${normalizeBaseUrl(credentials.baseUrl)}\n${String(credentials.apiKey).trim()}`)
		.digest('hex');
	const resource = ctx.getNodeParameter('resource', '') as string;
	const operation = ctx.getNodeParameter('operation', '') as string;
	const maxWaitSeconds = ctx.getNodeParameter(
		'requestOptions.maxRateLimitWait',
		DEFAULT_MAX_RATE_LIMIT_WAIT_SECONDS,
	) as number;
	return {
		gate: rateGateFor(fingerprint),
		context: {
			resource,
			operation,
			scope: scopeFor(resource, operation),
			isPost: (method ?? 'GET').toUpperCase() === 'POST',
			maxWaitSeconds,
		},
	};
}

/** Thrown inside a request attempt when the API answered with a non-2xx status. */
class FailedAnswer extends Error {
	constructor(
		readonly failure: ApiFailure,
		readonly headers: IDataObject | undefined,
	) {
		super(`HTTP ${failure.status}`);
	}
}

function failedAnswer(response: IN8nHttpFullResponse): FailedAnswer {
	return new FailedAnswer(readApiFailure(response), response.headers);
}

const NETWORK_CODES = new Set([
	'ECONNRESET',
	'ECONNREFUSED',
	'ECONNABORTED',
	'ETIMEDOUT',
	'ESOCKETTIMEDOUT',
	'EPIPE',
	'EAI_AGAIN',
	'ENOTFOUND',
	'EHOSTUNREACH',
	'ERR_BAD_RESPONSE',
	'ERR_SOCKET_CONNECTION_TIMEOUT',
]);

/** Whether an error means that no answer arrived (as opposed to a bug or a bad parameter). */
function isTransportError(error: unknown): boolean {
	let current = error as { code?: unknown; cause?: unknown; isAxiosError?: unknown; message?: unknown } | undefined;
	for (let depth = 0; current && depth < 4; depth++) {
		if (current.isAxiosError === true) return true;
		if (typeof current.code === 'string' && NETWORK_CODES.has(current.code)) return true;
		if (/socket hang up|timeout of \d+ms exceeded|aborted/i.test(String(current.message ?? ''))) return true;
		current = current.cause as typeof current;
	}
	return false;
}

/** A request attempt: it calls `answered` with the response headers as soon as the answer is in. */
type Attempt<T> = (answered: (headers: IDataObject | undefined) => void) => Promise<T>;

/**
 * Sends one request with the node's retry policy and returns what `attempt` returned:
 * - 429 rate_limit_exceeded: close the key's gate for Retry-After, then send again, for any method,
 *   until the node option "Max Wait on Rate Limit" would be exceeded;
 * - 5xx or no answer: send again with backoff, but only when the request is not a POST (a POST
 *   could create a duplicate or spend generation quota twice);
 * - anything else: a JustFlowItApiError with the API's code, param and request id.
 */
export async function sendWithRetries<T>(
	ctx: IExecuteSingleFunctions,
	scope: RequestScope,
	attempt: Attempt<T>,
): Promise<T> {
	const { gate, context } = scope;
	const maxWait = context.maxWaitSeconds ?? DEFAULT_MAX_RATE_LIMIT_WAIT_SECONDS;
	let waitedSeconds = 0;
	let serverRetries = 0;
	let attempts = 0;
	for (;;) {
		const ticket = await gate.acquire();
		attempts++;
		let released = false;
		const answered = (headers: IDataObject | undefined) => {
			if (released) return;
			released = true;
			gate.release(ticket, headers);
		};
		let failure: ApiFailure;
		try {
			const result = await attempt(answered);
			answered(undefined);
			return result;
		} catch (error) {
			answered(error instanceof FailedAnswer ? error.headers : undefined);
			if (error instanceof FailedAnswer) failure = error.failure;
			else if (!(error instanceof JustFlowItApiError) && isTransportError(error)) failure = transportFailure(error);
			else throw asNodeError(ctx.getNode(), error, ctx.getItemIndex());
		}
		if (isRateLimited(failure)) {
			const wait = failure.retryAfterSeconds ?? DEFAULT_RATE_LIMIT_WAIT_SECONDS;
			if (waitedSeconds + wait <= maxWait) {
				gate.closeFor(wait);
				waitedSeconds += wait;
				continue;
			}
		}
		const retryable = failure.status === 0 || failure.status >= 500;
		if (retryable && !context.isPost && serverRetries < SERVER_RETRY_DELAYS_MS.length) {
			const delay =
				failure.retryAfterSeconds !== undefined
					? Math.min(failure.retryAfterSeconds * 1000, 30_000)
					: SERVER_RETRY_DELAYS_MS[serverRetries];
			serverRetries++;
			await sleep(delay);
			continue;
		}
		throw new JustFlowItApiError(ctx.getNode(), failure, { ...context, waitedSeconds, attempts }, ctx.getItemIndex());
	}
}

/** The hook that lets the current attempt read the answer before the operation's postReceive. */
interface AnswerHook {
	onAnswer: (headers: IDataObject | undefined) => void;
}

const answerHooks = new WeakMap<object, AnswerHook>();

/**
 * Puts a first postReceive step in front of the operation's own: it reports the answer's
 * rate-limit headers and turns a non-2xx status into a FailedAnswer. RoutingNode runs the
 * postReceive steps of the request data it built (not of the copy handed to
 * makeRoutingRequest), so the step goes into that list once, and reads the current attempt
 * from the hook.
 */
function answerHookFor(requestData: DeclarativeRestApiSettings.ResultOptions): AnswerHook {
	const steps = requestData.postReceive;
	let hook = answerHooks.get(steps);
	if (!hook) {
		const created: AnswerHook = { onAnswer: () => {} };
		const readAnswer = async function (
			this: IExecuteSingleFunctions,
			items: INodeExecutionData[],
			response: IN8nHttpFullResponse,
		): Promise<INodeExecutionData[]> {
			created.onAnswer(response.headers);
			if (response.statusCode >= 400) throw failedAnswer(response);
			return items;
		};
		steps.unshift({ data: { parameterValue: undefined }, actions: [readAnswer] });
		answerHooks.set(steps, created);
		hook = created;
	}
	return hook;
}

/**
 * One routed request (built by n8n's RoutingNode from the node's routing) with the retry policy.
 * `makeRoutingRequest` applies the credential and then the operation's postReceive steps.
 */
export async function sendRoutedRequest(
	ctx: IExecutePaginationFunctions,
	scope: RequestScope,
	requestData: DeclarativeRestApiSettings.ResultOptions,
): Promise<INodeExecutionData[]> {
	const hook = answerHookFor(requestData);
	return await sendWithRetries(ctx, scope, async (answered) => {
		hook.onAnswer = answered;
		return await ctx.makeRoutingRequest.call(ctx, {
			...requestData,
			options: { ...requestData.options, qs: { ...requestData.options.qs } },
		});
	});
}

/** The API's base URL as configured in the credential. */
export async function apiBaseUrl(ctx: IExecuteSingleFunctions): Promise<string> {
	const credentials = await ctx.getCredentials(CREDENTIAL_TYPE);
	return normalizeBaseUrl(credentials.baseUrl);
}

/**
 * A request the node makes itself (polling, name look-ups, downloads), with the credential and
 * the same retry policy. Returns the full response of a 2xx answer.
 */
export async function apiRequest(
	ctx: IExecuteSingleFunctions,
	scope: RequestScope,
	options: Omit<IHttpRequestOptions, 'baseURL'>,
): Promise<IN8nHttpFullResponse> {
	const baseURL = await apiBaseUrl(ctx);
	const requestScope = { ...scope, context: { ...scope.context, isPost: (options.method ?? 'GET') === 'POST' } };
	return await sendWithRetries(ctx, requestScope, async (answered) => {
		const response = (await ctx.helpers.httpRequestWithAuthentication.call(ctx, CREDENTIAL_TYPE, {
			json: true,
			...options,
			baseURL,
			returnFullResponse: true,
			ignoreHttpStatusErrors: true,
		})) as IN8nHttpFullResponse;
		answered(response.headers);
		if (response.statusCode >= 400) throw failedAnswer(response);
		return response;
	});
}

// ============================================================================================
// TEMPORARY (branch `trigger`, issue 12): a thin sendApiRequest with the signature of the lead's
// new transport (issue 9), so the trigger can be built and tested before that lands on main.
// It checks the credential, sends ONE request with it and throws JustFlowItApiError on >= 400:
// no rate gate, no retries. The lead replaces this whole block with the real implementation.
// ============================================================================================

/** What a request was for, to word error messages. */
export interface ApiWording {
	resource: string;
	operation: string;
}

/**
 * Sends one API request. `request.url` is a path relative to the credential's base URL (e.g.
 * '/diagrams') or absolute. Returns the full 2xx response; throws a NodeApiError/NodeOperationError
 * explained for users.
 */
export async function sendApiRequest(
	ctx: IExecuteSingleFunctions | IPollFunctions | ILoadOptionsFunctions,
	request: IHttpRequestOptions,
	wording?: ApiWording,
): Promise<IN8nHttpFullResponse> {
	const credentials = await ctx.getCredentials(CREDENTIAL_TYPE);
	const problem = findCredentialProblem(credentials);
	if (problem) throw new NodeOperationError(ctx.getNode(), problem.message, { description: problem.fix });
	const absolute = /^[a-z][a-z0-9+.-]*:\/\//i.test(request.url);
	const response = (await ctx.helpers.httpRequestWithAuthentication.call(ctx, CREDENTIAL_TYPE, {
		json: true,
		...request,
		...(absolute ? {} : { baseURL: normalizeBaseUrl(credentials.baseUrl) }),
		returnFullResponse: true,
		ignoreHttpStatusErrors: true,
	})) as IN8nHttpFullResponse;
	if (response.statusCode >= 400) {
		const resource = wording?.resource ?? 'diagram';
		const operation = wording?.operation ?? 'get';
		throw new JustFlowItApiError(ctx.getNode(), readApiFailure(response), {
			resource,
			operation,
			scope: scopeFor(resource, operation),
			isPost: (request.method ?? 'GET').toUpperCase() === 'POST',
		});
	}
	return response;
}
