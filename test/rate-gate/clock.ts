/**
 * A fake clock for the rate gate: time only moves when a test calls `advance`. Its `sleep` ignores
 * the abort signal, like n8n-workflow's `sleep` on older n8n versions, so a test of cancel proves
 * that the gate itself notices the signal within its 1 s chunks.
 */
import type { Clock } from '../../nodes/JustFlowIt/shared/clock';

export const START = Date.UTC(2026, 10, 25, 12, 0, 0);

export class FakeClock implements Clock {
	private t = START;
	private timers: Array<{ at: number; resolve: () => void }> = [];
	/** Every sleep asked for, in ms. */
	readonly sleeps: number[] = [];

	/** How often the gate asked for the time: one look per wake of a waiting request, at least. */
	nowCalls = 0;

	now(): number {
		this.nowCalls++;
		return this.t;
	}

	async sleep(ms: number): Promise<void> {
		this.sleeps.push(ms);
		await new Promise<void>((resolve) => this.timers.push({ at: this.t + ms, resolve }));
	}

	/** Moves time forward by `ms`, firing every timer due on the way (in order), and lets promises settle. */
	async advance(ms: number): Promise<void> {
		const end = this.t + ms;
		await flush();
		for (;;) {
			this.timers.sort((a, b) => a.at - b.at);
			const next = this.timers[0];
			if (!next || next.at > end) break;
			this.timers.shift();
			this.t = Math.max(this.t, next.at);
			next.resolve();
			await flush();
		}
		this.t = end;
		await flush();
	}
}

/** Lets pending promise callbacks run. */
export async function flush(): Promise<void> {
	for (let i = 0; i < 5; i++) await new Promise((resolve) => setImmediate(resolve));
}

/** A promise's state, readable synchronously. */
export function track<T>(promise: Promise<T>): { readonly state: 'pending' | 'resolved' | 'rejected'; value?: T; error?: unknown } {
	const tracked: { state: 'pending' | 'resolved' | 'rejected'; value?: T; error?: unknown } = { state: 'pending' };
	promise.then(
		(value) => {
			tracked.state = 'resolved';
			tracked.value = value;
		},
		(error: unknown) => {
			tracked.state = 'rejected';
			tracked.error = error;
		},
	);
	return tracked;
}

/** Answer headers in the contract's form (`RateLimit-*`, Reset as a delta in seconds). */
export function rl(remaining: number, reset?: number, limit = 10): Record<string, string> {
	const headers: Record<string, string> = { 'RateLimit-Limit': String(limit), 'RateLimit-Remaining': String(remaining) };
	if (reset !== undefined) headers['RateLimit-Reset'] = String(reset);
	return headers;
}
