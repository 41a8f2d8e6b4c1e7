/**
 * The trigger's bounds, declared failure causes and resumable walks, through n8n-core's real
 * PollContext (trigger mode, as an active workflow's poll timer runs it; n8n 2.41's poll budget
 * from getPollBudgetMs) against the fake API over HTTP. Rate-limited walks that take minutes run
 * on a simulated clock shared by the node and the fake (test/harness/virtual-clock.js), so the
 * fake's RateLimit-*, Retry-After and Date headers stay true to the time the node sees.
 */
import type { IDataObject, INodeExecutionData } from 'n8n-workflow';

import { credentialsFor, useFake } from '../support/context';
import type { FakeServer } from '../support/context';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const engine = require('../harness/engine');
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { useVirtualClock } = require('../harness/virtual-clock');

interface TriggerFake extends FakeServer {
	changeDiagram(id: string, patch: IDataObject, options?: { key?: string }): IDataObject;
	holdClock(on?: boolean): void;
	useRequestClock(now: (() => number) | null): void;
	inspect(key?: string): { diagrams: IDataObject[] };
}

interface PollResult {
	items: INodeExecutionData[] | null | undefined;
	staticData: IDataObject;
	error?: Error & { description?: string; httpCode?: string | null; failure?: IDataObject };
}

interface VirtualClock {
	now(): number;
	advance(ms: number): void;
	restore(): void;
}

const fake = useFake() as TriggerFake;

/** n8n 2.41's durable scheduler's default budget is 36 s; the issue's scenario uses 45 s. */
const BUDGET_MS = 45_000;
/** Time between two polls (n8n's "Every Minute"). */
const POLL_INTERVAL_MS = 60_000;

let running: VirtualClock | undefined;
afterEach(() => {
	running?.restore();
	running = undefined;
});

/** Switches the node and the fake to a simulated clock until the test ends. */
function startClock(options: { requestMs?: number } = {}): VirtualClock {
	running = useVirtualClock(fake, options) as VirtualClock;
	return running;
}

let keyCount = 0;
/** A key of its own for each test: rate gates live per key in the process and must not carry over. */
function freshKey(): string {
	keyCount++;
	const key = `jfi_sk_test_TriggerWalkKey${String(keyCount).padStart(4, '0')}${'0'.repeat(8)}`;
	fake.addKey(key);
	return key;
}

async function poll(key: string, parameters: IDataObject, staticData: IDataObject = {}, pollBudgetMs: number | undefined = BUDGET_MS): Promise<PollResult> {
	return (await engine.runPoll({
		parameters,
		staticData,
		credentials: credentialsFor(fake, { apiKey: key }),
		...(pollBudgetMs === undefined ? {} : { pollBudgetMs }),
	})) as PollResult;
}

const walkOf = (result: PollResult) => (result.staticData.trigger as IDataObject | undefined)?.walk;

