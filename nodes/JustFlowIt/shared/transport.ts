import { createHash } from 'crypto';
import { NodeOperationError } from 'n8n-workflow';
import type {
	IDataObject,
	IExecuteSingleFunctions,
	IHttpRequestMethods,
	IHttpRequestOptions,
	ILoadOptionsFunctions,
	IN8nHttpFullResponse,
	IPollFunctions,
} from 'n8n-workflow';

import { allowedOrigin, findCredentialProblem, normalizeBaseUrl } from '../../../credentials/credentialSettings';
import { CREDENTIAL_TYPE, scopeFor } from './constants';
import { asNodeError, headerValue, JustFlowItApiError, MAX_WAIT_SETTING, readApiFailure } from './errors';
import type { ApiFailure, FailureContext } from './errors';
import { rateGateFor, RateGateTimeout, systemClock } from './rateGate';
import type { RateGate } from './rateGate';

/**
 * The one module that sends requests to Just Flow It, and the policy it sends them with.
 *
 * | outcome                                    | GET, PATCH, DELETE                  | POST                        |
 * |--------------------------------------------|-------------------------------------|-----------------------------|
 * | 2xx                                        | done                                | done                        |
 * | 3xx with a Location                        | followed here (at most 5 hops); the key only to the base URL's origin | same |
 * | 429 rate_limit_exceeded                    | wait Retry-After (5 s if absent), send again | same (a 429 was not carried out) |
 * | 429/403/402 quota_exceeded                 | fail                                | fail                        |
 * | 5xx                                        | back off 1, 2, 4 s (or Retry-After up to 30 s), send again | fail (it may have been carried out) |
 * | no HTTP answer (dropped, refused, timeout) | as 5xx                              | fail                        |
 * | cancel of the execution                    | stop at once, never sent again      | same                        |
 * | any other 4xx                              | fail with an explanation            | same                        |
 * | DELETE answered 404 after a 5xx or no answer | done: the first one went through  | —                           |
 *
 * Bounds: every wait for a turn under the rate limit (the key's rate gate, and each Retry-After)
 * counts against one budget per request, "Max Wait on Rate Limits" (Settings → Request Options,
 * default 300 s); it is checked before waiting, so the node fails at once rather than wait past it.
 * Backoff after 5xx waits at most 3 times 30 s. The execution's cancel signal ends every wait
 * within a second and aborts a request in flight.
 */
export const REQUEST_POLICY = {
	rateLimited: { idempotent: 'wait, send again', post: 'wait, send again' },
	quotaUsedUp: { idempotent: 'fail', post: 'fail' },
	serverError: { idempotent: 'back off, send again', post: 'fail' },
	noAnswer: { idempotent: 'back off, send again', post: 'fail' },
	cancelled: { idempotent: 'fail', post: 'fail' },
	otherRefusal: { idempotent: 'fail', post: 'fail' },
} as const;

type Outcome = keyof typeof REQUEST_POLICY;

/** Backoff before sending again after a 5xx or no answer; its length is the number of retries. */
export const SERVER_RETRY_DELAYS_MS = [1000, 2000, 4000];

/** The longest a 5xx's Retry-After is honoured before a retry. */
const MAX_SERVER_RETRY_AFTER_MS = 30_000;

/** When a 429 carries no Retry-After, wait this long. */
export const DEFAULT_RATE_LIMIT_WAIT_SECONDS = 5;

/** Default of "Max Wait on Rate Limits" (seconds, per request, all waits for a turn together). */
export const DEFAULT_MAX_RATE_LIMIT_WAIT_SECONDS = 300;

/** Redirects followed per request. */
const MAX_REDIRECTS = 5;

/** Request timeout when the caller sets none (RoutingNode sets n8n's Settings → Timeout). */
const DEFAULT_TIMEOUT_MS = 300_000;

type TransportContext = IExecuteSingleFunctions | IPollFunctions | ILoadOptionsFunctions;

/** What the error messages say the request was for, and how long it may wait for a turn. */
export interface ApiWording {
	resource: string;
	operation: string;
	/** Overrides the node setting (list search in the editor waits less). */
	maxRateLimitWaitSeconds?: number;
	/**
	 * A hard end (ms on `systemClock`), e.g. the trigger's poll budget: no attempt, wait or retry
	 * runs past it, and each attempt's timeout is cut to what is left.
	 */
	deadline?: number;
}

