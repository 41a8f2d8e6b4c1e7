/**
 * Unit tests of the rate gate class (nodes/JustFlowIt/shared/rateGate.ts) with a fake clock and a
 * fixed random source: every header variant the contract allows, the bounds on every wait, cancel,
 * and the cross-process rules (server Remaining caps the count, probes, jitter, adaptive burst).
 * The gate's behaviour through n8n's engine and many processes is in test/simulation/.
 */
import { systemClock } from '../../nodes/JustFlowIt/shared/clock';
import { RateGate, RateGateTimeout } from '../../nodes/JustFlowIt/shared/rateGate';
import { FakeClock, START, flush, rl, track } from './clock';

const WAIT = { maxWaitMs: 300_000 };

function setup(random = () => 0) {
	const clock = new FakeClock();
	const gate = new RateGate(clock, random);
	return { clock, gate };
}

/** Acquires as many tickets as pass right now (up to `max`); the rest stay pending. */
async function passing(gate: RateGate, max: number, options = WAIT) {
	const all = Array.from({ length: max }, () => track(gate.acquire(options)));
	await flush();
	return { passed: all.filter((t) => t.state === 'resolved').map((t) => t.value as number), all };
}

describe('first contact and a known window', () => {
	it('sends one probe first; after its answer as many more as RateLimit-Remaining says, less what was sent since', async () => {
		const { gate } = setup();
		const waiting = await passing(gate, 12);
		expect(waiting.passed).toEqual([1]);
		const sent = () => waiting.all.filter((t) => t.state === 'resolved').map((t) => t.value);
		// A limit of 20: this process's first share (half the window, 10) does not hold anything back here.
		gate.release(1, { status: 200, headers: rl(9, 60, 20) });
		await flush();
		expect(sent()).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
		// The answer to ticket 2 says 8 left; tickets 3-10 may not be counted yet: 8 - 8 = 0 left.
		gate.release(2, { status: 200, headers: rl(8, 60, 20) });
		await flush();
		expect(sent()).toHaveLength(10);
	});

	it('reads X-RateLimit-* headers (any case) exactly like RateLimit-*', async () => {
		const { clock, gate } = setup();
		const first = await passing(gate, 6);
		gate.release(first.passed[0], {
			status: 200,
			headers: { 'x-ratelimit-limit': '10', 'X-RATELIMIT-REMAINING': ['1'], 'x-ratelimit-reset': '60' },
		});
		await flush();
		expect(first.all.filter((t) => t.state === 'resolved')).toHaveLength(2);
		// 0 left (1 - the one sent since): the rest waits for the Reset, 60 s.
		await clock.advance(59_900);
		expect(first.all.filter((t) => t.state === 'resolved')).toHaveLength(2);
		await clock.advance(200);
		expect(first.all.filter((t) => t.state === 'resolved')).toHaveLength(3);
	});

	it('a lower Remaining caused by other processes caps the local count (less what this process sent since)', async () => {
		const { gate } = setup();
		await passing(gate, 1); // ticket 1 = probe
		gate.release(1, { status: 200, headers: rl(9, 60) });
		const burst = await passing(gate, 2); // tickets 2 and 3
		expect(burst.passed).toEqual([2, 3]);
		// The answer to ticket 2 says 2 left: others used 5 meanwhile. Ticket 3 may not be counted
		// yet, so 2 - 1 = 1 more request may go (not 9 - 3 = 6).
		gate.release(2, { status: 200, headers: rl(2, 59) });
		const more = await passing(gate, 3);
		expect(more.passed).toEqual([4]);
		// A late answer of the older ticket with a higher Remaining does not raise the count.
		gate.release(3, { status: 200, headers: rl(8, 59) });
		await flush();
		expect(more.all.filter((t) => t.state === 'resolved')).toHaveLength(1);
	});

	it('an epoch-style Reset (seconds since 1970) ends the window at that time', async () => {
		const { clock, gate } = setup();
		await passing(gate, 1);
		gate.release(1, { status: 200, headers: rl(0, Math.floor(START / 1000) + 10) });
		const waiting = track(gate.acquire(WAIT));
		await clock.advance(10_000);
		expect(waiting.state).toBe('pending');
		await clock.advance(100);
		expect(waiting.state).toBe('resolved');
	});

	it('a missing Reset while requests remain: the count is trusted for 5 s, then a probe looks again', async () => {
		const { clock, gate } = setup();
		await passing(gate, 1);
		gate.release(1, { status: 200, headers: rl(1) });
		const next = await passing(gate, 2);
		expect(next.passed).toEqual([2]);
		await clock.advance(4_900);
		expect(next.all[1].state).toBe('pending');
		await clock.advance(200);
		expect(next.all[1].state).toBe('resolved');
	});
});