describe('resumable walks (New or Updated Diagram, 20,000 diagrams, 120 requests per 60 s, 45 s per poll)', () => {
	it('a walk longer than one poll keeps its place in static data, emits what each poll found, and across polls emits every change exactly once, changes made during the walk included', async () => {
		const clock = startClock({ requestMs: 50 });
		fake.settings.burst = { limit: 120, windowMs: 60_000 };
		const key = freshKey();
		// No read cap of its own: the rate limit and the budget are what end each poll.
		const params = { event: 'diagramChanged', options: { maxItems: 100_000 } };
		const seeded = fake.seedDiagrams(20_000, { key } as IDataObject);
		// seeded is oldest first; the list is newest first: seeded[19_999] is on page 1, seeded[0] on page 200.
		const onPage = (page: number) => seeded[20_000 - (page - 1) * 100 - 50];
		const change = (diagram: IDataObject, name: string) => fake.changeDiagram(diagram.id as string, { name }, { key });

		const emitted: IDataObject[] = [];
		const requestsPerPoll: number[] = [];
		let state: IDataObject = {};
		const pollOnce = async () => {
			const before = fake.requests.length;
			const result = await poll(key, params, state);
			expect(result.error).toBeUndefined();
			requestsPerPoll.push(fake.requests.length - before);
			for (const item of result.items ?? []) emitted.push(item.json);
			state = result.staticData;
			clock.advance(POLL_INTERVAL_MS);
			return result;
		};

		// Activation: the first walk only records where the list stands; it takes two polls.
		const firstOfSeed = await pollOnce();
		expect(firstOfSeed.items).toBeNull();
		expect(walkOf(firstOfSeed)).toMatchObject({ pages: 120 });
		const lastOfSeed = await pollOnce();
		expect(lastOfSeed.items).toBeNull();
		expect(walkOf(lastOfSeed)).toBeUndefined();
		expect(requestsPerPoll).toEqual([120, 80]);
		expect(fake.requests.filter((request) => request.status === 429)).toHaveLength(0);

		// Before the next walk: changes at the top, middle and bottom of the list.
		const before = [change(onPage(1), 'Top, renamed'), change(onPage(100), 'Middle, renamed'), change(onPage(200), 'Bottom, renamed')];
		const rename = change(onPage(190), 'Renamed once');
		const walking = await pollOnce();
		expect(walkOf(walking)).toMatchObject({ pages: 120 });
		expect(walking.items?.map((item) => item.json)).toEqual([before[0], before[1]]);

		// While the walk is under way (page 120 read, 80 to go):
		const readAlready = change(onPage(5), 'Changed after its page was read');
		const readAndEmitted = change(onPage(100), 'Middle, renamed again');
		const notYetRead = change(onPage(150), 'Changed before its page was read');
		const renamedAgain = change(onPage(190), 'Renamed twice');
		const created = fake.seedDiagram({ key, name: 'Created during the walk' } as IDataObject);
		const finishing = await pollOnce();
		expect(walkOf(finishing)).toBeUndefined();
		// The second rename of a diagram not yet read is one event, with what the API says now.
		expect(finishing.items?.map((item) => item.json)).toEqual([before[2], notYetRead, renamedAgain]);
		expect(rename.name).toBe('Renamed once');

		// The next walk finds what changed above where the last one had read (and nothing else).
		await pollOnce();
		const caughtUp = await pollOnce();
		expect(walkOf(caughtUp)).toBeUndefined();
		const lastWalk = emitted.slice(5);
		expect(lastWalk).toEqual([readAlready, readAndEmitted, created]);

		// Once caught up, a whole walk emits nothing.
		await pollOnce();
		const quiet = await pollOnce();
		expect(walkOf(quiet)).toBeUndefined();
		expect(emitted).toHaveLength(8);
		expect(new Set(emitted.map((item) => `${item.id} ${item.name}`)).size).toBe(8);
		// Every poll stayed within the 120 requests the key has per minute, and no request was refused.
		expect(requestsPerPoll).toEqual([120, 80, 120, 80, 120, 81, 120, 81]);
		expect(fake.requests.filter((request) => request.status === 429)).toHaveLength(0);
	}, 120_000);

	it('"Max Items to Read per Poll" ends a poll\'s share of the walk (the next poll continues) instead of failing it', async () => {
		const key = freshKey();
		const params = { event: 'diagramChanged', options: { maxItems: 100 } };
		const seeded = fake.seedDiagrams(150, { key } as IDataObject);
		const seeding = await poll(key, params);
		expect(seeding.error).toBeUndefined();
		expect(walkOf(seeding)).toMatchObject({ pages: 1 });
		const seeded2 = await poll(key, params, seeding.staticData);
		expect(walkOf(seeded2)).toBeUndefined();
		const onSecondPage = fake.changeDiagram(seeded[10].id as string, { name: 'On page 2' }, { key });
		const onFirstPage = fake.changeDiagram(seeded[140].id as string, { name: 'On page 1' }, { key });
		fake.clearRequests();
		const first = await poll(key, params, seeded2.staticData);
		expect(first.items?.map((item) => item.json)).toEqual([onFirstPage]);
		const second = await poll(key, params, first.staticData);
		expect(second.items?.map((item) => item.json)).toEqual([onSecondPage]);
		expect(fake.requests.map((request) => request.query.cursor === undefined)).toEqual([true, false]);
	});

	it('an expired API cursor (400 invalid_cursor) restarts the walk from the top, passing over what was read: nothing twice, nothing skipped', async () => {
		const key = freshKey();
		const params = { event: 'diagramChanged', options: { maxItems: 100 } };
		const seeded = fake.seedDiagrams(250, { key } as IDataObject);
		let state: IDataObject = {};
		for (let i = 0; i < 3; i++) state = (await poll(key, params, state)).staticData;
		expect(state.trigger).not.toHaveProperty('walk');
		const changes = [seeded[240], seeded[100], seeded[20]].map((diagram, i) => fake.changeDiagram(diagram.id as string, { name: `Page ${i + 1}` }, { key }));
		const first = await poll(key, params, state);
		expect(first.items?.map((item) => item.json)).toEqual([changes[0]]);
		const afterRead = fake.changeDiagram(seeded[245].id as string, { name: 'Page 1, after it was read' }, { key });
		fake.clearRequests();
		fake.injectFailure({ method: 'GET', path: '/diagrams', status: 400, code: 'invalid_cursor', message: 'The cursor has expired.' });
		const restarted = await poll(key, params, first.staticData);
		expect(restarted.error).toBeUndefined();
		// The expired cursor, then page 1 again from the top (all of it read already).
		expect(fake.requests.map((request) => [request.status, request.query.cursor === undefined])).toEqual([
			[400, false],
			[200, true],
		]);
		expect(restarted.items).toBeNull();
		const emitted: unknown[] = [];
		state = restarted.staticData;
		for (let i = 0; i < 5; i++) {
			const next = await poll(key, params, state);
			expect(next.error).toBeUndefined();
			emitted.push(...(next.items ?? []).map((item) => item.json));
			state = next.staticData;
		}
		expect(emitted).toEqual([changes[1], changes[2], afterRead]);
	});
});

