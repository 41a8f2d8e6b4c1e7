import { NodeOperationError } from 'n8n-workflow';
import type { IDataObject, IPollFunctions } from 'n8n-workflow';

import { API_PATHS, MAX_PAGE_SIZE } from '../JustFlowIt/shared/constants';
import { asNodeError, RequestFailedError } from '../JustFlowIt/shared/errors';
import { headerValue } from '../JustFlowIt/shared/http';
import { withoutAngleBrackets } from '../JustFlowIt/shared/secrets';
import { systemClock } from '../JustFlowIt/shared/clock';
import { ListWalk, readListPage } from '../JustFlowIt/shared/lists';
import type { ListDescription, ListPage } from '../JustFlowIt/shared/lists';
import { sendApiRequest } from '../JustFlowIt/shared/transport';
import { idFromValue, isUuid } from '../JustFlowIt/shared/validation';
import { isNoAnswer, isRateLimited, RateLimitSeen } from './failure';
import { isDiagramEvent } from './poll';
import type { PollWalk, TriggerEvent } from './poll';

/** Default of the option "Max Items to Read per Poll": 100 requests; the rest waits for the next poll. */
export const DEFAULT_MAX_ITEMS_PER_POLL = 10_000;

/** The folder filter's id (from any mode of the locator, a pasted link included), or undefined. */
export function readFolderFilter(ctx: IPollFunctions): string | undefined {
	const value = idFromValue(ctx.getNodeParameter('folderId', '', { extractValue: true }));
	if (!value) return undefined;
	if (!isUuid(value)) {
		throw new NodeOperationError(ctx.getNode(), `Folder "${withoutAngleBrackets(value.slice(0, 80))}" is not a valid ID`, {
			description:
				'Just Flow It IDs look like 8b1f6c2e-3a4d-4e9b-9c1a-2f7d8e0a5b3c. Choose the folder from the list, paste its ID or its link, or leave it empty for all diagrams.',
		});
	}
	return value.toLowerCase();
}

/**
 * The bound of one poll where n8n gives none (n8n 1.x): the budget n8n 2.41's durable scheduler
 * gives by default (45 s poll timeout less its 9 s margin).
 */
const FIXED_POLL_BUDGET_MS = 36_000;

/** Kept back from the budget for what follows the last request (building the items). */
const BUDGET_RESERVE_MS = 500;

/** Restarts in a row (expired cursors with no progress between them) after which n8n's log says so. */
const WARN_AFTER_RESTARTS = 3;

/** How long one poll may take and when it must end, on the clock the transport waits with. */
export interface PollBounds {
	startedAt: number;
	deadline: number;
}

/** n8n's time budget for this poll (n8n 2.41 and later), else FIXED_POLL_BUDGET_MS. */
export function pollBounds(ctx: IPollFunctions): PollBounds {
	const getBudget = (ctx as { getPollBudgetMs?: unknown }).getPollBudgetMs;
	const given = typeof getBudget === 'function' ? Number(getBudget.call(ctx)) : NaN;
	const budgetMs = Number.isFinite(given) && given > 0 ? given : FIXED_POLL_BUDGET_MS;
	const startedAt = systemClock.now();
	return { startedAt, deadline: startedAt + Math.max(1, budgetMs - Math.min(BUDGET_RESERVE_MS, budgetMs / 10)) };
}

/** One page of the event's list (the shared reader's page) and the API's clock when it was read. */
interface TriggerListPage extends ListPage {
	serverTime: string | undefined;
}

/**
 * Reads one page (100 items) of the event's list, within the poll's bounds: the request's
 * timeout, its waits for a turn under the rate limit and its retries all end by `deadline`.
 */
async function readPage(
	ctx: IPollFunctions,
	event: TriggerEvent,
	cursor: string | undefined,
	deadline: number,
	rate: RateLimitSeen,
): Promise<TriggerListPage> {
	const diagrams = isDiagramEvent(event);
	const left = Math.max(0, deadline - systemClock.now());
	const response = await sendApiRequest(
		ctx,
		{
			method: 'GET',
			url: diagrams ? API_PATHS.diagrams : API_PATHS.folders,
			qs: { limit: MAX_PAGE_SIZE, ...(cursor ? { cursor } : {}) },
			timeout: Math.max(1, Math.floor(left)),
		},
		{ resource: diagrams ? 'diagram' : 'folder', operation: 'getAll', maxRateLimitWaitSeconds: Math.floor(left / 1000), deadline },
	);
	rate.note(response.headers as IDataObject);
	let page: ListPage;
	try {
		page = readListPage(response, listOf(ctx, event));
	} catch (caught) {
		// Not a list (a web page, a wrong Base URL): a user has to fix it; the position stays.
		const error = asNodeError(ctx.getNode(), caught);
		error.failure = { cause: 'configuration-invalid' };
		throw error;
	}
	return { ...page, serverTime: headerValue(response.headers, 'date') };
}