/** Everything one request needs besides its options: the key's gate, the base URL, the bounds. */
interface Session {
	ctx: TransportContext;
	gate: RateGate;
	baseUrl: string;
	apiOrigin: string;
	signal?: AbortSignal;
	maxWaitSeconds: number;
	deadline?: number;
	context: FailureContext;
}

/**
 * Sends one API request with the whole policy above. `request.url` is a path relative to the
 * credential's base URL (e.g. `/diagrams`) or an absolute URL on the API's origin. Returns the
 * full 2xx response (for a DELETE already carried out, a synthetic 204).
 */
export async function sendApiRequest(
	ctx: TransportContext,
	request: IHttpRequestOptions,
	wording?: ApiWording,
): Promise<IN8nHttpFullResponse> {
	const session = await openSession(ctx, request.method, wording);
	return await sendWithPolicy(session, { ...request, baseURL: session.baseUrl });
}

async function openSession(
	ctx: TransportContext,
	method: IHttpRequestMethods | undefined,
	wording: ApiWording | undefined,
): Promise<Session> {
	const credentials = await ctx.getCredentials(CREDENTIAL_TYPE);
	const problem = findCredentialProblem(credentials);
	if (problem) throw new NodeOperationError(ctx.getNode(), problem.message, { description: problem.fix, ...itemOf(ctx) });
	const baseUrl = normalizeBaseUrl(credentials.baseUrl);
	// One gate per key and base URL, found by a hash: the key itself is never kept.
	const fingerprint = createHash('sha256').update(`${baseUrl}\n${String(credentials.apiKey).trim()}`).digest('hex');
	const resource = wording?.resource ?? String(readParameter(ctx, 'resource', ''));
	const operation = wording?.operation ?? String(readParameter(ctx, 'operation', ''));
	const maxWaitSeconds = Math.max(
		0,
		Number(
			wording?.maxRateLimitWaitSeconds ??
				readParameter(ctx, 'requestOptions.maxRateLimitWait', DEFAULT_MAX_RATE_LIMIT_WAIT_SECONDS),
		) || 0,
	);
	return {
		ctx,
		gate: rateGateFor(fingerprint),
		baseUrl,
		apiOrigin: allowedOrigin(credentials.baseUrl),
		signal: cancelSignalOf(ctx),
		maxWaitSeconds,
		deadline: wording?.deadline,
		context: {
			resource,
			operation,
			scope: scopeFor(resource, operation),
			isPost: (method ?? 'GET').toUpperCase() === 'POST',
			maxWaitSeconds,
		},
	};
}

function readParameter(ctx: TransportContext, name: string, fallback: unknown): unknown {
	try {
		return ctx.getNodeParameter(name, fallback as never) ?? fallback;
	} catch {
		return fallback;
	}
}

/** The execution's cancel signal, where this n8n version and context have one. */
export function cancelSignalOf(ctx: TransportContext): AbortSignal | undefined {
	const withSignal = ctx as { getExecutionCancelSignal?: () => AbortSignal | undefined };
	return typeof withSignal.getExecutionCancelSignal === 'function' ? withSignal.getExecutionCancelSignal() : undefined;
}

function itemOf(ctx: TransportContext): { itemIndex?: number } {
	const withItem = ctx as { getItemIndex?: () => number };
	return typeof withItem.getItemIndex === 'function' ? { itemIndex: withItem.getItemIndex() } : {};
}

/** Stands for an attempt that got no HTTP answer, so the loop treats every attempt alike. */
type NoAnswer = IN8nHttpFullResponse & { statusCode: 0; transportCode?: string };

