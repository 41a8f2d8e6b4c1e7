'use strict';
/**
 * A simulated clock for walks that take hours of rate-limited time (tests and bench:trigger):
 * the node's clock (`systemClock` of dist/…/rateGate.js, which the transport, the rate gate and
 * the trigger's poll budget all read) and the fake's request clock (rate-limit windows, Reset,
 * Retry-After, the Date header) read the same simulated time, so every header stays true.
 * A wait (`sleep`) moves the time on by its length at once; `advance` stands for the time
 * between two polls; each request to the fake takes `requestMs`.
 */
const path = require('path');

const RATE_GATE = path.join(__dirname, '..', '..', 'dist', 'nodes', 'JustFlowIt', 'shared', 'rateGate.js');

/**
 * @param {{ useRequestClock(now: (() => number) | null): void }} fake
 * @param {{ startMs?: number, requestMs?: number }} [options]
 */
function useVirtualClock(fake, { startMs = Date.parse('2026-06-01T00:00:00Z'), requestMs = 0 } = {}) {
	// eslint-disable-next-line @typescript-eslint/no-require-imports
	const { systemClock } = require(RATE_GATE);
	const original = { now: systemClock.now, sleep: systemClock.sleep };
	let nowMs = startMs;
	systemClock.now = () => nowMs;
	systemClock.sleep = async (ms, signal) => {
		if (signal && signal.aborted) throw new Error('Cancelled');
		nowMs += Math.max(0, Number(ms) || 0);
		await new Promise((resolve) => setImmediate(resolve));
	};
	fake.useRequestClock(() => {
		nowMs += requestMs;
		return nowMs;
	});
	return {
		now: () => nowMs,
		advance(ms) {
			nowMs += ms;
		},
		restore() {
			systemClock.now = original.now;
			systemClock.sleep = original.sleep;
			fake.useRequestClock(null);
		},
	};
}

module.exports = { useVirtualClock };
