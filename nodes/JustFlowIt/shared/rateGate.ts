import { abortReason, MAX_SLEEP_CHUNK_MS, systemClock } from './clock';
import type { Clock } from './clock';

/**
 * The rate gate: paces the requests made with one API key so that they stay under the API's
 * burst limit (contract §12: a fixed window, 120 requests per 60 s, `RateLimit-*` headers,
 * `Retry-After` on 429) even when several n8n processes (queue-mode workers) share the key.
 *
 * The API's headers are the truth; this process only knows what it sent itself:
 * - Every request gets a ticket (sent order). An answer to ticket `t` that says
 *   `RateLimit-Remaining: R` means the window surely has no more than `R - (requests this process
 *   sent after t)` left; the gate keeps the lowest such count of the window (other processes only
 *   ever lower it) and sends while it is above 0.
 * - A new window (or the first contact) starts with one probe, not with the full limit: the probe's
 *   answer tells what the window really has left after the other processes' requests.
 * - After a probe, a process sends at most a fraction of what is left before the next answer
 *   (its burst). The fraction halves when a 429 answers a request of a window it just opened and
 *   grows back by a quarter for every window without one.
 * - Reopening (at the window's end, or when a 429's Retry-After is over) is delayed by a random
 *   jitter that grows with the share of the window other processes were seen to use: a process
 *   alone reopens at once; competing processes take turns at being first, which spreads the
 *   windows between them.
 * - Every wait is bounded: by the caller's `maxWaitMs` (checked up front when the turn is known to
 *   be later), by the execution's cancel signal, and a window end the API does not report
 *   (`Remaining` without `Reset`) is looked at again with one probe after a short wait (as long
 *   as a 429 without Retry-After is waited), never a blind window per answer.
 */


/** Thrown by `acquire` when no turn came (or none can come) within `maxWaitMs`. */
export class RateGateTimeout extends Error {
	constructor(
		readonly waitedMs: number,
		message = `No turn to send within the wait allowed (${Math.round(waitedMs / 1000)} s waited)`,
	) {
		super(message);
		this.name = 'RateGateTimeout';
	}
}

/** The window the API documents (60 s): the length assumed (for jitter and hold) until Reset shows another. */
const DEFAULT_WINDOW_MS = 60_000;
/**
 * A window whose end the API does not report (Remaining without Reset) is probed again after this
 * long: the transport's wait after a 429 without Retry-After (DEFAULT_RATE_LIMIT_WAIT_SECONDS).
 */
const UNREPORTED_END_RECHECK_MS = 5_000;
/** A window end further away than this is not believed (clock skew, a bogus header). */
const MAX_WINDOW_MS = 15 * 60_000;
/** Requests sent into a window the gate knows nothing about yet. */
const PROBES = 1;
/** Idle this long (nothing in flight) with requests left, the gate probes again before it trusts its count. */
const IDLE_FORGET_MS = 2000;
/** Nothing in flight for this long after answers that the API does not count, the gate probes again. */
const UNCOUNTED_IDLE_FORGET_MS = 100;
/** A probe unanswered for this long no longer holds back the requests behind it. */
const PROBE_PATIENCE_MS = 10_000;
/** In flight at once while the API sends no rate-limit headers at all. */
const CONCURRENCY_WITHOUT_HEADERS = 4;
/** Sent this long after the (latest possible) end of a window or a Retry-After. */
const REOPEN_MARGIN_MS = 50;
/** Window ends this close together are the same window (a delta Reset is rounded to seconds). */
const SAME_WINDOW_SLACK_MS = 1500;
/** Jitter at reopening: up to this share of the window, times the share other processes used. */
const JITTER_SHARE_OF_WINDOW = 0.1;
const MAX_JITTER_MS = 2000;
/** Burst fraction bounds and steps (additive increase, multiplicative decrease). */
const MIN_BURST_FRACTION = 0.125;
const BURST_FRACTION_STEP = 0.25;
/** Share of a window taken at once before anything is known about other processes, and its floor. */
const INITIAL_SHARE = 0.5;
const MIN_SHARE = 0.125;
/** The rest of a window opens up after this long (a third of the window when shorter), over as long again. */
const MAX_HOLD_MS = 1200;