describe('bounded polls', () => {
	it('every request ends within the poll budget: a list request that never answers fails the poll at the budget, with no retry past it', async () => {
		const key = freshKey();
		const seeded = await poll(key, { event: 'diagramCreated' });
		fake.clearRequests();
		fake.injectFailure({ method: 'GET', path: '/diagrams', action: 'hang' });
		const stuck = await poll(key, { event: 'diagramCreated' }, seeded.staticData, 1_500);
		expect(stuck.error?.message).toBe('Just Flow It did not answer in time');
		expect(stuck.error?.failure).toEqual({ cause: 'temporarily-unavailable' });
		expect(stuck.staticData).toEqual(seeded.staticData);
		expect(fake.requests).toHaveLength(1);
	}, 20_000);

	it('a poll that reads until its budget is nearly used stops there, keeps its place and emits what it found', async () => {
		// Each request takes 10 s: after 4 pages (40 s) a 5th would end past the 44.5 s the poll may use.
		startClock({ requestMs: 10_000 });
		const key = freshKey();
		const params = { event: 'diagramChanged' };
		const seeded = fake.seedDiagrams(1_000, { key } as IDataObject);
		let state: IDataObject = {};
		const requests: number[] = [];
		for (let i = 0; i < 3; i++) {
			fake.clearRequests();
			const seeding = await poll(key, params, state);
			expect(seeding.error).toBeUndefined();
			state = seeding.staticData;
			requests.push(fake.requests.length);
		}
		expect(requests).toEqual([4, 4, 2]);
		const late = fake.changeDiagram(seeded[5].id as string, { name: 'On the last page' }, { key });
		const early = fake.changeDiagram(seeded[995].id as string, { name: 'On the first page' }, { key });
		const first = await poll(key, params, state);
		expect(first.items?.map((item) => item.json)).toEqual([early]);
		const second = await poll(key, params, first.staticData);
		expect(second.items ?? null).toBeNull();
		const third = await poll(key, params, second.staticData);
		expect(third.items?.map((item) => item.json)).toEqual([late]);
		expect(walkOf(third)).toBeUndefined();
	});

	it('a poll stuck past its bound no longer blocks the next one: the next poll runs, and the stuck one, when its answer finally comes, emits nothing and moves nothing', async () => {
		const clock = startClock();
		const key = freshKey();
		fake.seedDiagrams(3, { key } as IDataObject);
		const seeded = await poll(key, { event: 'diagramCreated' });
		const created = fake.seedDiagram({ key, name: 'New' } as IDataObject);
		// The stuck poll's list request is answered (with the same page) only after 1 s.
		const page = { object: 'list', data: fake.inspect(key).diagrams, has_more: false, next_cursor: null };
		fake.injectFailure({ method: 'GET', path: '/diagrams', status: 200, body: page, delayMs: 1_000 });
		const stuck = poll(key, { event: 'diagramCreated' }, seeded.staticData, 2_000);
		await new Promise((resolve) => setTimeout(resolve, 200));
		// Meanwhile, the next poll's time comes, past the stuck one's 2 s bound.
		clock.advance(60_000);
		const next = await poll(key, { event: 'diagramCreated' }, seeded.staticData, 2_000);
		expect(next.error).toBeUndefined();
		expect(next.items?.map((item) => item.json)).toEqual([created]);
		const late = await stuck;
		expect(late.items).toBeUndefined();
		expect(late.error?.message).toBe('This poll ran past its time and a later poll took over');
		expect(late.error?.failure).toEqual({ cause: 'temporarily-unavailable' });
		expect(late.staticData).toEqual(seeded.staticData);
	}, 20_000);

	it('waits for a turn under the rate limit only while the poll budget lasts: a 429 asking for more fails at once, declaring the reset time', async () => {
		const clock = startClock();
		const key = freshKey();
		fake.seedDiagrams(3, { key } as IDataObject);
		const seeded = await poll(key, { event: 'diagramCreated' });
		fake.clearRequests();
		fake.injectFailure({ method: 'GET', path: '/diagrams', status: 429, code: 'rate_limit_exceeded', headers: { 'Retry-After': '40' } });
		const limited = await poll(key, { event: 'diagramCreated' }, seeded.staticData, 10_000);
		expect(limited.error?.httpCode).toBe('429');
		expect(limited.error?.failure).toEqual({ cause: 'rate-limited', retryAfterMs: 40_000, resetsAtEpochMs: clock.now() + 40_000 });
		expect(limited.staticData).toEqual(seeded.staticData);
		expect(fake.requests.map((request) => request.status)).toEqual([429]);
	});

	it('a poll that finds the key\'s rate-limit window used up fails without waiting past its budget, declaring when the window resets (from RateLimit-Reset)', async () => {
		const clock = startClock();
		fake.settings.burst = { limit: 3, windowMs: 60_000 };
		const key = freshKey();
		fake.seedDiagrams(500, { key } as IDataObject);
		const windowStart = clock.now();
		// Seeding reads 3 pages (the window's 3 requests), then has no turn within its budget.
		const seeding = await poll(key, { event: 'diagramChanged' }, {}, 10_000);
		expect(seeding.error).toBeUndefined();
		expect(walkOf(seeding)).toMatchObject({ pages: 3 });
		const blocked = await poll(key, { event: 'diagramChanged' }, seeding.staticData, 10_000);
		expect(blocked.error?.message).toBe('The node ran out of time waiting for a turn under the Just Flow It rate limit');
		// RateLimit-Reset counts whole seconds.
		expect(blocked.error?.failure).toEqual({ cause: 'rate-limited', resetsAtEpochMs: expect.any(Number) });
		const resetsAt = (blocked.error?.failure as { resetsAtEpochMs: number }).resetsAtEpochMs;
		expect(resetsAt).toBeGreaterThanOrEqual(windowStart + 60_000);
		expect(resetsAt).toBeLessThanOrEqual(windowStart + 61_000);
		expect(blocked.staticData).toEqual(seeding.staticData);
		expect(fake.requests.filter((request) => request.status === 429)).toHaveLength(0);
	});
});