/** The loop that applies REQUEST_POLICY. */
async function sendWithPolicy(session: Session, request: IHttpRequestOptions): Promise<IN8nHttpFullResponse> {
	const { gate, ctx } = session;
	const startedAt = systemClock.now();
	const deadline = session.deadline ?? Infinity;
	const waitBudgetEndsAt = Math.min(startedAt + session.maxWaitSeconds * 1000, deadline);
	let backoffs = 0;
	let earlierAttemptMayHaveArrived = false;
	for (;;) {
		throwIfCancelled(session);
		const ticket = await acquireTurn(session, waitBudgetEndsAt, startedAt);
		let response: IN8nHttpFullResponse;
		try {
			response = await sendToApi(session, withinDeadline(request, deadline));
		} catch (error) {
			gate.release(ticket, undefined);
			throwIfCancelled(session);
			if (!isNoAnswer(error)) throw asNodeError(ctx.getNode(), error, itemOf(ctx).itemIndex);
			response = { statusCode: 0, headers: {}, body: undefined, transportCode: transportCode(error) } as NoAnswer;
		}
		if (response.statusCode !== 0) {
			gate.release(ticket, { status: response.statusCode, headers: response.headers as IDataObject });
		}
		if (response.statusCode >= 300 && response.statusCode < 400) return await followRedirects(session, request, response);
		if (response.statusCode >= 200 && response.statusCode < 300) return response;
		if (isGoneOnRepeat(request, response, earlierAttemptMayHaveArrived)) return { ...response, statusCode: 204, body: '' };
		const failure: ApiFailure =
			response.statusCode === 0
				? { status: 0, transportCode: (response as NoAnswer).transportCode }
				: readApiFailure(response);
		const outcome = classify(failure);
		const reaction = REQUEST_POLICY[outcome][session.context.isPost ? 'post' : 'idempotent'];
		if (reaction === 'wait, send again') {
			// The API's word on when the key may send again holds for every request with it.
			const waitSeconds = failure.retryAfterSeconds ?? DEFAULT_RATE_LIMIT_WAIT_SECONDS;
			gate.closeFor(waitSeconds);
			if (systemClock.now() + waitSeconds * 1000 <= waitBudgetEndsAt) continue;
		} else if (reaction === 'back off, send again' && backoffs < SERVER_RETRY_DELAYS_MS.length) {
			const delay =
				failure.retryAfterSeconds !== undefined
					? Math.min(failure.retryAfterSeconds * 1000, MAX_SERVER_RETRY_AFTER_MS)
					: SERVER_RETRY_DELAYS_MS[backoffs];
			// No retry that could not get its answer before the caller's deadline.
			if (systemClock.now() + delay >= deadline) {
				const waitedSeconds = (systemClock.now() - startedAt) / 1000;
				throw new JustFlowItApiError(ctx.getNode(), failure, { ...session.context, waitedSeconds }, itemOf(ctx).itemIndex);
			}
			backoffs++;
			earlierAttemptMayHaveArrived = true;
			await waitCancellably(session, delay);
			continue;
		}
		const waitedSeconds = (systemClock.now() - startedAt) / 1000;
		throw new JustFlowItApiError(ctx.getNode(), failure, { ...session.context, waitedSeconds }, itemOf(ctx).itemIndex);
	}
}

/** The request with its timeout cut to what is left before the deadline (at least 1 ms). */
function withinDeadline(request: IHttpRequestOptions, deadline: number): IHttpRequestOptions {
	if (deadline === Infinity) return request;
	const left = Math.max(1, Math.floor(deadline - systemClock.now()));
	return { ...request, timeout: Math.min(request.timeout ?? DEFAULT_TIMEOUT_MS, left) };
}

function classify(failure: ApiFailure): Outcome {
	if (failure.code === 'quota_exceeded') return 'quotaUsedUp';
	if (failure.status === 429) return 'rateLimited';
	if (failure.status === 0) return 'noAnswer';
	if (failure.status >= 500) return 'serverError';
	return 'otherRefusal';
}

/**
 * A DELETE answered 404 after an earlier attempt got a 5xx or no answer: that attempt went
 * through and only its answer was lost. A 404 after 429s is a real 404 (a 429 deletes nothing).
 */
function isGoneOnRepeat(
	request: IHttpRequestOptions,
	response: IN8nHttpFullResponse,
	earlierAttemptMayHaveArrived: boolean,
): boolean {
	return (request.method ?? 'GET').toUpperCase() === 'DELETE' && response.statusCode === 404 && earlierAttemptMayHaveArrived;
}