type Phase =
	/** Nothing known about the current window: only probes go. */
	| 'probing'
	/** The current window's Remaining is known (`cap`). */
	| 'known';

export interface RateGateAnswer {
	status: number;
	headers?: Record<string, unknown>;
}

/** A request waiting in `acquire`; `wake` is set while it sleeps. */
interface Waiter {
	wake?: () => void;
}

interface Decision {
	/** Send now. */
	go: boolean;
	/** When to look again (ms since epoch); undefined: at the next answer. */
	at?: number;
	/** Whether the gate knows the key is used up until `at` (a 429 or Remaining 0): a reason to time out. */
	limited: boolean;
	/** Whether `at` comes from the API (Reset, Retry-After) rather than the assumed 60 s window. */
	certain?: boolean;
}

export class RateGate {
	private readonly clock: Clock;
	private readonly random: () => number;

	/** The last ticket handed out (= requests sent). */
	private started = 0;
	/** Tickets sent and not yet released, with the time they were sent. */
	private readonly inFlight = new Map<number, number>();

	private phase: Phase = 'probing';
	/** The ticket before the first request of the current window (its probe is `openTicket + 1`). */
	private openTicket = 0;
	/** The lowest `Remaining + ticket` of the window: sending is allowed while `cap > started`. */
	private cap = Number.POSITIVE_INFINITY;
	/** The newest answer of the window (highest ticket) and its Remaining. */
	private latestTicket = 0;
	private latestRemaining = 0;
	/** When the current window ends (latest possible), ms since epoch; undefined before any answer. */
	private windowEndsAt: number | undefined;
	/** Whether `windowEndsAt` came from the API (Reset or Retry-After) rather than the assumed window. */
	private endKnown = false;
	/** No request before this time (a 429's Retry-After). */
	private closedUntil = 0;
	/** The jitter drawn for the current reopening, and the end it was drawn for. */
	private jitterMs = 0;
	private jitterFor: number | undefined;

	/** The API's limit per window (`RateLimit-Limit`), the window length seen (largest Reset of a window). */
	private limit: number | undefined;
	private windowMs = DEFAULT_WINDOW_MS;
	private windowMsSeen = 0;
	/** Whether the API sent rate-limit headers on its last answer. */
	private headersSeen = true;
	/** An answer with Remaining ≥ Limit: the API does not count these requests (limit switched off). */
	private uncounted = false;

	/** Share of what is left that may be sent before the next answer. */
	private burstFraction = 1;
	/**
	 * The share of a window this process takes at once (see shareRampAt). Adapts to the ratio of
	 * other processes' requests to this one's: 1 / (1 + others / own), 1 for a process alone.
	 */
	private shareCap = INITIAL_SHARE;
	/** When the current window became known (its first answer). */
	private openedAt = 0;
	/** Answers to this process's requests that the API counted in the current window. */
	private ownCountedThisWindow = 0;
	/** A 429 answered a request of the current window. */
	private limitedThisWindow = false;
	/** Requests of the current window other processes were seen to make (a lower bound). */
	private othersThisWindow = 0;
	/** Smoothed share of a window that other processes use (0: alone). */
	private contention = 0;

	/** The last send or answer. */
	private lastActivityAt = 0;
	/** When the gate's timer wakes the waiters next. */
	private timerAt: number | undefined;
	/** The requests waiting for a turn, in the order they came. */
	private readonly waiters = new Set<Waiter>();

	constructor(clock: Clock = systemClock, random: () => number = Math.random) {
		this.clock = clock;
		this.random = random;
	}

