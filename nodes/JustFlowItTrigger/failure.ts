/**
 * Why a poll failed, declared on the error as n8n 2.41's poll scheduler reads it
 * (`error.failure`, n8n-workflow's `Failure`): it backs off until the reset time on rate limits
 * and quotas, a while on outages, and long on what a user has to fix. Older n8n ignores it.
 */
import { NodeOperationError } from 'n8n-workflow';
import type { IDataObject, INode } from 'n8n-workflow';

import { RequestFailedError } from '../JustFlowIt/shared/errors';
import { headerValue } from '../JustFlowIt/shared/http';
import { systemClock } from '../JustFlowIt/shared/clock';

/** n8n-workflow's `Failure` (n8n 2.41), spelled out: the peer dependency may be older. */
type PollFailure =
	| { cause: 'rate-limited' | 'quota-exhausted' | 'temporarily-unavailable'; retryAfterMs?: number; resetsAtEpochMs?: number }
	| { cause: 'credential-invalid' | 'configuration-invalid' | 'node-defect' };

type WithFailure = Error & { failure?: unknown };

/**
 * When the key's rate-limit window ends, from the last `RateLimit-*` headers that said it was used
 * up (kept across polls of one trigger: a poll that gets no turn at all has no answer of its own).
 */
export class RateLimitSeen {
	private resetsAt: number | undefined;

	/** The reset time, while it is still ahead. */
	get resetsAtEpochMs(): number | undefined {
		return this.resetsAt !== undefined && this.resetsAt > systemClock.now() ? this.resetsAt : undefined;
	}

	/** Reads a 2xx answer's headers (RateLimit-* or X-RateLimit-*; Reset as delta seconds). */
	note(headers: IDataObject | undefined): void {
		const remaining = Number(headerValue(headers, 'ratelimit-remaining') ?? headerValue(headers, 'x-ratelimit-remaining'));
		const reset = Number(headerValue(headers, 'ratelimit-reset') ?? headerValue(headers, 'x-ratelimit-reset'));
		if (!Number.isFinite(remaining) || !Number.isFinite(reset) || reset < 0) return;
		if (remaining > 0) {
			this.resetsAt = undefined;
			return;
		}
		// A Reset above a year of seconds is an epoch time, not a delta.
		this.resetsAt = reset > 31_536_000 ? reset * 1000 : systemClock.now() + reset * 1000;
	}
}

function timed(
	cause: 'rate-limited' | 'quota-exhausted' | 'temporarily-unavailable',
	retryAfterSeconds: number | undefined,
	resetsAtEpochMs?: number,
): PollFailure {
	if (retryAfterSeconds !== undefined && retryAfterSeconds > 0) {
		return { cause, retryAfterMs: retryAfterSeconds * 1000, resetsAtEpochMs: systemClock.now() + retryAfterSeconds * 1000 };
	}
	return resetsAtEpochMs !== undefined ? { cause, resetsAtEpochMs } : { cause };
}

/** The cause of an error the API gave (or the lack of any answer). */
function causeOfApiError(error: RequestFailedError, rate: RateLimitSeen): PollFailure {
	const { status, code, retryAfterSeconds } = error.apiFailure;
	if (code === 'quota_exceeded') return timed('quota-exhausted', retryAfterSeconds);
	if (status === 429) return timed('rate-limited', retryAfterSeconds, rate.resetsAtEpochMs);
	if (status === 401) return { cause: 'credential-invalid' };
	// The key lacks the plan or scope to list: the user has to give the trigger another key.
	if (status === 403) return { cause: 'credential-invalid' };
	if (status === 0 || status >= 500) return timed('temporarily-unavailable', retryAfterSeconds);
	// Any other refusal (a Base URL that is not the API, a parameter the API rejects).
	return { cause: 'configuration-invalid' };
}

const seenByTrigger = new Map<string, RateLimitSeen>();

/** The rate-limit headers one trigger (workflow and node) saw last in this n8n process. */
export function rateLimitSeenBy(triggerKey: string): RateLimitSeen {
	let seen = seenByTrigger.get(triggerKey);
	if (!seen) {
		seen = new RateLimitSeen();
		seenByTrigger.set(triggerKey, seen);
	}
	return seen;
}

/**
 * Puts a declared cause on every error a poll throws (keeping one already there, with the
 * rate limit's reset time added when it lacks one), so n8n never has to guess.
 */
export function withDeclaredCause(node: INode, error: unknown, rate: RateLimitSeen): Error {
	const failed = (error instanceof Error ? error : new NodeOperationError(node, String(error))) as WithFailure;
	const declared = failed.failure as PollFailure | undefined;
	if (declared && typeof declared === 'object' && typeof declared.cause === 'string') {
		if (declared.cause === 'rate-limited' && !('resetsAtEpochMs' in declared) && rate.resetsAtEpochMs !== undefined) {
			failed.failure = { ...declared, resetsAtEpochMs: rate.resetsAtEpochMs };
		}
		return failed;
	}
	if (failed instanceof RequestFailedError) failed.failure = causeOfApiError(failed, rate);
	// Anything else the poll threw without a cause (a redirect the transport would not follow, a
	// credential it refused before sending, a list that would not end, a cancel): tried again later.
	else failed.failure = { cause: 'temporarily-unavailable' };
	return failed;
}

/** Whether the error means the key had no turn under the rate limit within the poll's time. */
export function isRateLimited(error: unknown): boolean {
	if ((error as WithFailure)?.failure && ((error as WithFailure).failure as PollFailure).cause === 'rate-limited') return true;
	return error instanceof RequestFailedError && error.apiFailure.status === 429 && error.apiFailure.code !== 'quota_exceeded';
}

/** Whether no HTTP answer came (a timeout, a dropped connection). */
export function isNoAnswer(error: unknown): boolean {
	return error instanceof RequestFailedError && error.apiFailure.status === 0;
}
