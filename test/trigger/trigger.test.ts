/**
 * The Just Flow It Trigger through n8n-core's real PollContext (trigger mode, as an active
 * workflow's poll timer runs it) and WorkflowExecute (manual mode, "Fetch Test Event"), against
 * the fake API over HTTP. Asserts what is emitted, the cursor kept in static data, and the exact
 * requests.
 */
import type { IDataObject, INodeExecutionData } from 'n8n-workflow';

import { credentialsFor, requestLines, TEST_KEY, useFake } from '../support/context';
import type { FakeServer } from '../support/context';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const engine = require('../harness/engine');

interface TriggerFake extends FakeServer {
	changeDiagram(id: string, patch: IDataObject): IDataObject;
	holdClock(on?: boolean): void;
}

interface PollResult {
	items: INodeExecutionData[] | null | undefined;
	staticData: IDataObject;
	error?: Error & { description?: string; httpCode?: string | null };
}

const fake = useFake() as TriggerFake;

async function poll(
	parameters: IDataObject,
	staticData: IDataObject = {},
	options: { mode?: 'trigger' | 'manual'; pollBudgetMs?: number } = {},
): Promise<PollResult> {
	return (await engine.runPoll({ parameters, staticData, credentials: credentialsFor(fake), ...options })) as PollResult;
}

/** Polls once and expects success; returns the emitted ids (null when nothing) and the state. */
async function pollOk(parameters: IDataObject, staticData: IDataObject = {}) {
	const result = await poll(parameters, staticData);
	expect(result.error).toBeUndefined();
	return { ids: result.items === null ? null : (result.items ?? []).map((item) => item.json.id), state: result.staticData, result };
}

const ids = (records: IDataObject[]) => records.map((record) => record.id);
const firstPage = 'GET /diagrams?limit=100';

describe('New Diagram', () => {
	const params = { event: 'diagramCreated' };

	it('the first poll after activation records where the list stands and emits nothing (one request)', async () => {
		fake.seedDiagrams(3);
		const seeded = await pollOk(params);
		expect(seeded.ids).toBeNull();
		expect(requestLines(fake)).toEqual([firstPage]);
		expect(seeded.state.trigger).toMatchObject({ version: 2, event: 'diagramCreated', cursor: { at: '2026-01-01T00:00:02Z' } });
		fake.clearRequests();
		const again = await pollOk(params, seeded.state);
		expect(again.ids).toBeNull();
		expect(again.state).toEqual(seeded.state);
		expect(requestLines(fake)).toEqual([firstPage]);
		expect(fake.requests.every((request) => request.headers.authorization === `Bearer ${TEST_KEY}`)).toBe(true);
	});

	it('emits the diagrams created since, oldest first, once, with the API objects as they are', async () => {
		fake.seedDiagrams(2);
		const { state } = await pollOk(params);
		const created = fake.seedDiagrams(3, { namePrefix: 'New' });
		const next = await pollOk(params, state);
		expect(next.ids).toEqual(ids(created));
		expect(next.result.items?.[0].json).toEqual(created[0]);
		const after = await pollOk(params, next.state);
		expect(after.ids).toBeNull();
	});

	it('reads new items across pages (250 new: 3 requests) and stops paging at the cursor', async () => {
		fake.seedDiagrams(300, { namePrefix: 'Old' });
		const { state } = await pollOk(params);
		expect(requestLines(fake)).toEqual([firstPage]);
		const created = fake.seedDiagrams(250, { namePrefix: 'New' });
		fake.clearRequests();
		const next = await pollOk(params, state);
		expect(next.ids).toEqual(ids(created));
		expect(fake.requests.map((request) => request.path)).toEqual(['/api/v1/diagrams', '/api/v1/diagrams', '/api/v1/diagrams']);
		expect(fake.requests.map((request) => request.query.limit)).toEqual(['100', '100', '100']);
		expect(fake.requests[0].query.cursor).toBeUndefined();
		expect(fake.requests[1].query.cursor).toEqual(expect.any(String));
		expect(fake.requests[2].query.cursor).toEqual(expect.any(String));
		fake.clearRequests();
		expect((await pollOk(params, next.state)).ids).toBeNull();
		expect(requestLines(fake)).toEqual([firstPage]);
	});

	it('a diagram stamped in the same second as the cursor is emitted, the ones already seen in that second are not', async () => {
		fake.seedDiagrams(2);
		const { state } = await pollOk(params);
		fake.holdClock();
		const sameSecond = fake.seedDiagram({ name: 'Same second' });
		const next = await pollOk(params, state);
		expect(next.ids).toEqual([sameSecond.id]);
		const third = fake.seedDiagram({ name: 'Still the same second' });
		const later = await pollOk(params, next.state);
		expect(later.ids).toEqual([third.id]);
		expect((await pollOk(params, later.state)).ids).toBeNull();
		expect(Object.keys((later.state.trigger as IDataObject).cursor as IDataObject)).toEqual(['at', 'seen']);
	});

	it('only diagrams in the chosen folder, picked from the list, by ID or by link (filtered client-side)', async () => {
		const folder = fake.seedFolder({ name: 'Processes' });
		fake.seedDiagrams(2);
		for (const folderId of [
			{ __rl: true, mode: 'list', value: folder.id, cachedResultName: 'Processes' },
			{ __rl: true, mode: 'id', value: folder.id },
			{ __rl: true, mode: 'url', value: `https://justflow.it/app/folders/${folder.id}` },
		]) {
			fake.clearRequests();
			const withFolder = { ...params, folderId };
			const { state } = await pollOk(withFolder);
			const inside = fake.seedDiagram({ name: 'Inside', folderId: folder.id as string });
			fake.seedDiagram({ name: 'Outside' });
			const inside2 = fake.seedDiagram({ name: 'Inside 2', folderId: folder.id as string });
			const next = await pollOk(withFolder, state);
			expect(next.ids).toEqual([inside.id, inside2.id]);
			expect(requestLines(fake)).toEqual([firstPage, firstPage]);
		}
	});

	it('the folder picker lists folders (searchable) through the editor\'s LoadOptionsContext', async () => {
		const wanted = fake.seedFolder({ name: 'Approved processes' });
		fake.seedFolder({ name: 'Drafts' });
		const result = await engine.triggerListSearch({ method: 'searchFolders', filter: 'approved', credentials: credentialsFor(fake) });
		expect(result.results).toEqual([
			{ name: 'Approved processes', value: wanted.id, url: `https://justflow.it/app/folders/${wanted.id}` },
		]);
		expect(requestLines(fake)).toEqual(['GET /folders?limit=100']);
	});

	it('a folder filter that is not an ID fails before any request', async () => {
		const result = await poll({ ...params, folderId: { __rl: true, mode: 'id', value: 'not-an-id' } });
		expect(result.error?.message).toBe('Folder "not-an-id" is not a valid ID');
		expect(fake.requests).toHaveLength(0);
	});
});

