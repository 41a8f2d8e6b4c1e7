import { sleep } from 'n8n-workflow';
import type { IDataObject } from 'n8n-workflow';

import { headerValue } from './errors';

/**
 * Paces the requests made with one key so that many items running at once slow down before the
 * API's burst limit (contract §12) instead of running into it.
 *
 * n8n runs the items of a declarative node concurrently, so the gate is shared by every request
 * made with the same key in this n8n process. It learns the window from the `RateLimit-*` (or
 * `X-RateLimit-*`) headers: while a window has requests left, requests pass; once the requests
 * in flight would use up what is left, the next ones wait for the window to reset. A 429 closes
 * the gate for every request until `Retry-After` has passed.
 */
export class RateGate {
	/** Requests left in the current window, as last reported, minus those started since. */
	private remaining: number | undefined;

	/** The window size the API reports (`RateLimit-Limit`). */
	private limit: number | undefined;

	/** When the current window ends (ms since epoch). */
	private windowEndsAt = 0;

	/** No request may start before this time (after a 429). */
	private closedUntil = 0;

	/** Requests sent and not yet answered. */
	private inFlight = 0;

	/** `RateLimit-Remaining` of the latest answer, as the API said it. */
	private lastReported: number | undefined;

	/** Before the first answer, only this many requests go out, to learn the limits. */
	private static readonly FIRST_CONTACT_CONCURRENCY = 4;

	/** Window ends closer than this are taken as the same window (Reset is rounded up to seconds). */
	private static readonly SAME_WINDOW_SLACK_MS = 1500;

	/** The longest a waiting request sleeps before it looks at the gate again. */
	private static readonly RECHECK_MS = 250;

	/** Sent this long after the estimated end of a window, for clock and network jitter. */
	private static readonly WINDOW_MARGIN_MS = 50;

	/** Waits until a request may be sent; the caller must call `release` when it is answered. */
	async acquire(): Promise<void> {
		for (;;) {
			const now = Date.now();
			if (this.closedUntil > now) {
				await sleep(this.closedUntil - now);
				continue;
			}
			if (this.windowEndsAt && now >= this.windowEndsAt + RateGate.WINDOW_MARGIN_MS) {
				// A new window: the full limit is available again.
				this.remaining = this.limit;
				this.windowEndsAt = 0;
			}
			if (this.remaining === undefined) {
				if (this.inFlight < RateGate.FIRST_CONTACT_CONCURRENCY || this.limit !== undefined) break;
				await sleep(25);
				continue;
			}
			if (this.remaining <= 0 && this.inFlight === 0 && (this.lastReported ?? 0) > 0) {
				// Nothing is on the way, so the API's latest count is exact: trust it over ours.
				this.remaining = this.lastReported;
			}
			if ((this.remaining ?? 0) > 0) {
				this.remaining = (this.remaining ?? 0) - 1;
				break;
			}
			// Look again at least every quarter second: answers still on their way may change the count.
			await sleep(Math.min(RateGate.RECHECK_MS, Math.max(10, this.windowEndsAt + RateGate.WINDOW_MARGIN_MS - now)));
		}
		this.inFlight++;
	}

	/** Records an answer: its rate-limit headers update what the gate knows. */
	release(headers: IDataObject | undefined): void {
		this.inFlight = Math.max(0, this.inFlight - 1);
		if (!headers) return;
		const remaining = readNumber(headers, ['ratelimit-remaining', 'x-ratelimit-remaining']);
		const limit = readNumber(headers, ['ratelimit-limit', 'x-ratelimit-limit']);
		const reset = readNumber(headers, ['ratelimit-reset', 'x-ratelimit-reset']);
		if (limit !== undefined) this.limit = limit;
		if (remaining === undefined) return;
		this.lastReported = remaining;
		const now = Date.now();
		const reported = Math.max(0, remaining - this.inFlight);
		if (reset === undefined) {
			this.remaining = this.remaining === undefined ? reported : Math.min(this.remaining, reported);
			return;
		}
		// A reset far larger than a window is an epoch time (seconds), not a delta. A delta is
		// rounded up to whole seconds, so each answer gives a latest possible end of the window:
		// the earliest of them is the closest to the truth.
		const endsAt = reset > 1e9 ? reset * 1000 : now + reset * 1000;
		if (this.windowEndsAt <= now || endsAt > this.windowEndsAt + RateGate.SAME_WINDOW_SLACK_MS) {
			// A newer window than the one we knew: take its count as it stands.
			this.windowEndsAt = endsAt;
			this.remaining = reported;
			return;
		}
		// Same window: answers may arrive out of order, so keep the lower count and the earlier end.
		this.windowEndsAt = Math.min(this.windowEndsAt, endsAt);
		this.remaining = this.remaining === undefined ? reported : Math.min(this.remaining, reported);
	}

	/** After a 429: nothing is sent with this key until the wait the API asked for is over. */
	closeFor(seconds: number): void {
		this.lastReported = 0;
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
