'use strict';
/**
 * A simulated clock for walks that take hours of rate-limited time (tests and bench:trigger):
 * the node's clock (`systemClock` of dist/…/clock.js, which the transport, the rate gate and
 * the trigger's poll budget all read) and the fake's request clock (rate-limit windows, Reset,
 * Retry-After, the Date header) read the same simulated time, so every header stays true.
 * A wait (`sleep`) moves the time on by its length at once; `advance` stands for the time
 * between two polls; each request to the fake takes `requestMs`. As on a real server, stamps and
 * clock agree: the time is never behind the fake's last stamp (seeding thousands of diagrams
 * moves the fake's one-second-per-event clock on), and the fake stamps no event before it.
 */
const path = require('path');

const CLOCK = path.join(__dirname, '..', '..', 'dist', 'nodes', 'JustFlowIt', 'shared', 'clock.js');

/**
 * @param {{ useRequestClock(now: (() => number) | null): void, clock: { nextMs(): number } }} fake
 * @param {{ startMs?: number, requestMs?: number }} [options]
 */
function useVirtualClock(fake, { startMs = Date.parse('2026-01-01T00:00:00Z'), requestMs = 0 } = {}) {
	// eslint-disable-next-line @typescript-eslint/no-require-imports
	const { systemClock } = require(CLOCK);
	const original = { now: systemClock.now, sleep: systemClock.sleep };
	let nowMs = startMs;
	const read = () => {
		nowMs = Math.max(nowMs, fake.clock.nextMs());
		return nowMs;
	};
	systemClock.now = read;
	systemClock.sleep = async (ms, signal) => {
		if (signal && signal.aborted) throw new Error('Cancelled');
		nowMs += Math.max(0, Number(ms) || 0);
		await new Promise((resolve) => setImmediate(resolve));
	};
	fake.useRequestClock(() => {
		nowMs += requestMs;
		return read();
	});
	return {
		now: read,
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