/** Waits for the key's rate gate, within what is left of the request's wait budget. */
async function acquireTurn(session: Session, waitBudgetEndsAt: number, startedAt: number): Promise<number> {
	try {
		return await session.gate.acquire({
			maxWaitMs: Math.max(0, waitBudgetEndsAt - systemClock.now()),
			signal: session.signal,
		});
	} catch (error) {
		throwIfCancelled(session);
		if (!(error instanceof RateGateTimeout)) throw asNodeError(session.ctx.getNode(), error, itemOf(session.ctx).itemIndex);
		const waited = Math.round((systemClock.now() - startedAt) / 1000);
		const outOfTurn = new NodeOperationError(session.ctx.getNode(), 'The node ran out of time waiting for a turn under the Just Flow It rate limit', {
			description: `Just Flow It allows a limited number of requests per minute for each key, and other requests with the same key used them up. The node waited ${waited} seconds of the ${session.maxWaitSeconds} it may wait (${MAX_WAIT_SETTING}). Raise that setting, or process fewer items per run.`,
			...itemOf(session.ctx),
		});
		// Why it failed, as n8n 2.41's poll scheduler reads it (older n8n ignores it).
		outOfTurn.failure = { cause: 'rate-limited' };
		throw outOfTurn;
	}
}

async function waitCancellably(session: Session, ms: number): Promise<void> {
	try {
		await systemClock.sleep(ms, session.signal);
	} finally {
		throwIfCancelled(session);
	}
}

function throwIfCancelled(session: Session): void {
	if (!session.signal?.aborted) return;
	throw new NodeOperationError(session.ctx.getNode(), 'The execution was cancelled', {
		description: 'The request to Just Flow It was stopped because the execution was cancelled.',
		...itemOf(session.ctx),
	});
}

/** Common options of every hop: redirects and status handling are ours, not the HTTP client's. */
function hopOptions(session: Session, request: IHttpRequestOptions): IHttpRequestOptions {
	return {
		...request,
		timeout: request.timeout ?? DEFAULT_TIMEOUT_MS,
		returnFullResponse: true,
		ignoreHttpStatusErrors: true,
		disableFollowRedirect: true,
		...(session.signal ? { abortSignal: session.signal } : {}),
	};
}

/** One request to the API's own origin, with the key (the credential refuses any other origin). */
async function sendToApi(session: Session, request: IHttpRequestOptions): Promise<IN8nHttpFullResponse> {
	return (await session.ctx.helpers.httpRequestWithAuthentication.call(
		session.ctx,
		CREDENTIAL_TYPE,
		hopOptions(session, request),
	)) as IN8nHttpFullResponse;
}

/** The absolute URL a request goes to. */
function targetUrl(request: IHttpRequestOptions, baseUrl: string): URL {
	const url = String(request.url ?? '');
	if (/^[a-z][a-z0-9+.-]*:/i.test(url) || url.startsWith('//')) return new URL(url, baseUrl);
	return new URL(`${(request.baseURL ?? baseUrl).replace(/\/+$/, '')}/${url.replace(/^\/+/, '')}`);
}

/**
 * Follows redirects here rather than in n8n's HTTP client: n8n 1.85 to 1.123.2x copy the
 * Authorization header onto a redirect to another origin whatever the request says. A hop to
 * the API's origin goes with the key; any other origin gets a plain request with no credential.
 */
async function followRedirects(
	session: Session,
	request: IHttpRequestOptions,
	first: IN8nHttpFullResponse,
): Promise<IN8nHttpFullResponse> {
	let response = first;
	let from = targetUrl(request, session.baseUrl);
	for (let hop = 0; hop < MAX_REDIRECTS; hop++) {
		const location = headerValue(response.headers as IDataObject, 'location');
		if (!location) return response;
		const next = new URL(location, from);
		// 303, and 301/302 after a POST, turn into a GET without a body (as browsers and axios do).
		const keepsMethod = response.statusCode === 307 || response.statusCode === 308;
		const method = keepsMethod ? request.method : 'GET';
		const hopRequest: IHttpRequestOptions = {
			...request,
			method,
			url: next.href,
			baseURL: undefined,
			qs: undefined,
			...(keepsMethod ? {} : { body: undefined }),
		};
		throwIfCancelled(session);
		if (next.origin === session.apiOrigin) {
			response = await sendToApi(session, hopRequest);
		} else {
			response = await sendToForeignHost(session, hopRequest, next);
		}
		if (response.statusCode < 300 || response.statusCode >= 400) {
			if (response.statusCode >= 400) throw foreignOrApiFailure(session, response, next);
			return response;
		}
		from = next;
	}
	throw new NodeOperationError(session.ctx.getNode(), 'Just Flow It redirected the request too many times', {
		description: `The node followed ${MAX_REDIRECTS} redirects and stopped. Try again later.`,
		...itemOf(session.ctx),
	});
}