describe('bounded waits', () => {
	it('Remaining 0 without Reset is looked at again by one probe after 5 s, each time it is seen, never a blind 60 s', async () => {
		// Finding 10 of issue 17: each such answer made the gate wait a whole assumed window (60 s).
		const { clock, gate } = setup();
		await passing(gate, 1);
		gate.release(1, { status: 200, headers: rl(0) });
		const waiting = await passing(gate, 3);
		await clock.advance(4_900);
		expect(waiting.all.map((t) => t.state)).toEqual(['pending', 'pending', 'pending']);
		await clock.advance(200);
		// One probe, not the whole queue.
		expect(waiting.all.map((t) => t.state)).toEqual(['resolved', 'pending', 'pending']);
		// The probe says 0 again: again one probe 5 s later.
		gate.release(waiting.all[0].value as number, { status: 200, headers: rl(0) });
		await clock.advance(4_900);
		expect(waiting.all[1].state).toBe('pending');
		await clock.advance(200);
		expect(waiting.all.map((t) => t.state)).toEqual(['resolved', 'resolved', 'pending']);
		// The probe's answer is lost (no answer): the next request is the next probe, at once.
		gate.release(waiting.all[1].value as number, undefined);
		await flush();
		expect(waiting.all[2].state).toBe('resolved');
	});

	it('Remaining 0 without Reset and a shorter maxWaitMs: rejects with RateGateTimeout at maxWaitMs, not before', async () => {
		const { clock, gate } = setup();
		await passing(gate, 1);
		gate.release(1, { status: 200, headers: rl(0) });
		const waiting = track(gate.acquire({ maxWaitMs: 3_000 }));
		await clock.advance(2_900);
		expect(waiting.state).toBe('pending');
		await clock.advance(200);
		expect(waiting.state).toBe('rejected');
		expect(waiting.error).toBeInstanceOf(RateGateTimeout);
		expect((waiting.error as RateGateTimeout).waitedMs).toBe(3_000);
	});

	it('a turn known to be further than maxWaitMs is refused at once (timeout up front)', async () => {
		const { clock, gate } = setup();
		await passing(gate, 1);
		gate.release(1, { status: 429, headers: rl(0, 30) });
		gate.closeFor(30);
		const refused = track(gate.acquire({ maxWaitMs: 10_000 }));
		await flush();
		expect(refused.state).toBe('rejected');
		expect(refused.error).toBeInstanceOf(RateGateTimeout);
		expect((refused.error as RateGateTimeout).waitedMs).toBe(0);
		expect(clock.now()).toBe(START);
	});

	it('maxWaitMs 0 refuses at once when the window is used up, and sends at once when nothing is known', async () => {
		const { gate } = setup();
		const first = await passing(gate, 2, { maxWaitMs: 0 });
		// Nothing known (the probe is out): the second request does not wait either.
		expect(first.passed).toEqual([1, 2]);
		gate.release(1, { status: 200, headers: rl(0, 60) });
		const refused = track(gate.acquire({ maxWaitMs: 0 }));
		await flush();
		expect(refused.state).toBe('rejected');
		expect(refused.error).toBeInstanceOf(RateGateTimeout);
	});

	it('a cancel ends a waiting acquire at once (no clock time passes) with the signal reason, even with a sleep that ignores the signal', async () => {
		const { clock, gate } = setup();
		await passing(gate, 1);
		gate.release(1, { status: 200, headers: rl(0, 60) });
		const controller = new AbortController();
		const waiting = track(gate.acquire({ maxWaitMs: 300_000, signal: controller.signal }));
		await clock.advance(10_300);
		expect(waiting.state).toBe('pending');
		const cancelledAt = clock.now();
		controller.abort(new Error('cancelled by the user'));
		await flush();
		expect(clock.now()).toBe(cancelledAt);
		expect(waiting.state).toBe('rejected');
		expect((waiting.error as Error).message).toBe('cancelled by the user');
	});

	it('an already aborted signal rejects at once', async () => {
		const { gate } = setup();
		const controller = new AbortController();
		controller.abort(new Error('stop'));
		const refused = track(gate.acquire({ maxWaitMs: 1_000, signal: controller.signal }));
		await flush();
		expect(refused.state).toBe('rejected');
		expect((refused.error as Error).message).toBe('stop');
	});
});