describe('overlapping polls', () => {
	it('a poll that starts while the previous one is still reading is skipped with an error saying so (never silently); each diagram is emitted once', async () => {
		fake.seedDiagrams(2);
		const { state } = await pollOk({ event: 'diagramCreated' });
		const created = fake.seedDiagrams(3, { namePrefix: 'New' });
		fake.clearRequests();
		const [a, b] = await Promise.all([poll({ event: 'diagramCreated' }, state), poll({ event: 'diagramCreated' }, state)]);
		const [ran, skipped] = a.error ? [b, a] : [a, b];
		expect(ran.error).toBeUndefined();
		expect(ran.items?.map((item) => item.json.id)).toEqual(ids(created));
		expect(skipped.items).toBeUndefined();
		expect(skipped.error?.message).toBe('The previous poll of this trigger is still running: this poll was skipped');
		expect((skipped.error as { failure?: { cause?: string } }).failure?.cause).toBe('temporarily-unavailable');
		expect(skipped.staticData).toEqual(state);
		expect(requestLines(fake)).toEqual([firstPage]);
		// Once it is done, the next poll runs normally.
		expect((await pollOk({ event: 'diagramCreated' }, ran.staticData)).ids).toBeNull();
	});
});

describe('a poll that fails half way', () => {
	it('is an error, leaves the cursor where it was, and the next poll emits every item exactly once', async () => {
		fake.seedDiagrams(5);
		const { state } = await pollOk({ event: 'diagramCreated' });
		const created = fake.seedDiagrams(150, { namePrefix: 'New' });
		fake.clearRequests();
		fake.injectFailure({ method: 'GET', path: '/diagrams', skip: 1, status: 400, code: 'invalid_parameter', message: 'Bad parameter.' });
		const failed = await poll({ event: 'diagramCreated' }, state);
		expect(failed.items).toBeUndefined();
		expect(failed.error?.httpCode).toBe('400');
		expect((failed.error as { failure?: unknown }).failure).toEqual({ cause: 'configuration-invalid' });
		expect(failed.staticData).toEqual(state);
		expect(fake.requests.map((request) => request.status)).toEqual([200, 400]);
		expect(fake.requests[1].query.cursor).toEqual(expect.any(String));

		const retried = await pollOk({ event: 'diagramCreated' }, failed.staticData);
		expect(retried.ids).toEqual(ids(created));
		expect((await pollOk({ event: 'diagramCreated' }, retried.state)).ids).toBeNull();
	});

	it('a changed-diagram walk that fails on its second page emits nothing and keeps the cursor', async () => {
		const seeded = fake.seedDiagrams(150);
		const { state } = await pollOk({ event: 'diagramChanged' });
		// One change on the second page, a later one on the first.
		const onSecondPage = fake.changeDiagram(seeded[10].id as string, { name: 'Renamed' });
		const onFirstPage = fake.changeDiagram(seeded[140].id as string, { name: 'Renamed too' });
		fake.clearRequests();
		fake.injectFailure({ method: 'GET', path: '/diagrams', skip: 1, status: 403, code: 'insufficient_scope' });
		const failed = await poll({ event: 'diagramChanged' }, state);
		expect(failed.error?.httpCode).toBe('403');
		expect((failed.error as { failure?: unknown }).failure).toEqual({ cause: 'credential-invalid' });
		expect(failed.staticData).toEqual(state);
		const retried = await pollOk({ event: 'diagramChanged' }, failed.staticData);
		expect(retried.ids).toEqual([onSecondPage.id, onFirstPage.id]);
	});
});