	/**
	 * Resolves with a ticket when a request may be sent. Rejects with RateGateTimeout when no turn
	 * comes within `maxWaitMs` (at once when the gate knows the turn is further away), and with the
	 * signal's reason as soon as the signal aborts. When the gate only waits for answers to
	 * learn the window (no limit known to be reached), the request is sent at the deadline instead.
	 */
	async acquire(options: { maxWaitMs: number; signal?: AbortSignal }): Promise<number> {
		const { signal } = options;
		const maxWaitMs = Math.max(0, Number.isFinite(options.maxWaitMs) ? options.maxWaitMs : 0);
		const startedAt = this.clock.now();
		const deadline = startedAt + maxWaitMs;
		if (signal?.aborted) throw abortReason(signal);
		// One place in the queue for the whole acquire, and one abort listener: a wake adds nothing.
		const waiter: Waiter = {};
		const onAbort = () => waiter.wake?.();
		signal?.addEventListener('abort', onAbort, { once: true });
		this.waiters.add(waiter);
		try {
			for (;;) {
				if (signal?.aborted) throw abortReason(signal);
				const now = this.clock.now();
				const decision = this.decide(now);
				if (decision.go) {
					const ticket = this.send();
					// The next waiter in line may go too (a window with room, several probes allowed).
					this.wakeNext();
					return ticket;
				}
				if (decision.limited && decision.certain && decision.at !== undefined && decision.at > deadline) {
					throw new RateGateTimeout(
						now - startedAt,
						`The API's rate limit for this key leaves no turn within the wait allowed (${Math.round(maxWaitMs / 1000)} s): the next turn is in ${Math.ceil((decision.at - now) / 1000)} s`,
					);
				}
				if (now >= deadline) {
					if (!decision.limited) {
						const ticket = this.send();
						this.wakeNext();
						return ticket;
					}
					throw new RateGateTimeout(now - startedAt);
				}
				this.wakeAt(Math.min(decision.at ?? Number.POSITIVE_INFINITY, deadline));
				await new Promise<void>((resolve) => {
					waiter.wake = resolve;
				});
				waiter.wake = undefined;
			}
		} finally {
			this.waiters.delete(waiter);
			signal?.removeEventListener('abort', onAbort);
		}
	}

	/** Every acquired ticket is released exactly once, with the answer or undefined when none came. */
	release(ticket: number, answer?: RateGateAnswer): void {
		if (!this.inFlight.delete(ticket)) return;
		this.lastActivityAt = this.clock.now();
		if (answer) this.learn(ticket, answer);
		this.wakeNext();
	}

	/** After a 429 rate_limit_exceeded: nothing is sent with this key for `seconds`. */
	closeFor(seconds: number): void {
		const now = this.clock.now();
		const ms = Math.min(MAX_WINDOW_MS, Math.max(0, Number.isFinite(seconds) ? seconds : 0) * 1000);
		let until = now + ms;
		// Retry-After counts whole seconds. When this window's Reset headers put its end within the
		// same second, that end is the API's more precise word on when requests pass again.
		const end = this.windowEndsAt;
		if (this.endKnown && end !== undefined && end > now && end <= until && until - end < 1000) until = end;
		if (until > this.closedUntil) this.closedUntil = until;
		// The API's own word on when requests pass again: the window is used up until then.
		this.phase = 'known';
		this.cap = Math.min(this.cap, this.started);
		this.windowEndsAt = this.closedUntil;
		this.endKnown = true;
		this.wakeAll();
	}

	// -------------------------------------------------------------------------------------------

	private send(): number {
		this.started++;
		this.lastActivityAt = this.clock.now();
		this.inFlight.set(this.started, this.lastActivityAt);
		return this.started;
	}

