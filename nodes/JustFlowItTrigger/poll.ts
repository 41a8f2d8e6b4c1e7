/**
 * The trigger's cursor logic, free of I/O: which listed items are new since the last poll, and
 * where the next poll starts. The node file feeds it pages of the API's newest-first lists.
 *
 * The API lists diagrams and folders newest first by `created_at` (ties by id) and offers no
 * other order, no filter and no "changed since". Its timestamps have whole seconds. So:
 * - New items (`diagramCreated`, `folderCreated`): read pages until an item older than the
 *   cursor appears; everything above it that was not seen before is new.
 * - Changed items (`diagramChanged`): read the whole list and compare `updated_at`.
 * The cursor is a time `at` plus the ids (with their time) already handled at or after `at`:
 * an item is new when its time is at or after `at` and differs from what was recorded for its
 * id. This catches items stamped in the same second as the last poll without emitting any
 * change twice.
 */
import type { IDataObject } from 'n8n-workflow';

export type TriggerEvent = 'diagramCreated' | 'diagramChanged' | 'folderCreated';

export const TRIGGER_EVENTS: readonly TriggerEvent[] = ['diagramCreated', 'diagramChanged', 'folderCreated'];

/** Where the last successful poll stood. */
export interface PollCursor {
	/** Items stamped before this time (ISO-8601) are handled; null: nothing was listed yet. */
	at: string | null;
	/** Items stamped at or after `at` that are handled: id → the stamp they had. */
	seen: Record<string, string>;
}

/** What the trigger keeps in the workflow's static data (per node). */
export interface TriggerState {
	version: 1;
	event: TriggerEvent;
	cursor: PollCursor;
}

/**
 * Most ids kept in the cursor. Normally it holds only the items of the boundary second (and any
 * stamped while a poll was walking); when more than this many would be kept, the oldest go, and
 * the cursor's time moves up to the oldest kept stamp. Items that share a single second are all
 * kept, whatever their number, since dropping any of them would emit it again.
 */
export const SEEN_CAP = 1000;

/** Below the server's clock by this much, to allow for clocks of different API servers. */
const CLOCK_MARGIN_MS = 1000;

/** The cursor never goes further below the newest stamp than this (longer than any walk). */
const MAX_LOWERING_MS = 15 * 60 * 1000;

export function isTriggerEvent(value: unknown): value is TriggerEvent {
	return typeof value === 'string' && (TRIGGER_EVENTS as readonly string[]).includes(value);
}

export function isDiagramEvent(event: TriggerEvent): boolean {
	return event !== 'folderCreated';
}

/** The stamp that decides whether an item is new for this event. */
export function stampField(event: TriggerEvent): 'created_at' | 'updated_at' {
	return event === 'diagramChanged' ? 'updated_at' : 'created_at';
}

/** Whether the event needs the whole list on every poll (no way to stop at the cursor). */
export function walksWholeList(event: TriggerEvent): boolean {
	return event === 'diagramChanged';
}

/** Compares two ISO-8601 stamps by time; stamps that do not parse compare as text. */
export function compareStamps(a: string, b: string): number {
	const am = Date.parse(a);
	const bm = Date.parse(b);
	if (Number.isNaN(am) || Number.isNaN(bm)) return a < b ? -1 : a > b ? 1 : 0;
	return am - bm;
}

function laterStamp(a: string, b: string): string {
	return compareStamps(a, b) >= 0 ? a : b;
}

/** The state as stored, when it is one this version wrote for `event`; otherwise undefined. */
export function readState(staticData: IDataObject, event: TriggerEvent): TriggerState | undefined {
	const state = staticData.trigger as Partial<TriggerState> | undefined;
	if (!state || typeof state !== 'object' || state.version !== 1 || state.event !== event) return undefined;
	const cursor = state.cursor as Partial<PollCursor> | undefined;
	if (!cursor || typeof cursor !== 'object') return undefined;
	if (cursor.at !== null && typeof cursor.at !== 'string') return undefined;
	if (!cursor.seen || typeof cursor.seen !== 'object') return undefined;
	return { version: 1, event, cursor: { at: cursor.at, seen: { ...cursor.seen } } };
}

/** Writes the state into the node's static data (the only place the cursor moves). */
export function writeState(staticData: IDataObject, state: TriggerState): void {
	staticData.trigger = state as unknown as IDataObject;
}

interface Walked {
	id: string;
	stamp: string;
	item: IDataObject;
}

/**
 * One poll's walk over a newest-first list. Feed it each page in order with `addPage`, which says
 * whether the next page is needed; then `finish` gives the items to emit and the next cursor.
 */
export class PollWalk {
	private readonly field: 'created_at' | 'updated_at';

	private readonly wholeList: boolean;

	private readonly walked: Walked[] = [];

	private readonly fresh: Walked[] = [];

	private maxStamp: string | null = null;

	/** Reading stops once an item stamped before this shows up (new-item walks only). */
	private floor: string | null | undefined;