describe('New or Updated Diagram', () => {
	const params = { event: 'diagramChanged' };

	it('walks the whole list on every poll (⌈diagrams/100⌉ requests) and emits created and changed diagrams in the order they changed', async () => {
		const seeded = fake.seedDiagrams(250);
		const { ids: first, state } = await pollOk(params);
		expect(first).toBeNull();
		expect(fake.requests).toHaveLength(3);
		fake.changeDiagram(seeded[200].id as string, { name: 'Renamed late' });
		fake.changeDiagram(seeded[3].id as string, { name: 'Renamed early' });
		const added = fake.seedDiagram({ name: 'Brand new' });
		fake.changeDiagram(seeded[120].id as string, { name: 'Renamed last' });
		fake.clearRequests();
		const next = await pollOk(params, state);
		expect(next.ids).toEqual([seeded[200].id, seeded[3].id, added.id, seeded[120].id]);
		expect(next.result.items?.[0].json).toMatchObject({ id: seeded[200].id, name: 'Renamed late' });
		expect(requestLines(fake)).toHaveLength(3);
		expect(fake.requests.map((request) => request.query.limit)).toEqual(['100', '100', '100']);
		fake.clearRequests();
		expect((await pollOk(params, next.state)).ids).toBeNull();
		expect(fake.requests).toHaveLength(3);
	});

	it('a diagram PATCHed with its own name (nothing changed) is not emitted', async () => {
		const [diagram] = fake.seedDiagrams(1);
		const { state } = await pollOk(params);
		fake.changeDiagram(diagram.id as string, { name: diagram.name as string });
		expect((await pollOk(params, state)).ids).toBeNull();
	});

	it('equal timestamps: a second diagram changed in the same second is emitted, the first is not emitted twice', async () => {
		const seeded = fake.seedDiagrams(4);
		const { state } = await pollOk(params);
		const a = fake.changeDiagram(seeded[0].id as string, { name: 'A' });
		fake.holdClock();
		const first = await pollOk(params, state);
		expect(first.ids).toEqual([a.id]);
		const b = fake.changeDiagram(seeded[1].id as string, { name: 'B' });
		const second = await pollOk(params, first.state);
		expect(second.ids).toEqual([b.id]);
		expect((await pollOk(params, second.state)).ids).toBeNull();
		fake.holdClock(false);
		const c = fake.changeDiagram(seeded[0].id as string, { name: 'A again' });
		expect((await pollOk(params, second.state)).ids).toEqual([c.id]);
	});

	it('a second change within the same second is emitted too: a diagram fires when its content changed, not only its updated_at', async () => {
		const seeded = fake.seedDiagrams(3);
		const { state } = await pollOk(params);
		fake.holdClock();
		const once = fake.changeDiagram(seeded[1].id as string, { name: 'Renamed once' });
		const first = await pollOk(params, state);
		expect(first.result.items?.map((item) => item.json)).toEqual([once]);
		// Renamed again in the second the poll above already saw: same updated_at, new name.
		const twice = fake.changeDiagram(seeded[1].id as string, { name: 'Renamed twice' });
		const second = await pollOk(params, first.state);
		expect(second.result.items?.map((item) => item.json)).toEqual([twice]);
		expect((await pollOk(params, second.state)).ids).toBeNull();
	});

	it('a position stored by version 1 of the state (bare stamps, no fingerprints) is read on: nothing is emitted again, later changes are', async () => {
		const seeded = fake.seedDiagrams(3);
		const newest = seeded[2];
		const stored = { trigger: { version: 1, event: 'diagramChanged', cursor: { at: newest.updated_at, seen: { [newest.id as string]: newest.updated_at } } } };
		const next = await pollOk(params, stored);
		expect(next.ids).toBeNull();
		expect(next.state.trigger).toMatchObject({ version: 2, cursor: { at: newest.updated_at } });
		const changed = fake.changeDiagram(seeded[0].id as string, { name: 'Renamed' });
		expect((await pollOk(params, next.state)).ids).toEqual([changed.id]);
	});

	it('with a folder: a diagram moved into the folder counts, changes outside it do not', async () => {
		const folder = fake.seedFolder({ name: 'Approved' });
		const seeded = fake.seedDiagrams(3);
		const withFolder = { ...params, folderId: { __rl: true, mode: 'id', value: folder.id } };
		const { state } = await pollOk(withFolder);
		fake.changeDiagram(seeded[0].id as string, { name: 'Outside, renamed' });
		const moved = fake.changeDiagram(seeded[1].id as string, { folder_id: folder.id as string });
		const next = await pollOk(withFolder, state);
		expect(next.ids).toEqual([moved.id]);
		expect(next.result.items?.[0].json.folder_id).toBe(folder.id);
	});
});

