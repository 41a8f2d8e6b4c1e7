/**
 * The trigger's cursor logic, free of I/O: which listed items are new since the last walk, and
 * where the next one starts. listing.ts feeds it pages of the API's newest-first lists.
 *
 * The API lists diagrams and folders newest first by `created_at` (ties by id) and offers no
 * other order, no filter and no "changed since". Its timestamps have whole seconds. So:
 * - New items (`diagramCreated`, `folderCreated`): read pages until an item older than the
 *   cursor appears; everything above it that was not seen before is new.
 * - Changed items (`diagramChanged`): read the whole list and compare `updated_at` and a
 *   fingerprint of the item's fields.
 * The cursor is a time `at` plus the ids (with their record) already handled at or after `at`:
 * an item is new when its time is at or after `at` and its record differs from what was kept for
 * its id. This catches items stamped in the same second as the last poll (and a second change
 * within that second) without emitting any change twice.
 * A walk may take several polls (a large account, a poll budget, the rate limit): its position
 * (`WalkPosition`) is kept between them.
 */
import type { IDataObject } from 'n8n-workflow';

export type TriggerEvent = 'diagramCreated' | 'diagramChanged' | 'folderCreated';

const TRIGGER_EVENTS: readonly TriggerEvent[] = ['diagramCreated', 'diagramChanged', 'folderCreated'];

/** Where the last finished walk left the trigger. */
export interface PollCursor {
	/** Items stamped before this time (ISO-8601) are handled; null: nothing was listed yet. */
	at: string | null;
	/**
	 * Items stamped at or after `at` that are handled: id → their record (`stampRecord`): the
	 * stamp, and for changed diagrams a fingerprint of every field the API returned.
	 */
	seen: Record<string, string>;
}

/** A walk over the list that one poll could not finish: the next poll continues it. */
interface WalkPosition {
	/** The API's cursor for the next page; null: read from the top (its cursor expired). */
	next: string | null;
	/**
	 * After a restart from the top: the `created_at` of the last item read before, and the ids
	 * read with that `created_at`. Items above it were read already and are passed over.
	 */
	resumeBelow: { createdAt: string; ids: string[] } | null;
	/** The last item read: where a restart would resume. */
	last: { createdAt: string; ids: string[] } | null;
	/** The API's clock when the walk began (its `Date` header), if known. */
	startedAt: string | null;
	/** The API's clock at the last poll of the walk: how long the walk has lasted. */
	lastSeenAt: string | null;
	/** New-item walks: reading stops below this stamp (null: read to the end). */
	floor: string | null | undefined;
	/** The newest stamp read so far. */
	maxStamp: string | null;
	/** Items read so far that may stay above the next cursor: id → record. */
	kept: Record<string, string>;
	/** Pages read in this walk, and restarts after an expired cursor since it last got further. */
	pages: number;
	restarts: number;
}