describe('429s', () => {
	it('429 without Retry-After: the transport passes its default and nothing goes out for that long', async () => {
		const { clock, gate } = setup();
		await passing(gate, 1);
		gate.release(1, { status: 200, headers: rl(5, 60) });
		await passing(gate, 1);
		gate.release(2, { status: 429, headers: {} });
		gate.closeFor(5);
		const waiting = track(gate.acquire(WAIT));
		await clock.advance(5_000);
		expect(waiting.state).toBe('pending');
		await clock.advance(100);
		expect(waiting.state).toBe('resolved');
	});

	it('429 with Retry-After as an HTTP date (parsed by the transport into seconds): closed until that date', async () => {
		const { clock, gate } = setup();
		await passing(gate, 1);
		const retryAt = new Date(START + 7_000).toUTCString();
		gate.release(1, { status: 429, headers: { 'Retry-After': retryAt, ...rl(0, 7) } });
		gate.closeFor((Date.parse(retryAt) - clock.now()) / 1000);
		const waiting = track(gate.acquire(WAIT));
		await clock.advance(7_000);
		expect(waiting.state).toBe('pending');
		await clock.advance(100);
		expect(waiting.state).toBe('resolved');
		// The window after the Retry-After is learned again: one probe, the next waits for its answer.
		const next = await passing(gate, 1);
		expect(next.passed).toEqual([]);
	});

	it('a 429 right after reopening halves the burst: with 20 left, 10 go before the next answer (not 20)', async () => {
		const { clock, gate } = setup();
		await passing(gate, 1);
		gate.release(1, { status: 429, headers: rl(0, 3, 30) });
		gate.closeFor(3);
		await clock.advance(3_100);
		const window = await passing(gate, 20);
		const sent = () => window.all.filter((t) => t.state === 'resolved').map((t) => t.value as number);
		expect(sent()).toEqual([2]);
		gate.release(2, { status: 200, headers: rl(20, 3, 30) });
		await flush();
		// Half of the 20 left; without the 429 it would be 13 (this process's first share: 15 of 30).
		expect(sent()).toEqual([2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]);
	});
});

