import { sleep } from 'n8n-workflow';
import type { IDataObject } from 'n8n-workflow';

import { headerValue } from './errors';

/** Time as the gate sees it; tests hand in their own. */
export interface Clock {
	now(): number;
	sleep(ms: number, signal?: AbortSignal): Promise<void>;
}

/**
 * The real clock. Sleeps in steps of at most a second and looks at the signal between them,
 * because older n8n-workflow versions ignore `sleep`'s signal argument.
 */
export const systemClock: Clock = {
	now: () => Date.now(),
	async sleep(ms: number, signal?: AbortSignal): Promise<void> {
		const endsAt = Date.now() + ms;
		for (;;) {
			if (signal?.aborted) throw signal.reason instanceof Error ? signal.reason : new Error('Cancelled');
			const left = endsAt - Date.now();
			if (left <= 0) return;
			// A sleep cut short by the signal rejects; the loop's first line reports it.
			await sleep(Math.min(left, 1000), signal).catch(() => undefined);
		}
	},
};

/** No turn came within the wait the caller allowed. */
export class RateGateTimeout extends Error {
	constructor(readonly waitedMs: number) {
		super(`No turn under the rate limit within ${Math.round(waitedMs)} ms`);
	}
}

/** When a window's end is not reported, the documented window (contract §12) is assumed. */
const ASSUMED_WINDOW_MS = 60_000;

/**
 * Paces the requests made with one key so that many items running at once slow down before the
 * API's burst limit (contract §12) instead of running into it.
 *
 * n8n runs the items of a declarative node concurrently, so the gate is shared by every request
 * made with the same key in this n8n process. It learns the window from the `RateLimit-*` (or
 * `X-RateLimit-*`) headers. Each request gets a ticket in the order it was sent; an answer's
 * `RateLimit-Remaining`, minus the requests sent after that one, is a count the window surely
 * still has (the API may not have counted those yet). While that count lasts, requests pass;
 * when it is used up, the next ones wait for the window to end. A 429 closes the gate for every
 * request until `Retry-After` has passed.
 */
export class RateGate {
	/** Requests the current window surely still has, less those started since we learnt it. */
	private remaining: number | undefined;

	/** The window size the API reports (`RateLimit-Limit`). */
	private limit: number | undefined;

	/** When the current window ends (ms since epoch); 0 when unknown. */
	private windowEndsAt = 0;

	/** No request may start before this time (after a 429). */
	private closedUntil = 0;

	/** Requests sent so far (the last ticket handed out). */
	private started = 0;

	/** Requests sent and not yet answered. */
	private inFlight = 0;

	/** Requests waiting for a change (an answer, or their timer). */
	private waiters: Array<() => void> = [];

	/** Before the first answer, only this many requests go out, to learn the limits. */
	private static readonly FIRST_CONTACT_CONCURRENCY = 4;

	/** Window ends closer than this are taken as the same window (Reset is rounded up to seconds). */
	private static readonly SAME_WINDOW_SLACK_MS = 1500;

	/** The longest a waiting request waits before it looks at the gate again. */
	private static readonly RECHECK_MS = 250;

	/** Sent this long after the estimated end of a window, for clock and network jitter. */
	private static readonly WINDOW_MARGIN_MS = 50;

	/**
	 * Waits until a request may be sent and returns its ticket; the caller must hand the ticket
	 * to `release` when the request is answered (or failed).
	 */
	async acquire(options: { maxWaitMs: number; signal?: AbortSignal }): Promise<number> {
		const startedAt = Date.now();
		const deadline = startedAt + options.maxWaitMs;
		for (;;) {
			const now = Date.now();
			if (options.signal?.aborted) await systemClock.sleep(0, options.signal);
			if (this.closedUntil > now) {
				if (this.closedUntil > deadline) throw new RateGateTimeout(now - startedAt);
				await systemClock.sleep(this.closedUntil - now, options.signal);
				continue;
			}
			if (this.windowEndsAt && now >= this.windowEndsAt + RateGate.WINDOW_MARGIN_MS) {
				// A new window: the full limit is available again.
				this.remaining = this.limit;
				this.windowEndsAt = 0;
			}
			if (this.remaining === undefined) {
				if (this.inFlight < RateGate.FIRST_CONTACT_CONCURRENCY) break;
				await this.nextChange(RateGate.RECHECK_MS, options.signal);
				continue;
			}
			if (this.remaining > 0) {
				this.remaining--;
				break;
			}
			// Wait for an answer (it may raise the count) or the end of the window.
			if (!this.windowEndsAt && this.inFlight === 0) this.windowEndsAt = now + ASSUMED_WINDOW_MS;
			if (this.windowEndsAt && this.windowEndsAt > deadline) throw new RateGateTimeout(now - startedAt);
			if (now >= deadline) throw new RateGateTimeout(now - startedAt);
			const untilWindowEnds = this.windowEndsAt ? this.windowEndsAt + RateGate.WINDOW_MARGIN_MS - now : RateGate.RECHECK_MS;
			await this.nextChange(Math.min(RateGate.RECHECK_MS, Math.max(10, untilWindowEnds)), options.signal);
		}
		this.inFlight++;
		return ++this.started;
	}