	private done = false;

	/**
	 * @param event what the trigger watches
	 * @param previous the cursor of the last successful poll; undefined for the first poll
	 *   (which only records where the list stands)
	 * @param serverTime the API's clock when the walk began (its `Date` header), if known
	 */
	constructor(
		readonly event: TriggerEvent,
		private readonly previous: PollCursor | undefined,
		private readonly serverTime?: string,
	) {
		this.field = stampField(event);
		this.wholeList = walksWholeList(event);
		this.floor = previous ? previous.at : undefined;
	}

	get seeding(): boolean {
		return this.previous === undefined;
	}

	/** Items read so far. */
	get itemCount(): number {
		return this.walked.length;
	}

	/** Takes one page of the list (newest first). Returns whether the next page must be read. */
	addPage(items: IDataObject[]): boolean {
		for (const item of items) {
			const id = String(item.id ?? '');
			const stamp = typeof item[this.field] === 'string' ? (item[this.field] as string) : '';
			if (!id || !stamp) continue;
			// The first item of a first poll is the newest: the walk reads down to just below it.
			if (this.floor === undefined) this.floor = this.lowered(stamp);
			const entry = { id, stamp, item };
			this.walked.push(entry);
			this.maxStamp = this.maxStamp === null ? stamp : laterStamp(this.maxStamp, stamp);
			if (this.previous && this.isNew(entry)) this.fresh.push(entry);
			if (!this.wholeList && this.floor !== null && compareStamps(stamp, this.floor) < 0) this.done = true;
		}
		return !this.done;
	}

	private isNew({ id, stamp }: Walked): boolean {
		const { at, seen } = this.previous as PollCursor;
		if (at !== null && compareStamps(stamp, at) < 0) return false;
		return seen[id] !== stamp;
	}

	/**
	 * A stamp lowered to just below the API's clock when the walk began: an item changed while the
	 * walk was under way (on a page already read) is stamped at or after that time, and must not
	 * fall below the next cursor.
	 */
	private lowered(stamp: string): string {
		if (!this.serverTime) return stamp;
		const serverMs = Date.parse(this.serverTime);
		const stampMs = Date.parse(stamp);
		if (Number.isNaN(serverMs) || Number.isNaN(stampMs)) return stamp;
		// A server clock far behind its own stamps is not trusted further than this.
		const boundMs = Math.max(Math.floor(serverMs / 1000) * 1000 - CLOCK_MARGIN_MS, stampMs - MAX_LOWERING_MS);
		return boundMs < stampMs ? new Date(boundMs).toISOString().replace('.000Z', 'Z') : stamp;
	}

	/**
	 * The items to emit, oldest first (by the event's stamp, then by creation), and the cursor
	 * for the next poll. A first poll emits nothing.
	 */
	finish(): { items: IDataObject[]; cursor: PollCursor } {
		// A first poll's new-item walk read down to its floor, which is this same time.
		let at: string | null = this.maxStamp === null ? null : this.lowered(this.maxStamp);
		const previousAt = this.previous?.at ?? null;
		if (previousAt !== null) at = at === null ? previousAt : laterStamp(at, previousAt);
		let kept = at === null ? [] : this.walked.filter((entry) => compareStamps(entry.stamp, at as string) >= 0);
		if (kept.length > SEEN_CAP) {
			kept.sort((a, b) => compareStamps(b.stamp, a.stamp));
			const dropped = kept[SEEN_CAP].stamp;
			const above = kept.filter((entry) => compareStamps(entry.stamp, dropped) > 0);
			kept = above.length ? above : kept.filter((entry) => compareStamps(entry.stamp, dropped) === 0);
			at = kept[kept.length - 1].stamp;
		}
		const seen: Record<string, string> = {};
		for (const entry of kept) seen[entry.id] = entry.stamp;
		const items = this.fresh
			.map((entry, index) => ({ entry, index }))
			.sort((a, b) => compareStamps(a.entry.stamp, b.entry.stamp) || b.index - a.index)
			.map(({ entry }) => entry.item);
		return { items, cursor: { at, seen } };
	}
}

/**
 * For a manual test run: the item the trigger would emit last if all of `items` were new, i.e.
 * the newest by the event's stamp (the first listed on a tie, which is the newest created).
 */
export function newestItem(event: TriggerEvent, items: IDataObject[]): IDataObject | undefined {
	const field = stampField(event);
	let best: IDataObject | undefined;
	for (const item of items) {
		const stamp = item[field];
		if (typeof stamp !== 'string') continue;
		if (!best || compareStamps(stamp, best[field] as string) > 0) best = item;
	}
	return best;
}

/** The client-side folder filter: the API has no server-side one. */
export function inFolder(item: IDataObject, folderId: string | undefined): boolean {
	if (!folderId) return true;
	return typeof item.folder_id === 'string' && item.folder_id.toLowerCase() === folderId.toLowerCase();
}