describe('window ends and other processes', () => {
	it('a new window starts with one probe, not with the whole limit', async () => {
		const { clock, gate } = setup();
		await passing(gate, 1);
		gate.release(1, { status: 200, headers: rl(0, 3) });
		const next = await passing(gate, 5);
		expect(next.passed).toEqual([]);
		await clock.advance(3_100);
		expect(next.all.filter((t) => t.state === 'resolved')).toHaveLength(1);
	});

	it('answers to requests sent before the window reopened do not count for the new window', async () => {
		const { clock, gate } = setup();
		await passing(gate, 1);
		gate.release(1, { status: 200, headers: rl(2, 3) });
		await passing(gate, 2); // tickets 2, 3
		await clock.advance(3_100);
		const probe = await passing(gate, 3);
		expect(probe.passed).toEqual([4]);
		gate.release(2, { status: 200, headers: rl(1, 1) });
		gate.release(3, { status: 200, headers: rl(0, 1) });
		await flush();
		expect(probe.all.filter((t) => t.state === 'resolved')).toHaveLength(1);
		gate.release(4, { status: 200, headers: rl(9, 3) });
		await flush();
		expect(probe.all.filter((t) => t.state === 'resolved')).toHaveLength(3);
	});

	it('before it knows of other processes, a gate takes half the window at once and the rest after a hold of a third of the window', async () => {
		const { clock, gate } = setup();
		const waiting = await passing(gate, 8);
		const sent = () => waiting.all.filter((t) => t.state === 'resolved').map((t) => t.value);
		gate.release(1, { status: 200, headers: rl(9, 3) });
		await flush();
		gate.release(2, { status: 200, headers: rl(8, 3) });
		gate.release(3, { status: 200, headers: rl(7, 3) });
		await flush();
		// Slow start would allow 7; the share allows 5 of 10.
		expect(sent()).toEqual([1, 2, 3, 4, 5]);
		// The 6th opens at 1 s (the hold) + 1 s × (0.6 - 0.5) / 0.5 = 1.2 s after the window opened.
		await clock.advance(1_150);
		expect(sent()).toHaveLength(5);
		await clock.advance(100);
		expect(sent()).toEqual([1, 2, 3, 4, 5, 6]);
	});

	it('a process alone reopens without jitter; one that saw others use the window reopens after random × jitter', async () => {
		const alone = setup(() => 1);
		await passing(alone.gate, 1);
		// A limit of 1 and 0 left after this process's one request: nobody else used the window.
		alone.gate.release(1, { status: 200, headers: rl(0, 3, 1) });
		const aloneNext = track(alone.gate.acquire(WAIT));
		await alone.clock.advance(3_050);
		expect(aloneNext.state).toBe('resolved');

		const shared = setup(() => 1);
		// Window 1: the probe's answer says 2 left of 10; this process sent 1, so others used 7.
		await passing(shared.gate, 1);
		shared.gate.release(1, { status: 200, headers: rl(2, 3, 10) });
		await passing(shared.gate, 2);
		shared.gate.release(2, { status: 200, headers: rl(0, 3, 10) });
		shared.gate.release(3, { status: 200, headers: rl(0, 3, 10) });
		const sharedNext = track(shared.gate.acquire(WAIT));
		await shared.clock.advance(3_050);
		// The reopening folds the window's contention into the jitter: others used at most 8 of 10
		// (the answer to ticket 2: 10 - 0 left - 2 own), smoothed 0.5 × 0 + 0.5 × 0.8 = 0.4; the jitter
		// is up to 0.1 × the 3 s window × 0.4 = 120 ms, drawn at random() = 1.
		await shared.clock.advance(119);
		expect(sharedNext.state).toBe('pending');
		await shared.clock.advance(1);
		expect(sharedNext.state).toBe('resolved');
	});

	it('when the API does not count (Remaining equals Limit, limit switched off) up to Limit requests fly at once', async () => {
		const { gate } = setup();
		await passing(gate, 1);
		gate.release(1, { status: 200, headers: rl(10, 60, 10) });
		const next = await passing(gate, 12);
		expect(next.passed).toHaveLength(10);
	});

	it('without any rate-limit headers, 4 requests fly at once', async () => {
		const { gate } = setup();
		await passing(gate, 1);
		gate.release(1, { status: 200, headers: {} });
		const next = await passing(gate, 6);
		expect(next.passed).toHaveLength(4);
	});

	it('after 2 s idle with requests left, the gate probes again (a limit that changed meanwhile is seen before a burst)', async () => {
		const { clock, gate } = setup();
		await passing(gate, 1);
		gate.release(1, { status: 200, headers: rl(120, 60, 120) }); // limit switched off: nothing counted
		// More requests than the first answer's Remaining + ticket, as in a long run with the limit off.
		const run1 = await passing(gate, 130);
		expect(run1.passed).toHaveLength(120);
		for (let ticket = 2; ticket <= 131; ticket++) {
			gate.release(ticket, { status: 200, headers: rl(120, 59, 120) });
			await flush();
		}
		await clock.advance(2_000);
		const run2 = await passing(gate, 5);
		expect(run2.passed).toEqual([132]);
	});

	it('a gate that saw the limit switched off probes first after 0.1 s with nothing in flight, so a limit switched on meanwhile is seen before a burst', async () => {
		const { clock, gate } = setup();
		await passing(gate, 1);
		gate.release(1, { status: 200, headers: rl(120, 59, 120) }); // limit switched off: nothing counted
		const run1 = await passing(gate, 3);
		expect(run1.passed).toEqual([2, 3, 4]);
		for (const ticket of [2, 3, 4]) gate.release(ticket, { status: 200, headers: rl(120, 59, 120) });
		// 0.1 s with nothing in flight: the next run starts with one probe, not with 120 requests at once.
		await clock.advance(100);
		const run2 = await passing(gate, 5);
		expect(run2.passed).toEqual([5]);
		gate.release(5, { status: 200, headers: rl(59, 6, 60) }); // the limit is on now: 59 left
		await flush();
		expect(run2.all.filter((t) => t.state === 'resolved')).toHaveLength(5);
	});

	it('a window known to be used up is not forgotten while idle', async () => {
		const { clock, gate } = setup();
		await passing(gate, 1);
		gate.release(1, { status: 200, headers: rl(0, 60) });
		await clock.advance(5_000);
		const next = await passing(gate, 1);
		expect(next.passed).toEqual([]);
	});

	it('a probe without an answer holds the next request back for 10 s at most', async () => {
		const { clock, gate } = setup();
		const waiting = await passing(gate, 2);
		expect(waiting.passed).toEqual([1]);
		await clock.advance(9_900);
		expect(waiting.all[1].state).toBe('pending');
		await clock.advance(100);
		expect(waiting.all[1].state).toBe('resolved');
	});

	it('1,000 requests waiting with a cancel signal: each answer wakes the next in line, not every waiter (work linear in requests)', async () => {
		// Finding 9 of issue 17: every answer woke every waiter, and each wake added a handler to the
		// waiter's abort promise: memory and time grew with the square of the items.
		const { clock, gate } = setup();
		const controller = new AbortController();
		const options = { maxWaitMs: 300_000, signal: controller.signal };
		const first = track(gate.acquire(options));
		await flush();
		gate.release(first.value as number, { status: 200, headers: rl(10, 60, 10) }); // not counted: 10 in flight
		const all = Array.from({ length: 1_000 }, () => track(gate.acquire(options)));
		await flush();
		clock.nowCalls = 0;
		for (let done = 0; done < all.length; done++) {
			const ticket = all[done].value as number;
			gate.release(ticket, { status: 200, headers: rl(10, 60, 10) });
			await Promise.resolve();
			await Promise.resolve();
		}
		await flush();
		expect(all.every((t) => t.state === 'resolved')).toBe(true);
		expect(new Set(all.map((t) => t.value)).size).toBe(1_000);
		// Each answer: the gate's release and one or two waiters look at the time; waking all 1,000 would be ~500,000.
		expect(clock.nowCalls).toBeLessThan(10 * all.length);
	});

	it('a ticket released twice counts once', async () => {
		const { gate } = setup();
		await passing(gate, 1);
		gate.release(1, { status: 200, headers: rl(5, 60) });
		gate.release(1, { status: 200, headers: rl(0, 60) });
		const next = await passing(gate, 1);
		expect(next.passed).toEqual([2]);
	});
});

describe('systemClock', () => {
	it('a 60 s sleep rejects with the signal reason as soon as the signal aborts, before any timer fires', async () => {
		jest.useFakeTimers();
		try {
			const controller = new AbortController();
			const sleeping = track(systemClock.sleep(60_000, controller.signal));
			await jest.advanceTimersByTimeAsync(10_000);
			expect(sleeping.state).toBe('pending');
			controller.abort(new Error('cancelled during the sleep'));
			// Promise callbacks only; no timer is advanced.
			for (let i = 0; i < 5; i++) await Promise.resolve();
			expect(sleeping.state).toBe('rejected');
			expect((sleeping.error as Error).message).toBe('cancelled during the sleep');
		} finally {
			jest.useRealTimers();
		}
	});

	it('a sleep with an already aborted signal rejects at once', async () => {
		const controller = new AbortController();
		controller.abort(new Error('cancelled before'));
		await expect(systemClock.sleep(60_000, controller.signal)).rejects.toThrow('cancelled before');
	});
});