	/** Resolves at the next answer, or after `ms` at the latest. */
	private async nextChange(ms: number, signal?: AbortSignal): Promise<void> {
		let wake: () => void = () => {};
		const woken = new Promise<void>((resolve) => {
			wake = resolve;
			this.waiters.push(resolve);
		});
		try {
			await Promise.race([woken, systemClock.sleep(ms, signal)]);
		} finally {
			this.waiters = this.waiters.filter((waiter) => waiter !== wake);
		}
	}

	/** Records the answer to request `ticket`: its rate-limit headers update what the gate knows. */
	release(ticket: number, answer?: { status: number; headers?: IDataObject }): void {
		this.inFlight = Math.max(0, this.inFlight - 1);
		this.learn(ticket, answer?.headers);
		const waiters = this.waiters;
		this.waiters = [];
		for (const wake of waiters) wake();
	}

	private learn(ticket: number, headers: IDataObject | undefined): void {
		if (!headers) return;
		const reported = readNumber(headers, ['ratelimit-remaining', 'x-ratelimit-remaining']);
		const limit = readNumber(headers, ['ratelimit-limit', 'x-ratelimit-limit']);
		const reset = readNumber(headers, ['ratelimit-reset', 'x-ratelimit-reset']);
		if (limit !== undefined) this.limit = limit;
		if (reported === undefined) return;
		const surelyLeft = Math.max(0, reported - (this.started - ticket));
		const now = Date.now();
		// A reset far larger than a window is an epoch time (seconds), not a delta. A delta is
		// rounded up to whole seconds, so each answer gives a latest possible end of the window:
		// the earliest of them is the closest to the truth.
		const endsAt = reset === undefined ? undefined : reset > 1e9 ? reset * 1000 : now + reset * 1000;
		const newWindow =
			endsAt !== undefined &&
			(this.windowEndsAt <= now || endsAt > this.windowEndsAt + RateGate.SAME_WINDOW_SLACK_MS);
		if (newWindow || this.remaining === undefined) {
			this.remaining = surelyLeft;
			if (endsAt !== undefined) this.windowEndsAt = endsAt;
			return;
		}
		// Same window: every answer gives a count the window surely has; keep the best one.
		this.remaining = Math.max(this.remaining, surelyLeft);
		if (endsAt !== undefined) this.windowEndsAt = Math.min(this.windowEndsAt, endsAt);
	}

	/** After a 429: nothing is sent with this key until the wait the API asked for is over. */
	closeFor(seconds: number): void {
		const until = Date.now() + Math.max(0, seconds) * 1000;
		if (until > this.closedUntil) this.closedUntil = until;
		// Retry-After is the API's own word on when requests pass again: it replaces the window
		// the headers suggested, and the full limit is assumed free after it.
		this.remaining = 0;
		this.windowEndsAt = this.closedUntil;
	}
}

function readNumber(headers: IDataObject, names: string[]): number | undefined {
	for (const name of names) {
		const value = headerValue(headers, name);
		if (value !== undefined && value.trim() !== '' && !Number.isNaN(Number(value))) return Number(value);
	}
	return undefined;
}

const gates = new Map<string, RateGate>();

/** The gate shared by every request made with one key (identified by a hash, never the key). */
export function rateGateFor(keyFingerprint: string): RateGate {
	let gate = gates.get(keyFingerprint);
	if (!gate) {
		gate = new RateGate();
		gates.set(keyFingerprint, gate);
	}
	return gate;
}