/** What the trigger keeps in the workflow's static data (per node). */
interface TriggerState {
	version: 2;
	event: TriggerEvent;
	/** null until the first walk (which only records where the list stands) has finished. */
	cursor: PollCursor | null;
	/** The walk under way, when the last poll ran out of time or reached its read cap. */
	walk?: WalkPosition;
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

/**
 * The cursor never goes further below the newest stamp than this plus the walk's own length: a
 * server clock far behind its own stamps is not trusted further.
 */
const MAX_LOWERING_MS = 15 * 60 * 1000;

export function isTriggerEvent(value: unknown): value is TriggerEvent {
	return typeof value === 'string' && (TRIGGER_EVENTS as readonly string[]).includes(value);
}

export function isDiagramEvent(event: TriggerEvent): boolean {
	return event !== 'folderCreated';
}

/** The stamp that decides whether an item is new for this event. */
function stampField(event: TriggerEvent): 'created_at' | 'updated_at' {
	return event === 'diagramChanged' ? 'updated_at' : 'created_at';
}

/** Whether the event needs the whole list on every walk (no way to stop at the cursor). */
export function walksWholeList(event: TriggerEvent): boolean {
	return event === 'diagramChanged';
}

/** Compares two ISO-8601 stamps by time; stamps that do not parse compare as text. */
function compareStamps(a: string, b: string): number {
	const am = Date.parse(a);
	const bm = Date.parse(b);
	if (Number.isNaN(am) || Number.isNaN(bm)) return a < b ? -1 : a > b ? 1 : 0;
	return am - bm;
}

function laterStamp(a: string, b: string): string {
	return compareStamps(a, b) >= 0 ? a : b;
}

/** JSON with object keys sorted, so equal content gives equal text whatever the key order. */
function canonicalJson(value: unknown): string {
	if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
	if (value && typeof value === 'object') {
		const entries = Object.keys(value as IDataObject)
			.sort()
			.map((key) => `${JSON.stringify(key)}:${canonicalJson((value as IDataObject)[key])}`);
		return `{${entries.join(',')}}`;
	}
	return JSON.stringify(value) ?? 'null';
}

/** 32-bit FNV-1a of `text` from `seed`. */
function fnv1a(text: string, seed: number): number {
	let hash = seed >>> 0;
	for (let i = 0; i < text.length; i++) {
		hash ^= text.charCodeAt(i);
		hash = Math.imul(hash, 0x01000193) >>> 0;
	}
	return hash >>> 0;
}

/**
 * A short fingerprint of everything the API returned about an item (64 bits: two FNV-1a hashes),
 * so a change that kept its `updated_at` second (two renames within one second) still shows.
 */
export function fingerprint(item: IDataObject): string {
	const text = canonicalJson(item);
	return `${fnv1a(text, 0x811c9dc5).toString(16).padStart(8, '0')}${fnv1a(text, 0x050c5d1f).toString(16).padStart(8, '0')}`;
}

/**
 * What the cursor remembers of a handled item: its stamp, plus (changed diagrams only) its
 * fingerprint. New-item events remember only the stamp: a renamed folder is not new again.
 */
export function stampRecord(event: TriggerEvent, stamp: string, item: IDataObject): string {
	return event === 'diagramChanged' ? `${stamp} ${fingerprint(item)}` : stamp;
}

/** Whether a remembered record stands for what was just read (version 1 kept bare stamps). */
function sameRecord(remembered: string | undefined, record: string): boolean {
	if (remembered === undefined) return false;
	if (!remembered.includes(' ')) return remembered === record.split(' ')[0];
	return remembered === record;
}

function isCursor(value: unknown): value is PollCursor {
	if (!value || typeof value !== 'object') return false;
	const cursor = value as Partial<PollCursor>;
	return (cursor.at === null || typeof cursor.at === 'string') && !!cursor.seen && typeof cursor.seen === 'object';
}

function isWalk(value: unknown): value is WalkPosition {
	if (!value || typeof value !== 'object') return false;
	const walk = value as Partial<WalkPosition>;
	return (
		(walk.next === null || typeof walk.next === 'string') &&
		!!walk.kept &&
		typeof walk.kept === 'object' &&
		typeof walk.pages === 'number' &&
		typeof walk.restarts === 'number'
	);
}

/**
 * The state as stored, when it is one this version can read for `event` (version 1 is read as a
 * cursor with no walk under way); otherwise undefined, and the trigger starts over.
 */
export function readState(staticData: IDataObject, event: TriggerEvent): TriggerState | undefined {
	const state = staticData.trigger as { version?: unknown; event?: unknown; cursor?: unknown; walk?: unknown } | undefined;
	if (!state || typeof state !== 'object' || state.event !== event) return undefined;
	if (state.version !== 1 && state.version !== 2) return undefined;
	const cursor = isCursor(state.cursor) ? { at: state.cursor.at, seen: { ...state.cursor.seen } } : null;
	if (state.version === 1 && !cursor) return undefined;
	if (state.cursor !== null && !cursor) return undefined;
	const walk = isWalk(state.walk) ? (JSON.parse(JSON.stringify(state.walk)) as WalkPosition) : undefined;
	return { version: 2, event, cursor, ...(walk ? { walk } : {}) };
}

/** Writes the state into the node's static data (the only place the cursor moves). */
export function writeState(staticData: IDataObject, state: TriggerState): void {
	staticData.trigger = JSON.parse(JSON.stringify(state)) as IDataObject;
}

interface Fresh {
	stamp: string;
	order: number;
	item: IDataObject;
}

/**
 * One walk over a newest-first list, which may take several polls. Feed it each page in order
 * with `addPage`, which says whether the next page is needed; `takeFresh` gives what this poll
 * found to emit; when the walk is done, `finish` gives the next cursor, otherwise `walkPosition` is
 * what the next poll continues from.
 *
 * Nothing is emitted twice and nothing skipped across polls: each item shows up once in a walk
 * (the API's cursors mark stable positions); an item changed after its page was read is
 * stamped at or after the walk's start, which stays above the next cursor, so the next walk
 * finds it; and what this walk read above that line is remembered (`kept`) with its record.
 */
export class PollWalk {
	private readonly field: 'created_at' | 'updated_at';