describe('declared causes (error.failure, as n8n 2.41 reads them) on every poll error', () => {
	const cases: Array<[string, IDataObject, IDataObject]> = [
		['401 invalid_api_key', { status: 401, code: 'invalid_api_key' }, { cause: 'credential-invalid' }],
		['403 insufficient_scope', { status: 403, code: 'insufficient_scope' }, { cause: 'credential-invalid' }],
		['404 (a Base URL that is not the API)', { status: 404, code: 'not_found' }, { cause: 'configuration-invalid' }],
		['503 with Retry-After 20, four times', { status: 503, code: 'service_unavailable', times: 4, headers: { 'Retry-After': '20' } }, { cause: 'temporarily-unavailable', retryAfterMs: 20_000 }],
		['a dropped connection, four times', { action: 'destroy', times: 4 }, { cause: 'temporarily-unavailable' }],
		['a body that is not a list', { status: 200, body: { data: 'nope' } }, { cause: 'configuration-invalid' }],
	];
	it.each(cases)('%s', async (_name, failure, expected) => {
		const clock = startClock();
		const key = freshKey();
		fake.injectFailure({ method: 'GET', path: '/diagrams', ...failure });
		const failed = await poll(key, { event: 'diagramCreated' });
		expect(failed.error).toBeDefined();
		expect(failed.error?.failure).toMatchObject(expected);
		expect(failed.staticData).toEqual({});
	});

	it('a key that does not match the Environment (found before any request) is credential-invalid', async () => {
		const failed = await poll('jfi_sk_live_ProductionKeyInStaging000000', { event: 'diagramCreated' });
		expect(fake.requests).toEqual([]);
		expect(failed.error?.failure).toEqual({ cause: 'credential-invalid' });
		expect(failed.staticData).toEqual({});
	});
});
