import { createHash } from 'crypto';
import { NodeOperationError } from 'n8n-workflow';
import type {
	ICredentialDataDecryptedObject,
	IDataObject,
	IExecuteSingleFunctions,
	IHttpRequestMethods,
	IHttpRequestOptions,
	ILoadOptionsFunctions,
	IN8nHttpFullResponse,
	IPollFunctions,
} from 'n8n-workflow';

import {
	allowedOrigin,
	authenticateOnBaseUrlOnly,
	findCredentialProblem,
	normalizeBaseUrl,
} from '../../../credentials/credentialSettings';
import { CREDENTIAL_TYPE, routeOf, scopeFor } from './constants';
import { asNodeError, MAX_WAIT_SETTING, readApiFailure, RequestFailedError } from './errors';
import { headerValue } from './http';
import type { ApiFailure, FailureContext } from './errors';
import { abortReason, sleepRealTime, systemClock } from './clock';
import { rateGateFor, RateGateTimeout } from './rateGate';
import type { RateGate } from './rateGate';
import { requestSettingsOf } from './requestSettings';
import type { RequestSettings } from './requestSettings';
import { rememberSecret, withoutSecretsInError } from './secrets';

/**
 * The one module that sends requests to Just Flow It, and the policy it sends them with.
 *
 * Every request the node makes (the declared one, follow-ups, picker searches, trigger pages) is
 * sent as one or more *attempts* (the first, each retry, each redirect hop): a URL, and whether
 * the key goes with it (only to the base URL's origin; any other host gets a plain request with no
 * credential). Each attempt is sent under the item's Settings (Proxy, Ignore SSL Issues, Timeout)
 * and its outcome handled here, by the rows of REQUEST_POLICY:
 *
 * | outcome                                    | GET, PATCH, DELETE                  | POST                        |
 * |--------------------------------------------|-------------------------------------|-----------------------------|
 * | 2xx                                        | done                                | done                        |
 * | 3xx with an http(s) Location               | follow: the next attempt (at most 5 hops), under this same policy; a 303 (and a 301/302 after a POST) becomes a GET without a body, any other keeps method and body | same |
 * | 3xx without Location, to a non-URL or to another scheme, or a 6th hop | fail  | fail                        |
 * | 429 rate_limit_exceeded                    | wait Retry-After (5 s if absent), send again | same (a 429 was not carried out) |
 * | 429/403/402 quota_exceeded                 | fail                                | fail                        |
 * | 5xx                                        | back off 1, 2, 4 s (or Retry-After up to 30 s), send again | fail (it may have been carried out) |
 * | no HTTP answer (dropped, refused, timeout, body cut off) | as 5xx                 | fail                        |
 * | cancel of the execution (checked before every attempt and after every wait, not an answer) | stop at once: a wait ends, an attempt in flight is aborted, nothing is sent again | same |
 * | any other 4xx                              | fail with an explanation            | same                        |
 * | DELETE answered 404 after a 5xx or no answer | done: the first one went through  | —                           |
 *
 * Bounds: each attempt, headers and body together, within Settings → Timeout (n8n's 300 s when
 * unset; cut to what is left of a caller's deadline); n8n's own timeout only notices silence, so
 * a body that trickles would never end. Every wait for a turn under the rate limit (the key's rate
 * gate, and each Retry-After) counts against one budget per request, "Max Wait on Rate Limits"
 * (Settings → Request Options, default 300 s); it is checked before waiting, so the node fails at
 * once rather than wait past it. Backoff after 5xx waits at most 3 times 30 s. No attempt, wait or
 * retry runs past a caller's deadline (SendOptions). The execution's cancel signal ends every wait
 * within a second and aborts an attempt in flight.
 */