	private readonly wholeList: boolean;

	private readonly position: WalkPosition;

	private fresh: Fresh[] = [];

	private done = false;

	/**
	 * @param event what the trigger watches
	 * @param previous the cursor of the last finished walk; undefined before the first one (which
	 *   only records where the list stands, and emits nothing)
	 * @param position the walk under way, when the last poll left one
	 */
	constructor(
		readonly event: TriggerEvent,
		private readonly previous: PollCursor | undefined,
		position?: WalkPosition,
	) {
		this.field = stampField(event);
		this.wholeList = walksWholeList(event);
		this.position = position
			? (JSON.parse(JSON.stringify(position)) as WalkPosition)
			: {
					next: null,
					resumeBelow: null,
					last: null,
					startedAt: null,
					lastSeenAt: null,
					floor: previous ? previous.at : undefined,
					maxStamp: null,
					kept: {},
					pages: 0,
					restarts: 0,
				};
	}

	/** The API cursor to read the next page with (undefined: the top of the list). */
	get nextCursor(): string | undefined {
		return this.position.next ?? undefined;
	}

	get pagesRead(): number {
		return this.position.pages;
	}

	get restarts(): number {
		return this.position.restarts;
	}

	/** The API's clock (`Date` header) of an answer in this walk. */
	noteServerTime(serverTime: string | undefined): void {
		if (!serverTime || Number.isNaN(Date.parse(serverTime))) return;
		this.position.startedAt ??= serverTime;
		this.position.lastSeenAt = serverTime;
	}

	/** The API's cursor expired: read again from the top, passing over what was read. */
	restart(): void {
		this.position.next = null;
		this.position.resumeBelow = this.position.resumeBelow ?? this.position.last;
		this.position.restarts++;
	}

	/** Takes one page of the list (newest first) and the API's cursor to the page after it. */
	addPage(items: IDataObject[], next: string | null): boolean {
		this.position.pages++;
		for (const item of items) {
			const id = String(item.id ?? '');
			const stamp = typeof item[this.field] === 'string' ? (item[this.field] as string) : '';
			const createdAt = typeof item.created_at === 'string' ? item.created_at : '';
			if (!id || !stamp) continue;
			if (this.readBefore(id, createdAt)) continue;
			this.notePosition(id, createdAt);
			// The first item of a first walk is the newest: the walk reads down to just below it.
			if (this.position.floor === undefined) this.position.floor = this.lowered(stamp);
			const record = stampRecord(this.event, stamp, item);
			this.position.maxStamp = this.position.maxStamp === null ? stamp : laterStamp(this.position.maxStamp, stamp);
			if (this.previous && this.isNew(id, stamp, record)) {
				this.fresh.push({ stamp, order: this.fresh.length, item });
			}
			if (compareStamps(stamp, this.threshold() ?? stamp) >= 0) this.position.kept[id] = record;
			if (!this.wholeList && this.position.floor !== null && compareStamps(stamp, this.position.floor) < 0) this.done = true;
		}
		this.prune();
		this.position.next = next;
		if (!next) this.done = true;
		return !this.done;
	}

	/** Whether the walk has read to its end (the list's, or below the cursor). */
	get finished(): boolean {
		return this.done;
	}