	private decide(now: number): Decision {
		if (
			this.phase === 'known' &&
			this.inFlight.size === 0 &&
			now >= this.closedUntil &&
			now - this.lastActivityAt >= (this.uncounted ? UNCOUNTED_IDLE_FORGET_MS : IDLE_FORGET_MS) &&
			(this.uncounted || this.cap > this.started)
		) {
			// Idle with requests left: what the gate knew may be stale (other workers, a limit that
			// changed). Start again with a probe; a window known to be used up is never forgotten.
			// "Not counted" is trusted only while requests flow: a burst of up to Limit requests into a
			// limit switched on meanwhile would be half refused (bench scenario 3 after scenario 2).
			this.reopen();
		}
		if (this.phase === 'known') {
			const end = Math.max(this.windowEndsAt ?? now, this.closedUntil);
			const opensAt = end + REOPEN_MARGIN_MS;
			// Closed by a 429 until its Retry-After.
			if (now < this.closedUntil + REOPEN_MARGIN_MS) return { go: false, at: opensAt, limited: true, certain: true };
			if (now < opensAt) {
				if (this.mayBurst()) {
					const rampAt = this.shareRampAt(now);
					return rampAt === undefined ? { go: true, limited: false } : { go: false, at: rampAt, limited: false };
				}
				const usedUp = this.cap <= this.started;
				// Used up: wait for the window's end. Otherwise wait for answers (the burst is out).
				return { go: false, at: usedUp ? opensAt : undefined, limited: usedUp, certain: this.endKnown };
			}
			// The window is over. Reopen after this reopening's jitter (0 for a process alone).
			if (this.jitterFor !== end) {
				this.foldWindow();
				this.jitterFor = end;
				this.jitterMs = Math.round(this.random() * this.maxJitterMs());
			}
			if (now < opensAt + this.jitterMs) return { go: false, at: opensAt + this.jitterMs, limited: false };
			this.reopen();
		}
		// Probing: a window the gate knows nothing about gets one request, whose answer tells.
		const allowed = this.headersSeen ? PROBES : CONCURRENCY_WITHOUT_HEADERS;
		let probes = 0;
		let patienceEndsAt = Number.POSITIVE_INFINITY;
		for (const [ticket, sentAt] of this.inFlight) {
			// A probe without an answer for long does not hold the others back any longer.
			if (ticket <= this.openTicket || now - sentAt >= PROBE_PATIENCE_MS) continue;
			probes++;
			patienceEndsAt = Math.min(patienceEndsAt, sentAt + PROBE_PATIENCE_MS);
		}
		return probes < allowed ? { go: true, limited: false } : { go: false, at: patienceEndsAt, limited: false };
	}

	/** Within a known window: whether the count left and this process's burst allow one more request. */
	private mayBurst(): boolean {
		if (this.uncounted) return this.inFlight.size < (this.limit ?? CONCURRENCY_WITHOUT_HEADERS);
		if (this.cap <= this.started) return false;
		const burst = Math.max(1, Math.ceil(this.burstFraction * this.latestRemaining));
		return this.started < this.latestTicket + burst;
	}

	/**
	 * When this process's share of the window allows one more request; undefined: now. It takes
	 * `shareCap` of the limit at once; the rest opens up after a hold of about a second (the
	 * granularity of Retry-After and Reset, so the processes that reopen late still find room),
	 * linearly over as long again.
	 */
	private shareRampAt(now: number): number | undefined {
		if (this.uncounted || !this.limit || this.shareCap >= 1) return undefined;
		const needed = (this.started - this.openTicket + 1) / this.limit;
		if (needed <= this.shareCap) return undefined;
		const holdMs = Math.min(MAX_HOLD_MS, (this.windowMsSeen || this.windowMs) / 3);
		const at = this.openedAt + holdMs + (holdMs * (needed - this.shareCap)) / (1 - this.shareCap);
		return at <= now ? undefined : at;
	}

	private maxJitterMs(): number {
		return Math.min(MAX_JITTER_MS, JITTER_SHARE_OF_WINDOW * this.windowMs) * this.contention;
	}

