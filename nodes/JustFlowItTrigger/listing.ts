import { NodeOperationError } from 'n8n-workflow';
import type { IDataObject, IPollFunctions } from 'n8n-workflow';

import { API_PATHS, MAX_PAGE_SIZE } from '../JustFlowIt/shared/constants';
import { bodyToObject, headerValue, withoutAngleBrackets } from '../JustFlowIt/shared/errors';
import { sendApiRequest } from '../JustFlowIt/shared/transport';
import { isUuid } from '../JustFlowIt/shared/validation';
import { FOLDER_URL_REGEX } from './descriptions';
import { isDiagramEvent } from './poll';
import type { TriggerEvent } from './poll';

/** Default of the option "Max Items to Read per Poll": 100 requests. */
export const DEFAULT_MAX_ITEMS_PER_POLL = 10_000;

/** Stop before this share of n8n's poll budget is used (the next page must still fit). */
const BUDGET_SHARE = 0.8;

/** The folder filter's id (from any mode of the locator, a pasted link included), or undefined. */
export function readFolderFilter(ctx: IPollFunctions): string | undefined {
	const raw = ctx.getNodeParameter('folderId', '', { extractValue: true }) as unknown;
	let value =
		raw && typeof raw === 'object' && 'value' in raw
			? String((raw as { value: unknown }).value ?? '')
			: typeof raw === 'string'
				? raw
				: '';
	value = value.trim();
	if (!value) return undefined;
	const linked = new RegExp(FOLDER_URL_REGEX).exec(value);
	if (linked) value = linked[1];
	if (!isUuid(value)) {
		throw new NodeOperationError(ctx.getNode(), `Folder "${withoutAngleBrackets(value.slice(0, 80))}" is not a valid ID`, {
			description:
				'Just Flow It IDs look like 8b1f6c2e-3a4d-4e9b-9c1a-2f7d8e0a5b3c. Choose the folder from the list, paste its ID or its link, or leave it empty for all diagrams.',
		});
	}
	return value.toLowerCase();
}

/** n8n's time budget for one poll in milliseconds (n8n 2.41 and later), if it has one. */
function pollBudgetMs(ctx: IPollFunctions): number | undefined {
	const getBudget = (ctx as { getPollBudgetMs?: unknown }).getPollBudgetMs;
	if (typeof getBudget !== 'function') return undefined;
	const budget = Number(getBudget.call(ctx));
	return Number.isFinite(budget) && budget > 0 ? budget : undefined;
}

/**
 * Reads the event's list page by page (100 per request), newest first, handing each page and the
 * API's clock (`Date` header of the first answer) to `onPage`, until `onPage` returns false or
 * the list ends. Never reads more than `maxItems`, and stops before n8n's poll budget runs out:
 * in both cases a poll fails (so the cursor stays where it was and nothing is skipped), while a
 * manual test run just keeps what it read.
 */
export async function readPages(
	ctx: IPollFunctions,
	event: TriggerEvent,
	maxItems: number,
	onPage: (items: IDataObject[], serverTime: string | undefined) => boolean,
): Promise<void> {
	const diagrams = isDiagramEvent(event);
	const plural = diagrams ? 'diagrams' : 'folders';
	const resource = diagrams ? 'diagram' : 'folder';
	const manual = ctx.getMode() === 'manual';
	const maxPages = Math.ceil(maxItems / MAX_PAGE_SIZE);
	const budget = pollBudgetMs(ctx);
	const started = Date.now();
	let cursor: string | undefined;
	let serverTime: string | undefined;
	for (let page = 0; ; page++) {
		if (page >= maxPages) {
			if (manual) return;
			const error = new NodeOperationError(ctx.getNode(), `More than ${maxItems} ${plural} to read in one poll`, {
				description: `Nothing was emitted and the trigger's position is unchanged: the next poll tries again and misses nothing. Raise "Max Items to Read per Poll" under Options (each 100 ${plural} cost one request).`,
			});
			// n8n 2.41's poll scheduler backs off on failures a user has to fix (older n8n ignores it).
			error.failure = { cause: 'configuration-invalid' };
			throw error;
		}
		if (budget !== undefined && page > 0) {
			const elapsed = Date.now() - started;
			if (elapsed + elapsed / page > budget * BUDGET_SHARE) {
				if (manual) return;
				throw new NodeOperationError(ctx.getNode(), `Reading the ${plural} took longer than n8n allows for one poll`, {
					description: `After ${page} pages (${Math.round(elapsed / 1000)} s of n8n's ${Math.round(budget / 1000)} s per poll) the trigger stopped. Nothing was emitted and its position is unchanged: the next poll tries again and misses nothing.`,
				});
			}
		}
		// Waits for a turn under the rate limit count against n8n's time for this poll.
		const maxRateLimitWaitSeconds =
			budget === undefined ? undefined : Math.max(0, Math.floor((budget * BUDGET_SHARE - (Date.now() - started)) / 1000));
		const response = await sendApiRequest(
			ctx,
			{
				method: 'GET',
				url: diagrams ? API_PATHS.diagrams : API_PATHS.folders,
				qs: { limit: MAX_PAGE_SIZE, ...(cursor ? { cursor } : {}) },
			},
			{ resource, operation: 'getAll', ...(maxRateLimitWaitSeconds === undefined ? {} : { maxRateLimitWaitSeconds }) },
		);
		if (page === 0) serverTime = headerValue(response.headers, 'date');
		const body = bodyToObject(response.body);
		if (!body || !Array.isArray(body.data)) {
			throw new NodeOperationError(ctx.getNode(), `Just Flow It answered the ${plural} list with something that is not a list`, {
				description: 'Nothing was emitted and the trigger\'s position is unchanged. Check the credential\'s Base URL.',
			});
		}
		const more = onPage(body.data as IDataObject[], serverTime);
		const next = body.has_more === true && typeof body.next_cursor === 'string' ? body.next_cursor : '';
		if (!more || !next) return;
		cursor = next;
	}
}
