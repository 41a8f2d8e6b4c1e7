/**
 * Several n8n processes share one API key (as queue-mode workers do): each is an OS child process
 * that loads the BUILT package through n8n's engine (test/harness/engine.js) and renders its share
 * of the diagrams (Render → Image) through ONE fake API with a burst limit. Asserts outcomes and
 * requests (items out, one successful render per image); 429 counts and times depend on the
 * machine's load and are measured, with their goals, by `npm run bench` (scenario 6).
 */
import { startFake, TEST_KEY } from '../support/context';
import type { FakeServer } from '../support/context';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const { simulate, summarize } = require('./simulate') as {
	simulate: (args: Record<string, unknown>) => Promise<{ workers: Worker[]; wallMs: number; startedAt: number }>;
	summarize: (sim: unknown, requests: unknown[], burst: unknown, expected: number) => Summary;
};

interface Worker {
	ok: number;
	okIds: string[];
	failed: number;
	errors: string[];
	runError?: string;
	share: number;
}
interface Summary {
	ok: number;
	lost: number;
	rendered: number;
	limited: number;
	other: number;
	requests: number;
}

/** A second key (own data, own rate window) for each worker's warm-up run before the measured one. */
const WARM_KEY = 'jfi_sk_test_simWarmUpKey4n8nNodes01';

let fake: FakeServer;
beforeAll(async () => {
	fake = await startFake({ settings: { maxRecordedRequests: 100000 } });
});
afterAll(async () => {
	await fake.close();
});

async function renderInProcesses(processes: number, perProcess: number, burst: { limit: number; windowMs: number }) {
	fake.reset();
	fake.addKey(WARM_KEY);
	const warmUp = fake.seedDiagrams(5, { key: WARM_KEY }).map((d) => ({ id: d.id, name: d.name }));
	const diagrams = fake.seedDiagrams(processes * perProcess).map((d) => ({ id: d.id as string, name: d.name }));
	const sim = await simulate({
		baseUrl: fake.baseUrl,
		key: TEST_KEY,
		diagrams,
		processes,
		warmUp: { key: WARM_KEY, diagrams: warmUp },
		beforeStart: () => {
			fake.settings.burst = burst;
			fake.clearRequests();
		},
	});
	const summary = summarize(sim, fake.requests, burst, diagrams.length);
	const renderedIds = fake.requests
		.filter((r) => r.status === 200)
		.map((r) => /\/diagrams\/([^/]+)\/image$/.exec(r.path)?.[1]);
	// Shown in the test output: the counts behind the assertions.
	process.stdout.write(`${processes} × ${perProcess} at ${burst.limit}/${burst.windowMs / 1000} s: ${JSON.stringify({ ...summary, perWorker: undefined })}\n`);
	return { sim, summary, diagrams, renderedIds };
}

it('3 processes × 30 renders at 30 requests / 3 s (3 windows): all 90 images come out, each rendered once, no answer but 200 and 429', async () => {
	const { sim, summary, diagrams, renderedIds } = await renderInProcesses(3, 30, { limit: 30, windowMs: 3000 });
	expect(sim.workers.map((w) => ({ ok: w.ok, failed: w.failed, runError: w.runError }))).toEqual([
		{ ok: 30, failed: 0, runError: undefined },
		{ ok: 30, failed: 0, runError: undefined },
		{ ok: 30, failed: 0, runError: undefined },
	]);
	expect(summary.lost).toBe(0);
	// One request per image, no status but 200 and 429.
	expect(summary.rendered).toBe(90);
	expect(summary.other).toBe(0);
	expect(summary.requests).toBe(90 + summary.limited);
	expect([...renderedIds].sort()).toEqual(diagrams.map((d) => d.id).sort());
}, 240_000);