export const REQUEST_POLICY = {
	succeeded: { idempotent: 'done', post: 'done' },
	redirected: { idempotent: 'follow', post: 'follow' },
	rateLimited: { idempotent: 'wait, send again', post: 'wait, send again' },
	quotaUsedUp: { idempotent: 'fail', post: 'fail' },
	serverError: { idempotent: 'back off, send again', post: 'fail' },
	noAnswer: { idempotent: 'back off, send again', post: 'fail' },
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

/**
 * The largest answer the node reads (body bytes of one attempt). The API's largest answers are a
 * diagram's image or BPMN, a few MiB even for big diagrams; a body that goes on past this is a
 * proxy or a server sending without end, which would otherwise fill n8n's memory before
 * Settings → Timeout ends it.
 */
export const MAX_ANSWER_BYTES = 64 * 1024 * 1024;

type TransportContext = IExecuteSingleFunctions | IPollFunctions | ILoadOptionsFunctions;

/**
 * What a caller of `sendApiRequest` may set beyond the request itself: what the request is for
 * (read from the node's Resource and Operation when not given) and how long it may wait.
 */
export interface SendOptions {
	/** The resource the error messages name (and the scope a 403 asks for). */
	resource: string;
	/** The operation the error messages name. */
	operation: string;
	/**
	 * The request's budget for waits under the rate limit, in seconds, instead of the node's
	 * "Max Wait on Rate Limits" (list search in the editor waits less).
	 */
	maxRateLimitWaitSeconds?: number;
	/**
	 * A hard end (ms on `systemClock`), e.g. the trigger's poll budget: no attempt, wait or retry
	 * runs past it, and each attempt's timeout is cut to what is left.
	 */
	deadline?: number;
}

/**
 * What one request is sent with besides its options, read afresh for each request (the
 * credential, the item's Settings): the key's gate, the base URL, the bounds, the error wording.
 */
interface PreparedRequest {
	ctx: TransportContext;
	/** Only handed to the credential's own `authenticate`; never put into any text. */
	credentials: ICredentialDataDecryptedObject;
	gate: RateGate;
	baseUrl: string;
	apiOrigin: string;
	signal?: AbortSignal;
	settings: RequestSettings;
	maxWaitSeconds: number;
	deadline?: number;
	context: FailureContext;
}

/**
 * Sends one API request with the whole policy above. `request.url` is a path relative to the
 * credential's base URL (e.g. `/diagrams`) or an absolute URL (the key goes only to the API's
 * origin). Returns the full 2xx response (for a DELETE already carried out, a synthetic 204).
 */
export async function sendApiRequest(
	ctx: TransportContext,
	request: IHttpRequestOptions,
	sendOptions?: SendOptions,
): Promise<IN8nHttpFullResponse> {
	return await withoutKeyInErrors(async () => {
		const prepared = await prepareRequest(ctx, request.method, sendOptions, request.url);
		return await sendWithPolicy(prepared, firstAttempt(prepared, { ...request, baseURL: prepared.baseUrl }));
	});
}

/** Runs a public entry: whatever fails, the key is in no text of the error it throws. */
async function withoutKeyInErrors<T>(send: () => Promise<T>): Promise<T> {
	try {
		return await send();
	} catch (error) {
		// The HTTP client's own error (kept as the cause) holds the request, Authorization included.
		throw withoutSecretsInError(error);
	}
}

/** Reads and checks the credential, finds its key's gate, reads the bounds: once per request. */
async function prepareRequest(
	ctx: TransportContext,
	method: IHttpRequestMethods | undefined,
	sendOptions: SendOptions | undefined,
	url?: string,
): Promise<PreparedRequest> {
	const credentials = await ctx.getCredentials(CREDENTIAL_TYPE);
	rememberSecret(credentials.apiKey);
	const problem = findCredentialProblem(credentials);
	if (problem) {
		const error = new NodeOperationError(ctx.getNode(), problem.message, { description: problem.fix, ...itemOf(ctx) });
		// The trigger's poll scheduler (n8n 2.41) backs off until the credential is fixed.
		error.failure = { cause: 'credential-invalid' };
		throw error;
	}
	const baseUrl = normalizeBaseUrl(credentials.baseUrl);
	const route = routeOf(method, url, baseUrl);
	// One gate per key and base URL, found by a hash: the key itself is never kept.
	const fingerprint = createHash('sha256').update(`${baseUrl}\n${String(credentials.apiKey).trim()}`).digest('hex');
	const resource = sendOptions?.resource ?? String(readParameter(ctx, 'resource', ''));
	const operation = sendOptions?.operation ?? String(readParameter(ctx, 'operation', ''));
	const maxWaitSeconds = Math.max(
		0,
		Number(
			sendOptions?.maxRateLimitWaitSeconds ??
				readParameter(ctx, 'requestOptions.maxRateLimitWait', DEFAULT_MAX_RATE_LIMIT_WAIT_SECONDS),
		) || 0,
	);
	const settings = requestSettingsOf(ctx);
	return {
		ctx,
		credentials,
		gate: rateGateFor(fingerprint),
		baseUrl,
		apiOrigin: allowedOrigin(credentials.baseUrl),
		signal: cancelSignalOf(ctx),
		settings,
		maxWaitSeconds,
		deadline: sendOptions?.deadline,
		context: {
			resource,
			operation,
			// A 403 names the refused request's scope (an image download needs diagrams:read), and a
			// 404 on a path without an id blames the address.
			scope: route.scope ?? scopeFor(resource, operation),
			request: route,
			baseUrl,
			isPost: (method ?? 'GET').toUpperCase() === 'POST',
			maxWaitSeconds,
			...(settings.proxy ? { proxy: `${settings.proxy.host}:${settings.proxy.port}` } : {}),
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

/** One request on the wire: where it goes and whether the key goes with it. */
interface Attempt {
	/** The options as sent (a relative `url` with `baseURL` and `qs` for the first attempt). */
	options: IHttpRequestOptions;
	/** The absolute URL it goes to: decides the key and resolves a redirect's Location. */
	target: URL;
	/** Only an attempt to the base URL's origin carries the key. */
	withKey: boolean;
}

/** Stands for an attempt that got no HTTP answer, so the loop treats every attempt alike. */
type NoAnswer = IN8nHttpFullResponse & { statusCode: 0; transportCode?: string };

function firstAttempt(prepared: PreparedRequest, request: IHttpRequestOptions): Attempt {
	const target = targetUrl(request, prepared.baseUrl);
	const withKey = target.origin === prepared.apiOrigin;
	return { options: withKey ? request : plainRequest(request), target, withKey };
}

function methodOf(attempt: Attempt): string {
	return (attempt.options.method ?? 'GET').toUpperCase();
}

/** The loop that applies REQUEST_POLICY to every attempt of one request, retries and redirect hops included. */
async function sendWithPolicy(prepared: PreparedRequest, first: Attempt): Promise<IN8nHttpFullResponse> {
	const { gate, ctx } = prepared;
	const startedAt = systemClock.now();
	const deadline = prepared.deadline ?? Infinity;
	const waitBudgetEndsAt = Math.min(startedAt + prepared.maxWaitSeconds * 1000, deadline);
	let attempt = first;
	let hops = 0;
	let backoffs = 0;
	let earlierAttemptMayHaveArrived = false;
	for (;;) {
		throwIfCancelled(prepared);
		// The rate gate paces the key: only attempts that carry it take a turn.
		const ticket = attempt.withKey ? await acquireTurn(prepared, waitBudgetEndsAt, startedAt) : undefined;
		let response: IN8nHttpFullResponse | undefined;
		try {
			response = await sendAttempt(prepared, attempt);
		} finally {
			// The gate learns from every answer; an attempt without one only gives its turn back.
			const answer = response?.statusCode ? { status: response.statusCode, headers: response.headers as IDataObject } : undefined;
			if (ticket !== undefined) gate.release(ticket, answer);
		}
		const isPost = methodOf(attempt) === 'POST';
		if (attempt.withKey && isGoneOnRepeat(attempt, response, earlierAttemptMayHaveArrived)) {
			return { ...response, statusCode: 204, body: '' };
		}
		const { outcome, failure } = classify(prepared, attempt, response);
		const reaction = REQUEST_POLICY[outcome][isPost ? 'post' : 'idempotent'];
		if (reaction === 'done') return response;
		if (reaction === 'follow') {
			hops++;
			attempt = nextHop(prepared, attempt, response, hops);
			continue;
		}
		if (reaction === 'wait, send again') {
			// The API's word on when the key may send again holds for every request with it.
			const waitSeconds = failure.retryAfterSeconds ?? DEFAULT_RATE_LIMIT_WAIT_SECONDS;
			if (attempt.withKey) gate.closeFor(waitSeconds);
			if (systemClock.now() + waitSeconds * 1000 <= waitBudgetEndsAt) {
				// Another host has no turn in the key's gate: wait here instead.
				if (!attempt.withKey) await waitCancellably(prepared, waitSeconds * 1000);
				continue;
			}
		} else if (reaction === 'back off, send again' && backoffs < SERVER_RETRY_DELAYS_MS.length) {
			const delay =
				failure.retryAfterSeconds !== undefined
					? Math.min(failure.retryAfterSeconds * 1000, MAX_SERVER_RETRY_AFTER_MS)
					: SERVER_RETRY_DELAYS_MS[backoffs];
			// No retry that could not get its answer before the caller's deadline.
			if (systemClock.now() + delay >= deadline) {
				const waitedSeconds = (systemClock.now() - startedAt) / 1000;
				throw new RequestFailedError(ctx.getNode(), failure, { ...prepared.context, waitedSeconds }, itemOf(ctx).itemIndex);
			}
			backoffs++;
			earlierAttemptMayHaveArrived = true;
			await waitCancellably(prepared, delay);
			continue;
		}
		const waitedSeconds = (systemClock.now() - startedAt) / 1000;
		throw new RequestFailedError(ctx.getNode(), failure, { ...prepared.context, isPost, waitedSeconds }, itemOf(ctx).itemIndex);
	}
}

/** Which row of REQUEST_POLICY an answer falls under, and for a failure what went wrong. */
function classify(prepared: PreparedRequest, attempt: Attempt, response: IN8nHttpFullResponse): { outcome: Outcome; failure: ApiFailure } {
	const status = response.statusCode;
	if (status >= 200 && status < 300) return { outcome: 'succeeded', failure: { status } };
	if (status >= 300 && status < 400) return { outcome: 'redirected', failure: { status } };
	const failure: ApiFailure =
		status === 0 ? { status, transportCode: (response as NoAnswer).transportCode } : readApiFailure(response);
	// Blamed on the host that gave it: an image host's refusal is not the API's.
	if (attempt.target.origin !== prepared.apiOrigin) failure.foreignHost = attempt.target.host;
	if (failure.code === 'quota_exceeded') return { outcome: 'quotaUsedUp', failure };
	if (status === 429) return { outcome: 'rateLimited', failure };
	if (status === 0) return { outcome: 'noAnswer', failure };
	if (status >= 500) return { outcome: 'serverError', failure };
	return { outcome: 'otherRefusal', failure };
}

/**
 * A DELETE answered 404 after an earlier attempt got a 5xx or no answer: that attempt went
 * through and only its answer was lost. A 404 after 429s is a real 404 (a 429 deletes nothing).
 */
function isGoneOnRepeat(attempt: Attempt, response: IN8nHttpFullResponse, earlierAttemptMayHaveArrived: boolean): boolean {
	return methodOf(attempt) === 'DELETE' && response.statusCode === 404 && earlierAttemptMayHaveArrived;
}

/** Waits for the key's rate gate, within what is left of the request's wait budget. */
async function acquireTurn(prepared: PreparedRequest, waitBudgetEndsAt: number, startedAt: number): Promise<number> {
	try {
		return await prepared.gate.acquire({
			maxWaitMs: Math.max(0, waitBudgetEndsAt - systemClock.now()),
			signal: prepared.signal,
		});
	} catch (error) {
		throwIfCancelled(prepared);
		if (!(error instanceof RateGateTimeout)) throw asNodeError(prepared.ctx.getNode(), error, itemOf(prepared.ctx).itemIndex);
		const waited = Math.round((systemClock.now() - startedAt) / 1000);
		const outOfTurn = new NodeOperationError(prepared.ctx.getNode(), 'The node ran out of time waiting for a turn under the Just Flow It rate limit', {
			description: `Just Flow It allows a limited number of requests per minute for each key, and other requests with the same key used them up. The node waited ${waited} seconds of the ${prepared.maxWaitSeconds} it may wait (${MAX_WAIT_SETTING}). Raise that setting, or process fewer items per run.`,
			...itemOf(prepared.ctx),
		});
		// Why it failed, as n8n 2.41's poll scheduler reads it (older n8n ignores it).
		outOfTurn.failure = { cause: 'rate-limited' };
		throw outOfTurn;
	}
}

async function waitCancellably(prepared: PreparedRequest, ms: number): Promise<void> {
	try {
		await systemClock.sleep(ms, prepared.signal);
	} finally {
		throwIfCancelled(prepared);
	}
}

function throwIfCancelled(prepared: PreparedRequest): void {
	if (!prepared.signal?.aborted) return;
	throw new NodeOperationError(prepared.ctx.getNode(), 'The execution was cancelled', {
		description: 'The request to Just Flow It was stopped because the execution was cancelled.',
		...itemOf(prepared.ctx),
	});
}

/**
 * The signal one attempt is sent with: it aborts when the execution is cancelled or when
 * Settings → Timeout has passed since the attempt began, whatever arrived by then. `end()` stops
 * the deadline's sleep and drops the listener on the execution's signal, so nothing outlives the
 * attempt (thousands of items share that signal).
 */
function boundAttempt(prepared: PreparedRequest, timeoutMs: number): { signal: AbortSignal; timedOut: () => boolean; end: () => void } {
	const attempt = new AbortController();
	const deadline = new AbortController();
	let timedOut = false;
	const cancel = prepared.signal;
	const onCancel = () => attempt.abort();
	cancel?.addEventListener('abort', onCancel, { once: true });
	if (cancel?.aborted) attempt.abort();
	// Settings → Timeout is wall time, never the simulated time tests may give systemClock.
	sleepRealTime(timeoutMs, deadline.signal).then(
		() => {
			timedOut = true;
			attempt.abort();
		},
		() => undefined,
	);
	return {
		signal: attempt.signal,
		timedOut: () => timedOut,
		end: () => {
			deadline.abort();
			cancel?.removeEventListener('abort', onCancel);
		},
	};
}

/** Settings → Timeout, cut to what is left before the caller's deadline (the trigger's poll budget). */
function attemptTimeoutMs(prepared: PreparedRequest): number {
	if (prepared.deadline === undefined) return prepared.settings.timeoutMs;
	return Math.max(1, Math.min(prepared.settings.timeoutMs, Math.floor(prepared.deadline - systemClock.now())));
}

/**
 * Sends one attempt under the item's Settings; redirects and status handling are the loop's,
 * not the HTTP client's. Returns the answer, or a NoAnswer when none came in time.
 */
async function sendAttempt(prepared: PreparedRequest, attempt: Attempt): Promise<IN8nHttpFullResponse> {
	const timeoutMs = attemptTimeoutMs(prepared);
	const bound = boundAttempt(prepared, timeoutMs);
	let answer: IN8nHttpFullResponse | undefined;
	try {
		const options: IHttpRequestOptions = {
			...attempt.options,
			timeout: timeoutMs,
			proxy: prepared.settings.proxy,
			skipSslCertificateValidation: prepared.settings.skipSslCertificateValidation,
			returnFullResponse: true,
			ignoreHttpStatusErrors: true,
			disableFollowRedirect: true,
			abortSignal: bound.signal,
		};
		// n8n's httpRequestWithAuthentication puts the execution's signal over ours (so the
		// Timeout could not end a trickling body): the key is added here, by the same check the
		// credential runs on n8n 1.x (it refuses any origin but the Base URL's).
		const sent = attempt.withKey ? await withKey(prepared, options) : options;
		// The body comes as a stream and is read here, so that no answer can grow past
		// MAX_ANSWER_BYTES; it is then handed on as n8n's client would have given it.
		answer = (await prepared.ctx.helpers.httpRequest({ ...sent, encoding: 'stream' })) as IN8nHttpFullResponse;
		const body = answer.body as unknown;
		// A client that gave the body whole (no stream) has already read it: it is passed on as it came.
		if (!isReadable(body)) return answer;
		const bytes = await readAnswerBytes(prepared, attempt, answer, body, bound.signal);
		return { ...answer, body: asClientGivesIt(bytes, attempt.options.encoding) as IN8nHttpFullResponse['body'] };
	} catch (error) {
		throwIfCancelled(prepared);
		if (bound.timedOut()) return noAnswer('ETIMEDOUT');
		if (answer && isUndecodable(error)) throw undecodableAnswer(prepared, attempt, answer);
		if (!isNoAnswer(error)) throw asNodeError(prepared.ctx.getNode(), error, itemOf(prepared.ctx).itemIndex);
		return noAnswer(transportCode(error));
	} finally {
		bound.end();
	}
}

/** Reads a streamed body whole, up to MAX_ANSWER_BYTES; stops (and fails) at the first byte past it. */
async function readAnswerBytes(
	prepared: PreparedRequest,
	attempt: Attempt,
	response: IN8nHttpFullResponse,
	body: ReadableBody,
	signal: AbortSignal,
): Promise<Buffer> {
	// A timeout or cancel ends the read even where the HTTP client would not end the stream.
	const stop = () => body.destroy(abortReason(signal));
	signal.addEventListener('abort', stop, { once: true });
	try {
		const chunks: Buffer[] = [];
		let size = 0;
		for await (const chunk of body) {
			const bytes = Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk as string);
			size += bytes.length;
			if (size > MAX_ANSWER_BYTES) {
				body.destroy();
				throw answerTooLarge(prepared, attempt, response);
			}
			chunks.push(bytes);
		}
		return Buffer.concat(chunks, size);
	} finally {
		signal.removeEventListener('abort', stop);
	}
}

type ReadableBody = NodeJS.ReadableStream & { destroy(error?: Error): void };

function isReadable(body: unknown): body is ReadableBody {
	if (!body || typeof body !== 'object') return false;
	const stream = body as { [Symbol.asyncIterator]?: unknown; destroy?: unknown };
	return typeof stream[Symbol.asyncIterator] === 'function' && typeof stream.destroy === 'function';
}

/**
 * A body as n8n's HTTP client (axios) gives it: the bytes for `encoding: 'arraybuffer'`, else the
 * text (UTF-8, without a byte order mark), parsed when it is JSON.
 */
function asClientGivesIt(bytes: Buffer, encoding: IHttpRequestOptions['encoding']): unknown {
	if (encoding === 'arraybuffer') return bytes;
	const text = bytes.toString('utf8').replace(/^\uFEFF/, '');
	if (!text) return text;
	try {
		return JSON.parse(text) as unknown;
	} catch {
		return text;
	}
}

/**
 * An answer that arrived but could not be read (too large, or not decodable): nothing is output and
 * the request is not sent again. `why` says what was wrong with it; the rest is the same advice.
 */
function unreadAnswer(
	prepared: PreparedRequest,
	attempt: Attempt,
	response: IN8nHttpFullResponse,
	{ message, why }: { message: (sender: string) => string; why: string },
): NodeOperationError {
	const requestId = headerValue(response.headers as IDataObject, 'x-request-id');
	const fromApi = attempt.target.origin === prepared.apiOrigin;
	const carriedOut = prepared.context.isPost
		? ' The request may have been carried out: look in Just Flow It before you run the node again.'
		: '';
	return new NodeOperationError(prepared.ctx.getNode(), message(fromApi ? 'Just Flow It' : attempt.target.host), {
		description:
			`${why}, and nothing was output.${carriedOut} ` +
			`Check the Base URL in the credential and Settings → Proxy, then run again; if it persists, contact Just Flow It support${requestId ? ` with the request ID ${requestId}` : ''}.`,
		...itemOf(prepared.ctx),
	});
}

function answerTooLarge(prepared: PreparedRequest, attempt: Attempt, response: IN8nHttpFullResponse): NodeOperationError {
	const limit = `${MAX_ANSWER_BYTES / 1024 / 1024} MiB`;
	return unreadAnswer(prepared, attempt, response, {
		message: (sender) => `The answer from ${sender} went on past ${limit}, so the node stopped reading it`,
		why: "No answer of the API is that large (a diagram's image or BPMN is a few MiB), so a proxy or a server in trouble is sending without end",
	});
}

/** zlib's and brotli's errors for bytes that are not what Content-Encoding says. */
function isUndecodable(error: unknown): boolean {
	return errorChain(error).some((link) => typeof link.code === 'string' && /^Z_|BROTLI|ZSTD/.test(link.code));
}

/** (The HTTP client drops Content-Encoding once it unpacks, so the header cannot be quoted.) */
function undecodableAnswer(prepared: PreparedRequest, attempt: Attempt, response: IN8nHttpFullResponse): NodeOperationError {
	return unreadAnswer(prepared, attempt, response, {
		message: (sender) => `The answer from ${sender} could not be unpacked: it said it was compressed, but its bytes are not`,
		why: 'A proxy or a server in trouble garbled the answer on the way',
	});
}

function noAnswer(code: string | undefined): NoAnswer {
	return { statusCode: 0, headers: {}, body: undefined, transportCode: code };
}

/** The attempt with the key, which `authenticateOnBaseUrlOnly` refuses to put on any origin but the API's. */
async function withKey(prepared: PreparedRequest, options: IHttpRequestOptions): Promise<IHttpRequestOptions> {
	return await authenticateOnBaseUrlOnly(prepared.credentials, options);
}

/** The absolute URL a request goes to. */
function targetUrl(request: IHttpRequestOptions, baseUrl: string): URL {
	const url = String(request.url ?? '');
	if (/^[a-z][a-z0-9+.-]*:/i.test(url) || url.startsWith('//')) return new URL(url, baseUrl);
	return new URL(`${(request.baseURL ?? baseUrl).replace(/\/+$/, '')}/${url.replace(/^\/+/, '')}`);
}

/**
 * The attempt a redirect asks for. Followed here rather than by n8n's HTTP client: n8n 1.85 to
 * 1.123.2x copy the Authorization header onto a redirect to another origin whatever the request
 * says, and a hop must go through the same policy as the first attempt. A hop to the API's origin
 * goes with the key; any other origin gets a plain request with no credential.
 */
function nextHop(prepared: PreparedRequest, from: Attempt, response: IN8nHttpFullResponse, hops: number): Attempt {
	const status = response.statusCode;
	const requestId = headerValue(response.headers as IDataObject, 'x-request-id');
	const idSentence = requestId ? ` Request ID: ${requestId}.` : '';
	const location = headerValue(response.headers as IDataObject, 'location');
	if (!location) {
		throw redirectError(
			prepared,
			`Just Flow It answered with a redirect (HTTP ${status}) that says nowhere to go`,
			`The answer had no Location header, so there was nothing to follow and nothing to output. Check that the Base URL in the credential is right; if it is, try again later or contact Just Flow It support.${idSentence}`,
		);
	}
	if (hops > MAX_REDIRECTS) {
		throw redirectError(
			prepared,
			'Just Flow It redirected the request too many times',
			`The node followed ${MAX_REDIRECTS} redirects and stopped. Check that the Base URL in the credential is right; if it is, try again later.${idSentence}`,
		);
	}
	let next: URL;
	try {
		next = new URL(location, from.target);
	} catch {
		throw redirectError(
			prepared,
			`Just Flow It answered with a redirect (HTTP ${status}) to an address that is not a URL`,
			`There was nothing the node could follow. Check that the Base URL in the credential is right; if it is, try again later or contact Just Flow It support.${idSentence}`,
		);
	}
	if (next.protocol !== 'http:' && next.protocol !== 'https:') {
		throw redirectError(
			prepared,
			`Just Flow It redirected the request to a "${next.protocol.replace(/:$/, '')}" address, which the node does not follow`,
			`The node follows redirects only to http and https addresses: another kind of address (a local file, an FTP server) is not an answer from the API. Check that the Base URL in the credential is right; if it is, contact Just Flow It support.${idSentence}`,
		);
	}
	// As the Fetch standard says: a 303, and a 301 or 302 after a POST, turn into a GET without a
	// body; any other redirect keeps the method and body. (Turning a PATCH or DELETE into a GET
	// would take the GET's 2xx for a change that was never made.)
	const method = (from.options.method ?? 'GET').toUpperCase();
	const becomesGet = status === 303 || ((status === 301 || status === 302) && method === 'POST');
	const withKey = next.origin === prepared.apiOrigin;
	const base = withKey ? from.options : plainRequest(from.options);
	return {
		options: {
			...base,
			method: becomesGet ? 'GET' : from.options.method,
			url: next.href,
			baseURL: undefined,
			qs: undefined,
			...(becomesGet ? { body: undefined } : {}),
		},
		target: next,
		withKey,
	};
}

function redirectError(prepared: PreparedRequest, message: string, description: string): NodeOperationError {
	return new NodeOperationError(prepared.ctx.getNode(), message, { description, ...itemOf(prepared.ctx) });
}

/** A request for a host that is not the API: no credential and none of the API's headers. */
function plainRequest(request: IHttpRequestOptions): IHttpRequestOptions {
	const contentType = headerValue(request.headers, 'content-type');
	return {
		method: request.method,
		url: request.url,
		qs: request.qs,
		body: request.body,
		encoding: request.encoding,
		json: request.json,
		headers: { Accept: headerValue(request.headers, 'accept') ?? '*/*', ...(contentType ? { 'Content-Type': contentType } : {}) },
	};
}

/**
 * Downloads a file from a link the API handed out (`image_url`, a JSON `url`): with the key
 * when the link is on the API's origin, without it anywhere else, through sendApiRequest.
 */
export async function downloadLink(
	ctx: TransportContext,
	link: string,
	request: Omit<IHttpRequestOptions, 'url'>,
	sendOptions?: SendOptions,
): Promise<IN8nHttpFullResponse> {
	// A link is read as a browser would read it on the API's page (`/x` is on its origin), not
	// as a path under the base URL, so it is made absolute first.
	const credentials = await ctx.getCredentials(CREDENTIAL_TYPE);
	const url = new URL(link, `${normalizeBaseUrl(credentials.baseUrl)}/`);
	return await sendApiRequest(ctx, { ...request, method: 'GET', url: url.href }, sendOptions);
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
	'ERR_STREAM_PREMATURE_CLOSE',
]);

/**
 * The HTTP client's words for a body cut off by a dropped connection (axios: "stream has been
 * aborted"; Node: "aborted", "Premature close"): the answer never arrived whole.
 */
const CUT_OFF_BODY = /stream has been aborted|^aborted$|premature close/i;

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
 * Whether no whole HTTP answer arrived (connection refused, dropped, timed out, or the body cut
 * off). Anything else thrown while sending — a cancel, a refused credential, a bug — is not a
 * network fault and is never retried.
 */
function isNoAnswer(error: unknown): boolean {
	return transportCode(error) !== undefined;
}

function transportCode(error: unknown): string | undefined {
	for (const link of errorChain(error)) {
		const message = String(link.message ?? '');
		if (typeof link.code === 'string' && NO_ANSWER_CODES.has(link.code)) return link.code;
		if (CUT_OFF_BODY.test(message)) return 'ECONNRESET';
		if (/socket hang up/i.test(message)) return 'ECONNRESET';
		if (/timeout of \d+ms exceeded/i.test(message)) return 'ETIMEDOUT';
	}
	return undefined;
}