	/** A window is over: fold what it showed (other processes' share, 429s, its length) into the estimates. */
	private foldWindow(): void {
		if (this.limit && this.limit > 0) {
			const share = Math.min(1, this.othersThisWindow / this.limit);
			this.contention = 0.5 * this.contention + 0.5 * (this.limitedThisWindow ? Math.max(share, 0.5) : share);
			if (this.contention < 0.01) this.contention = 0;
		}
		if (!this.limitedThisWindow) this.burstFraction = Math.min(1, this.burstFraction + BURST_FRACTION_STEP);
		if (this.windowMsSeen > 0) this.windowMs = this.windowMsSeen;
		if (this.ownCountedThisWindow > 0) {
			// Processes sharing the key, as this window showed them: 1 + others' requests per own request.
			const processes = 1 + this.othersThisWindow / this.ownCountedThisWindow;
			this.shareCap =
				processes < 1.05
					? Math.min(1, this.shareCap * 2)
					: Math.max(MIN_SHARE, Math.min(1, 0.5 * this.shareCap + 0.5 / processes));
		}
		this.ownCountedThisWindow = 0;
		this.limitedThisWindow = false;
		this.othersThisWindow = 0;
		this.windowMsSeen = 0;
	}

	/** A new window: learn it again from a probe. */
	private reopen(): void {
		this.phase = 'probing';
		this.openTicket = this.started;
		this.cap = Number.POSITIVE_INFINITY;
		this.latestTicket = this.started;
		this.latestRemaining = 0;
		this.windowEndsAt = undefined;
		this.endKnown = false;
		this.closedUntil = 0;
		this.jitterMs = 0;
		this.jitterFor = undefined;
		this.uncounted = false;
	}

	private learn(ticket: number, answer: RateGateAnswer): void {
		const headers = answer.headers ?? {};
		const limit = readNumber(headers, ['ratelimit-limit', 'x-ratelimit-limit']);
		let remaining = readNumber(headers, ['ratelimit-remaining', 'x-ratelimit-remaining']);
		const reset = readNumber(headers, ['ratelimit-reset', 'x-ratelimit-reset']);
		const rateLimited = answer.status === 429;
		if (limit !== undefined && limit > 0) this.limit = limit;
		if (remaining === undefined && rateLimited) remaining = 0;
		this.headersSeen = remaining !== undefined || limit !== undefined || reset !== undefined || rateLimited;
		if (remaining === undefined) return;
		// An answer to a request sent before the current window opened tells about the old window.
		if (ticket <= this.openTicket) return;
		remaining = Math.max(0, Math.floor(remaining));
		if (!rateLimited) this.ownCountedThisWindow++;
		const now = this.clock.now();
		const endsAt = windowEnd(reset, now);
		if (endsAt !== undefined && !rateLimited) this.windowMsSeen = Math.max(this.windowMsSeen, Math.min(MAX_WINDOW_MS, endsAt - now));

		const startsWindow =
			this.phase === 'probing' ||
			// A window the API started anew before our estimate of its end (or our estimate was wrong).
			(endsAt !== undefined && this.windowEndsAt !== undefined && endsAt > this.windowEndsAt + SAME_WINDOW_SLACK_MS && this.closedUntil <= now) ||
			// Without Reset: Remaining that rose for a later request means the window was reset.
			(reset === undefined && ticket > this.latestTicket && remaining > this.latestRemaining && !rateLimited && this.closedUntil <= now);
		if (startsWindow) {
			if (this.phase === 'known') {
				if (this.jitterFor === undefined) this.foldWindow();
				this.reopen();
				this.openTicket = ticket - 1;
				this.ownCountedThisWindow = rateLimited ? 0 : 1;
			}
			this.phase = 'known';
			this.openedAt = now;
			this.cap = remaining + ticket;
			this.latestTicket = ticket;
			this.latestRemaining = remaining;
			this.windowEndsAt = endsAt ?? now + UNREPORTED_END_RECHECK_MS;
			this.endKnown = endsAt !== undefined;
			this.uncounted = this.limit !== undefined && remaining >= this.limit && !rateLimited;
		} else {
			this.cap = Math.min(this.cap, remaining + ticket);
			if (ticket > this.latestTicket) {
				this.latestTicket = ticket;
				this.latestRemaining = remaining;
			}
			if (endsAt !== undefined && (!this.endKnown || this.windowEndsAt === undefined || endsAt < this.windowEndsAt)) {
				this.windowEndsAt = endsAt;
				this.endKnown = true;
			}
			if (this.uncounted && this.limit !== undefined && remaining < this.limit) this.uncounted = false;
		}
		// Other processes' requests in this window: what the API counted beyond ours (a lower bound).
		if (this.limit !== undefined) {
			const others = this.limit - remaining - (ticket - this.openTicket);
			if (others > this.othersThisWindow) this.othersThisWindow = others;
		}
		if (rateLimited) {
			this.cap = Math.min(this.cap, this.started);
			if (!this.limitedThisWindow) {
				this.limitedThisWindow = true;
				this.burstFraction = Math.max(MIN_BURST_FRACTION, this.burstFraction / 2);
			}
		}
	}