describe('New Folder', () => {
	it('reads /folders and emits new folders oldest first', async () => {
		fake.seedFolder({ name: 'Existing' });
		const { state } = await pollOk({ event: 'folderCreated' });
		const a = fake.seedFolder({ name: 'A' });
		fake.seedDiagram({ name: 'Not a folder' });
		const b = fake.seedFolder({ name: 'B', parentId: a.id as string });
		fake.clearRequests();
		const next = await pollOk({ event: 'folderCreated' }, state);
		expect(next.ids).toEqual([a.id, b.id]);
		expect(requestLines(fake)).toEqual(['GET /folders?limit=100']);
	});

	it('switching the event starts over: the first poll of the new event emits nothing', async () => {
		fake.seedDiagrams(2);
		const { state } = await pollOk({ event: 'diagramCreated' });
		fake.seedFolder({ name: 'A' });
		const switched = await pollOk({ event: 'folderCreated' }, state);
		expect(switched.ids).toBeNull();
		expect(switched.state.trigger).toMatchObject({ event: 'folderCreated' });
	});
});

describe('manual test run ("Fetch Test Event")', () => {
	it('returns the newest matching diagram without touching the cursor', async () => {
		const folder = fake.seedFolder({ name: 'F' });
		fake.seedDiagrams(2);
		const inFolder = fake.seedDiagram({ name: 'In folder', folderId: folder.id as string });
		fake.seedDiagram({ name: 'Newest, outside the folder' });
		const { state } = await pollOk({ event: 'diagramCreated' });
		fake.seedDiagram({ name: 'After the cursor' });
		fake.clearRequests();
		const manual = await poll({ event: 'diagramCreated', folderId: { __rl: true, mode: 'id', value: folder.id } }, state, { mode: 'manual' });
		expect(manual.error).toBeUndefined();
		expect(manual.items?.map((item) => item.json)).toEqual([inFolder]);
		expect(manual.staticData).toEqual(state);
		expect(requestLines(fake)).toEqual([firstPage]);
		const all = await poll({ event: 'diagramCreated' }, {}, { mode: 'manual' });
		expect(all.items?.map((item) => item.json.name)).toEqual(['After the cursor']);
		expect(all.staticData).toEqual({});
	});

	it('for New or Updated Diagram returns the most recently changed diagram, reading every page', async () => {
		const seeded = fake.seedDiagrams(120);
		fake.changeDiagram(seeded[5].id as string, { name: 'Changed last' });
		const manual = await poll({ event: 'diagramChanged' }, {}, { mode: 'manual' });
		expect(manual.items?.map((item) => item.json.id)).toEqual([seeded[5].id]);
		expect(fake.requests).toHaveLength(2);
	});

	it('with nothing to show returns no items', async () => {
		const manual = await poll({ event: 'folderCreated' }, {}, { mode: 'manual' });
		expect(manual.error).toBeUndefined();
		expect(manual.items ?? []).toEqual([]);
		expect(requestLines(fake)).toEqual(['GET /folders?limit=100']);
	});
});

