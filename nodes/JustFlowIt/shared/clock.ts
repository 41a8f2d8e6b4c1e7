import { sleep } from 'n8n-workflow';

/**
 * The node's clock: what every wait (rate-limit turns, backoff, generation polls, the trigger's
 * poll budget) reads and sleeps with. It is an object so that tests and benchmarks can run it on
 * simulated time; Settings → Timeout uses `sleepRealTime` directly, since it is wall time.
 */

/** A time source (injectable for tests). */
export interface Clock {
	now(): number;
	/** Resolves after `ms`; may reject (or return early) when `signal` aborts. */
	sleep(ms: number, signal?: AbortSignal): Promise<void>;
}

/** The longest single sleep: a sleep left running after a cancel (n8n's older `sleep` cannot be stopped) ends within this time. */
export const MAX_SLEEP_CHUNK_MS = 1000;

/** The error a cancelled wait ends with: the signal's reason when it is one. */
export function abortReason(signal: AbortSignal): Error {
	return signal.reason instanceof Error ? signal.reason : new Error('Cancelled');
}

/**
 * A sleep in real time: n8n-workflow's `sleep` in chunks of at most 1 s (older n8n versions have
 * no cancellable sleep), with one abort listener for the whole sleep: a cancel rejects at once,
 * and a long wait adds nothing to the signal per chunk.
 */
export async function sleepRealTime(ms: number, signal?: AbortSignal): Promise<void> {
	if (signal?.aborted) throw abortReason(signal);
	let cancelled = false;
	let onAbort: (() => void) | undefined;
	const abort = signal
		? new Promise<never>((_, reject) => {
				onAbort = () => {
					cancelled = true;
					reject(abortReason(signal));
				};
				signal.addEventListener('abort', onAbort, { once: true });
			})
		: undefined;
	const chunks = (async () => {
		const end = Date.now() + ms;
		for (let left = ms; left > 0 && !cancelled; left = end - Date.now()) {
			await sleep(Math.min(left, MAX_SLEEP_CHUNK_MS));
		}
	})();
	try {
		await (abort ? Promise.race([chunks, abort]) : chunks);
	} finally {
		if (signal && onAbort) signal.removeEventListener('abort', onAbort);
	}
}

/** The clock of waits (rate limits, backoff, polls): real time; tests may simulate it. */
export const systemClock: Clock = {
	now: () => Date.now(),
	sleep: sleepRealTime,
};