	/**
	 * Makes sure every waiter is woken at `at` (or within 1 s, whichever is sooner): one timer per
	 * gate, not one per waiting request.
	 */
	private wakeAt(at: number): void {
		const now = this.clock.now();
		const when = Math.max(now + 1, Math.min(at, now + MAX_SLEEP_CHUNK_MS));
		if (this.timerAt !== undefined && this.timerAt <= when) return;
		this.timerAt = when;
		void this.clock
			.sleep(when - now)
			.catch(() => undefined)
			.then(() => {
				if (this.timerAt === when) this.timerAt = undefined;
				this.wakeAll();
			});
	}

	/**
	 * An answer may make room for a request: the first waiter in line looks, and passes the turn on
	 * when it sends. Waking one at a time keeps thousands of waiting items from all deciding on
	 * every answer.
	 */
	private wakeNext(): void {
		for (const waiter of this.waiters) {
			if (!waiter.wake) continue;
			waiter.wake();
			waiter.wake = undefined;
			return;
		}
	}

	/** The gate's timer or a 429: every waiter looks (its own deadline may have come). */
	private wakeAll(): void {
		for (const waiter of this.waiters) {
			waiter.wake?.();
			waiter.wake = undefined;
		}
	}
}

/** A header's value by any of `names` (case-insensitive; the first of a list), as a number. */
function readNumber(headers: Record<string, unknown>, names: string[]): number | undefined {
	for (const name of names) {
		for (const [key, raw] of Object.entries(headers)) {
			if (key.toLowerCase() !== name) continue;
			const value = Array.isArray(raw) ? raw[0] : raw;
			if (value === undefined || value === null) continue;
			const text = String(value).trim();
			if (text === '') continue;
			const number = Number(text);
			if (Number.isFinite(number)) return number;
		}
	}
	return undefined;
}

/**
 * When the window ends (ms since epoch) according to a Reset value: a delta in seconds (the
 * contract's form), or an epoch time in seconds (or milliseconds) when it is that large. A delta is
 * rounded up to whole seconds, so the result is the latest possible end. Undefined when absent or
 * not believable (in the past, or further away than MAX_WINDOW_MS).
 */
function windowEnd(reset: number | undefined, now: number): number | undefined {
	if (reset === undefined || reset < 0) return undefined;
	let endsAt: number;
	if (reset > 1e12) endsAt = reset;
	else if (reset > 1e9) endsAt = reset * 1000;
	else endsAt = now + reset * 1000;
	if (endsAt < now || endsAt - now > MAX_WINDOW_MS) return endsAt < now ? now : undefined;
	return endsAt;
}

const gates = new Map<string, RateGate>();

/** The gate shared by every request made with one key in this process (a hash names the key). */
export function rateGateFor(keyFingerprint: string): RateGate {
	let gate = gates.get(keyFingerprint);
	if (!gate) {
		gate = new RateGate();
		gates.set(keyFingerprint, gate);
	}
	return gate;
}