/** The event's list, as the shared list reader words its errors. */
function listOf(ctx: IPollFunctions, event: TriggerEvent): ListDescription {
	return { node: ctx.getNode(), plural: isDiagramEvent(event) ? 'diagrams' : 'folders' };
}

function isExpiredCursor(error: unknown): boolean {
	return error instanceof RequestFailedError && error.apiFailure.status === 400 && error.apiFailure.code === 'invalid_cursor';
}

/** Why a poll's share of a walk ended. */
type WalkStop = 'done' | 'outOfTime' | 'readCap';

/**
 * Continues `walk` page by page until it is done, the poll's time is up (the next page would not
 * fit, or no turn or answer came in time after at least one page), or `maxPages` were read.
 * An expired API cursor restarts the walk from the top (what was read is passed over; the
 * position moves on with the new cursors, so a walk still finishes when cursors outlive the time
 * between two polls). Throws when the poll could not read a single page.
 */
export async function continueWalk(
	ctx: IPollFunctions,
	walk: PollWalk,
	bounds: PollBounds,
	maxPages: number,
	rate: RateLimitSeen,
): Promise<WalkStop> {
	const plural = isDiagramEvent(walk.event) ? 'diagrams' : 'folders';
	// Stops a list that cannot end (a cursor again, more after an empty page, nothing new).
	let guard = new ListWalk(listOf(ctx, walk.event));
	for (let page = 0; ; page++) {
		if (page >= maxPages) return 'readCap';
		const now = systemClock.now();
		if (page > 0 && now + (now - bounds.startedAt) / page > bounds.deadline) return 'outOfTime';
		let read: TriggerListPage;
		try {
			read = await readPage(ctx, walk.event, walk.nextCursor, bounds.deadline, rate);
		} catch (error) {
			if (isExpiredCursor(error) && walk.nextCursor !== undefined) {
				if (walk.restarts >= WARN_AFTER_RESTARTS) {
					ctx.logger.warn(
						`Just Flow It Trigger: the ${plural} list's cursor expired between polls ${walk.restarts + 1} times in a row; each poll re-reads what it had read. Poll more often, or raise "Max Items to Read per Poll" so a walk needs fewer polls.`,
					);
				}
				walk.restart();
				guard = new ListWalk(listOf(ctx, walk.event));
				// The refused request read nothing: it does not count against the poll's pages.
				page--;
				continue;
			}
			// No turn under the rate limit, or no answer before the deadline: a poll that has read
			// something stops here and keeps it; one that has not fails, saying why.
			const noTimeLeft = isRateLimited(error) || (isNoAnswer(error) && systemClock.now() >= bounds.deadline - 1000);
			if (page > 0 && noTimeLeft) return 'outOfTime';
			throw asNodeError(ctx.getNode(), error);
		}
		walk.noteServerTime(read.serverTime);
		guard.accept(read, walk.nextCursor);
		if (!walk.addPage(read.items, read.nextCursor ?? null)) return 'done';
	}
}

/**
 * "Fetch Test Event": reads the event's list from the top, handing each page to `onPage` until it
 * returns false, the list ends, `maxItems` were read or the bounds are reached (it keeps what it read).
 */
export async function readForTestEvent(
	ctx: IPollFunctions,
	event: TriggerEvent,
	maxItems: number,
	onPage: (items: IDataObject[]) => boolean,
): Promise<void> {
	const bounds = pollBounds(ctx);
	const rate = new RateLimitSeen();
	let cursor: string | undefined;
	for (let page = 0; page < Math.ceil(maxItems / MAX_PAGE_SIZE); page++) {
		let read: TriggerListPage;
		try {
			read = await readPage(ctx, event, cursor, bounds.deadline, rate);
		} catch (error) {
			if (page > 0 && (isRateLimited(error) || isNoAnswer(error))) return;
			throw asNodeError(ctx.getNode(), error);
		}
		if (!onPage(read.items) || !read.nextCursor) return;
		cursor = read.nextCursor;
	}
}