/** A request to a host that is not the API: no credential, only what the hop needs. */
async function sendToForeignHost(session: Session, request: IHttpRequestOptions, url: URL): Promise<IN8nHttpFullResponse> {
	const plain: IHttpRequestOptions = {
		method: request.method,
		url: url.href,
		encoding: request.encoding,
		json: request.json,
		headers: { Accept: headerValue(request.headers, 'accept') ?? '*/*' },
		timeout: request.timeout,
		proxy: request.proxy,
		skipSslCertificateValidation: request.skipSslCertificateValidation,
	};
	let noAnswer: unknown;
	try {
		return (await session.ctx.helpers.httpRequest(hopOptions(session, plain))) as IN8nHttpFullResponse;
	} catch (error) {
		throwIfCancelled(session);
		if (!isNoAnswer(error)) throw asNodeError(session.ctx.getNode(), error, itemOf(session.ctx).itemIndex);
		noAnswer = error;
	}
	throw new JustFlowItApiError(
		session.ctx.getNode(),
		{ status: 0, transportCode: transportCode(noAnswer), foreignHost: url.host },
		session.context,
		itemOf(session.ctx).itemIndex,
	);
}

function foreignOrApiFailure(session: Session, response: IN8nHttpFullResponse, url: URL): JustFlowItApiError {
	const failure = readApiFailure(response);
	if (url.origin !== session.apiOrigin) failure.foreignHost = url.host;
	return new JustFlowItApiError(session.ctx.getNode(), failure, session.context, itemOf(session.ctx).itemIndex);
}

/**
 * Downloads a file from a link the API handed out (`image_url`, a JSON `url`): with the key
 * when the link is on the API's origin (through the whole policy), without it anywhere else.
 */
export async function downloadLink(
	ctx: TransportContext,
	link: string,
	request: Omit<IHttpRequestOptions, 'url'>,
	wording?: ApiWording,
): Promise<IN8nHttpFullResponse> {
	const session = await openSession(ctx, 'GET', wording);
	const url = new URL(link, `${session.baseUrl}/`);
	const options: IHttpRequestOptions = { ...request, method: 'GET', url: url.href };
	if (url.origin === session.apiOrigin) return await sendWithPolicy(session, options);
	const response = await sendToForeignHost(session, options, url);
	if (response.statusCode >= 300 && response.statusCode < 400) return await followRedirects(session, options, response);
	if (response.statusCode >= 400) throw foreignOrApiFailure(session, response, url);
	return response;
}

const NO_ANSWER_CODES = new Set([
	'ECONNRESET',
	'ECONNREFUSED',
	'ECONNABORTED',
	'ETIMEDOUT',
	'ESOCKETTIMEDOUT',
	'EPIPE',
	'EAI_AGAIN',
	'ENOTFOUND',
	'EHOSTUNREACH',
	'ENETUNREACH',
	'ERR_SOCKET_CONNECTION_TIMEOUT',
]);

/** The error's chain: n8n wraps the HTTP client's error (NodeApiError → cause → AxiosError). */
function errorChain(error: unknown): Array<{ code?: unknown; message?: unknown; cause?: unknown }> {
	const chain: Array<{ code?: unknown; message?: unknown; cause?: unknown }> = [];
	let current = error as { code?: unknown; message?: unknown; cause?: unknown } | undefined;
	for (let depth = 0; current && typeof current === 'object' && depth < 5; depth++) {
		chain.push(current);
		current = current.cause as typeof current;
	}
	return chain;
}

/**
 * Whether no HTTP answer arrived (connection refused, dropped or timed out). Anything else thrown
 * while sending — a cancel, a refused credential, a bug — is not a network fault and is never
 * retried.
 */
function isNoAnswer(error: unknown): boolean {
	return errorChain(error).some(
		(link) =>
			(typeof link.code === 'string' && NO_ANSWER_CODES.has(link.code)) ||
			/socket hang up|timeout of \d+ms exceeded/i.test(String(link.message ?? '')),
	);
}

function transportCode(error: unknown): string | undefined {
	for (const link of errorChain(error)) {
		if (typeof link.code === 'string' && NO_ANSWER_CODES.has(link.code)) return link.code;
		if (/timeout/i.test(String(link.message ?? ''))) return 'ETIMEDOUT';
	}
	return undefined;
}