	/** After a restart: whether an item lies above where the walk had got to (read already). */
	private readBefore(id: string, createdAt: string): boolean {
		const below = this.position.resumeBelow;
		if (!below) return false;
		const order = createdAt ? compareStamps(createdAt, below.createdAt) : 0;
		if (order > 0 || (order === 0 && below.ids.includes(id))) return true;
		// Past where the walk had got to: it is making progress again.
		this.position.resumeBelow = null;
		this.position.restarts = 0;
		return false;
	}

	private notePosition(id: string, createdAt: string): void {
		const last = this.position.last;
		if (last && last.createdAt === createdAt) last.ids.push(id);
		else this.position.last = { createdAt, ids: [id] };
	}

	private isNew(id: string, stamp: string, record: string): boolean {
		const { at, seen } = this.previous as PollCursor;
		if (at !== null && compareStamps(stamp, at) < 0) return false;
		return !sameRecord(seen[id], record) && !sameRecord(this.position.kept[id], record);
	}

	/** Where the next cursor would stand if the walk ended now. */
	private threshold(): string | null {
		const maxStamp = this.position.maxStamp;
		let at: string | null = maxStamp === null ? null : this.lowered(maxStamp);
		const previousAt = this.previous?.at ?? null;
		if (previousAt !== null) at = at === null ? previousAt : laterStamp(at, previousAt);
		return at;
	}

	/** Forgets kept items that fell below the threshold (it only rises). */
	private prune(): void {
		const at = this.threshold();
		if (at === null) return;
		for (const [id, record] of Object.entries(this.position.kept)) {
			if (compareStamps(record.split(' ')[0], at) < 0) delete this.position.kept[id];
		}
	}

	/**
	 * A stamp lowered to just below the API's clock when the walk began: an item changed while the
	 * walk was under way (on a page already read) is stamped at or after that time, and must not
	 * fall below the next cursor.
	 */
	private lowered(stamp: string): string {
		const { startedAt, lastSeenAt } = this.position;
		if (!startedAt) return stamp;
		const serverMs = Date.parse(startedAt);
		const stampMs = Date.parse(stamp);
		if (Number.isNaN(serverMs) || Number.isNaN(stampMs)) return stamp;
		const walkMs = Math.max(0, Date.parse(lastSeenAt ?? startedAt) - serverMs) || 0;
		// A server clock far behind its own stamps is not trusted further than this.
		const boundMs = Math.max(Math.floor(serverMs / 1000) * 1000 - CLOCK_MARGIN_MS, stampMs - MAX_LOWERING_MS - walkMs);
		return boundMs < stampMs ? new Date(boundMs).toISOString().replace('.000Z', 'Z') : stamp;
	}

	/** What this poll found to emit, oldest first (by the event's stamp, then by creation). */
	takeFresh(): IDataObject[] {
		const items = [...this.fresh]
			.sort((a, b) => compareStamps(a.stamp, b.stamp) || b.order - a.order)
			.map(({ item }) => item);
		for (const { item, stamp } of this.fresh) {
			const id = String(item.id);
			this.position.kept[id] = stampRecord(this.event, stamp, item);
		}
		this.fresh = [];
		this.prune();
		return items;
	}

	/** Where the next poll continues this walk. */
	get walkPosition(): WalkPosition {
		return JSON.parse(JSON.stringify(this.position)) as WalkPosition;
	}

	/** The cursor for the next walk, once this one is done. */
	finish(): PollCursor {
		let at = this.threshold();
		let kept = at === null ? [] : Object.entries(this.position.kept).filter(([, record]) => compareStamps(record.split(' ')[0], at as string) >= 0);
		if (kept.length > SEEN_CAP) {
			const stampOf = (record: string) => record.split(' ')[0];
			kept.sort((a, b) => compareStamps(stampOf(b[1]), stampOf(a[1])));
			const dropped = stampOf(kept[SEEN_CAP][1]);
			const above = kept.filter(([, record]) => compareStamps(stampOf(record), dropped) > 0);
			kept = above.length ? above : kept.filter(([, record]) => compareStamps(stampOf(record), dropped) === 0);
			at = stampOf(kept[kept.length - 1][1]);
		}
		return { at, seen: Object.fromEntries(kept) };
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
