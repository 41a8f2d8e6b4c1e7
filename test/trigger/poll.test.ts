/**
 * The trigger's cursor logic on its own (nodes/JustFlowItTrigger/poll.ts): cases the fake's
 * logical clock cannot produce through HTTP (a change while a walk is under way, more ids in one
 * second than the cap).
 */
import type { IDataObject } from 'n8n-workflow';

import { PollWalk, SEEN_CAP, stampRecord } from '../../nodes/JustFlowItTrigger/poll';
import type { PollCursor } from '../../nodes/JustFlowItTrigger/poll';

const stamp = (second: number) => new Date(Date.UTC(2026, 5, 1, 12, 0, 0) + second * 1000).toISOString().replace('.000Z', 'Z');

function diagram(id: string, created: number, updated = created): IDataObject {
	return { object: 'diagram', id, created_at: stamp(created), updated_at: stamp(updated) };
}

/** Walks `pages` (newest first) with the changed-diagram rules; returns emitted ids and cursor. */
function walkChanged(pages: IDataObject[][], previous: PollCursor | undefined, serverTime?: string) {
	const walk = new PollWalk('diagramChanged', previous);
	walk.noteServerTime(serverTime);
	pages.forEach((page, index) => walk.addPage(page, index < pages.length - 1 ? `page-${index + 1}` : null));
	const items = walk.takeFresh();
	return { ids: items.map((item) => item.id), cursor: walk.finish() };
}

/** The record the cursor keeps for a changed diagram. */
const recordOf = (item: IDataObject) => stampRecord('diagramChanged', item.updated_at as string, item);

describe('a diagram changed while a walk is under way', () => {
	// Page 1 holds the newest-created diagram "n"; page 2 an old one "o". The walk reads page 1 at
	// second 100, then "n" is changed at second 101 (after its page was read), then "o" at 102
	// before page 2 is read. This poll sees o@102 but n still at its old stamp.
	const page1 = [diagram('n', 50)];
	const page2 = [diagram('o', 10, 102)];
	const seeded = walkChanged([[diagram('n', 50)], [diagram('o', 10)]], undefined).cursor;

	it('is emitted by the next poll when the API\'s clock at the start of the walk is known', () => {
		const during = walkChanged([page1, page2], seeded, new Date(Date.parse(stamp(100))).toUTCString());
		expect(during.ids).toEqual(['o']);
		// The cursor stays below the walk's start, so n@101 is still ahead of it ...
		expect(during.cursor.at).toBe(stamp(99));
		expect(during.cursor.seen).toEqual({ o: recordOf(page2[0]) });
		const next = walkChanged([[diagram('n', 50, 101)], [diagram('o', 10, 102)]], during.cursor);
		// ... and o, already emitted with this stamp, is not emitted again.
		expect(next.ids).toEqual(['n']);
	});

	it('would be missed if the cursor moved to the newest stamp seen (why the walk start matters)', () => {
		const during = walkChanged([page1, page2], seeded, undefined);
		expect(during.cursor.at).toBe(stamp(102));
		const next = walkChanged([[diagram('n', 50, 101)], [diagram('o', 10, 102)]], during.cursor);
		expect(next.ids).toEqual([]);
	});
});

describe('the cap on remembered ids', () => {
	it('drops the oldest stamps first and raises the cursor to the oldest one kept', () => {
		const many = Array.from({ length: SEEN_CAP + 10 }, (_, i) => diagram(`d${i}`, 0, i < 20 ? 5 : 7));
		const previous: PollCursor = { at: stamp(1), seen: {} };
		const walk = walkChanged([many], previous, new Date(Date.parse(stamp(0))).toUTCString());
		expect(walk.ids).toHaveLength(SEEN_CAP + 10);
		expect(walk.cursor.at).toBe(stamp(7));
		expect(Object.keys(walk.cursor.seen)).toHaveLength(SEEN_CAP - 10);
	});

	it('keeps every id of a single second, whatever their number (dropping one would emit it again)', () => {
		const many = Array.from({ length: SEEN_CAP + 5 }, (_, i) => diagram(`d${i}`, 0, 9));
		const walk = walkChanged([many], { at: stamp(1), seen: {} });
		expect(walk.cursor.at).toBe(stamp(9));
		expect(Object.keys(walk.cursor.seen)).toHaveLength(SEEN_CAP + 5);
		expect(walkChanged([many], walk.cursor).ids).toEqual([]);
	});
});

describe('new-item walks', () => {
	it('ask for the next page only until an item older than the cursor shows up', () => {
		const walk = new PollWalk('diagramCreated', { at: stamp(5), seen: { e: stamp(5) } });
		expect(walk.addPage([diagram('g', 7), diagram('f', 6)], 'page-2')).toBe(true);
		expect(walk.addPage([diagram('e', 5), diagram('d', 4)], 'page-3')).toBe(false);
		expect(walk.takeFresh().map((item) => item.id)).toEqual(['f', 'g']);
		expect(walk.finish()).toEqual({ at: stamp(7), seen: { g: stamp(7) } });
	});

	it('an empty list at the first poll makes every later item new', () => {
		const seed = new PollWalk('folderCreated', undefined);
		expect(seed.addPage([], null)).toBe(false);
		const cursor = seed.finish();
		expect(cursor).toEqual({ at: null, seen: {} });
		const next = new PollWalk('folderCreated', cursor);
		expect(next.addPage([diagram('a', 3)], 'page-2')).toBe(true);
		expect(next.takeFresh().map((item) => item.id)).toEqual(['a']);
	});
});

describe('the API clock', () => {
	it('far behind its own stamps lowers the cursor by at most 15 minutes', () => {
		const walk = walkChanged([[diagram('a', 3600)]], undefined, new Date(Date.parse(stamp(0))).toUTCString());
		expect(walk.cursor.at).toBe(stamp(3600 - 900));
	});

	it('ahead of the stamps (or missing) leaves the cursor at the newest stamp', () => {
		expect(walkChanged([[diagram('a', 10)]], undefined, new Date(Date.parse(stamp(500))).toUTCString()).cursor.at).toBe(stamp(10));
		expect(walkChanged([[diagram('a', 10)]], undefined).cursor.at).toBe(stamp(10));
	});
});
