import { NodeApiError, NodeOperationError, sleep } from 'n8n-workflow';
import type {
	DeclarativeRestApiSettings,
	IDataObject,
	IExecutePaginationFunctions,
	INodeExecutionData,
	JsonObject,
} from 'n8n-workflow';

import { diagramName, imageBytes, imageItem } from './binary';
import { API_PATHS, apiPath } from './constants';
import type { ImageFormat } from './constants';
import { bodyToObject } from './errors';
import { itemExecutor } from './executors';
import { apiRequest, prepareRequestScope, sendRoutedRequest } from './transport';
import type { RequestScope } from './transport';

/**
 * Polling schedule (contract §9 leaves it to us). The first look is after 2 s; after that the
 * node waits 15 % of the time the generation has run so far (at least 0.5 s, at most 10 s).
 * A job that ends at time T is then seen by T × 1.15 at the latest — at most 15 % added latency —
 * with the fewest polls that promise allows (the polls grow geometrically, so a 2-minute job
 * takes about 30 polls and a 5-second one about 7). Every poll also passes the key's rate gate.
 */
export const POLL_FIRST_DELAY_MS = 2000;
export const POLL_GROWTH = 0.15;
export const POLL_MIN_DELAY_MS = 500;
export const POLL_MAX_DELAY_MS = 10_000;
export const DEFAULT_GENERATION_TIMEOUT_SECONDS = 300;

/** How long to wait before the next poll, `elapsedMs` after the generation was started. */
export function pollDelay(elapsedMs: number): number {
	return Math.min(POLL_MAX_DELAY_MS, Math.max(POLL_MIN_DELAY_MS, elapsedMs * POLL_GROWTH));
}

const TERMINAL = new Set(['succeeded', 'failed']);

async function fetchGeneration(ctx: IExecutePaginationFunctions, scope: RequestScope, id: string): Promise<IDataObject> {
	const response = await apiRequest(ctx, scope, { method: 'GET', url: apiPath(API_PATHS.generation, id) });
	return bodyToObject(response.body) ?? {};
}

/**
 * Polls a generation until it succeeds or fails, bounded by `timeoutSeconds`. Any status other
 * than the two terminal ones counts as still running (contract §16.7).
 */
async function waitForGeneration(
	ctx: IExecutePaginationFunctions,
	scope: RequestScope,
	generation: IDataObject,
	timeoutSeconds: number,
): Promise<IDataObject> {
	const id = String(generation.id);
	const startedAt = Date.now();
	const deadline = startedAt + timeoutSeconds * 1000;
	let current = generation;
	let waitMs = POLL_FIRST_DELAY_MS;
	while (!TERMINAL.has(String(current.status))) {
		const remaining = deadline - Date.now();
		if (remaining <= 0) {
			throw new NodeOperationError(
				ctx.getNode(),
				`The generation did not finish within ${timeoutSeconds} seconds (still "${String(current.status)}")`,
				{
					description: `Generation ID: ${id}. It keeps running in Just Flow It: use Generate → Get with this ID to pick up the result later, or raise Options → Timeout.`,
					itemIndex: ctx.getItemIndex(),
				},
			);
		}
		await sleep(Math.min(waitMs, remaining));
		current = { ...(await fetchGeneration(ctx, scope, id)) };
		waitMs = pollDelay(Date.now() - startedAt);
	}
	if (current.status === 'failed') {
		const reason = (current.error ?? {}) as IDataObject;
		const reasonText = typeof reason.message === 'string' ? reason.message : 'no reason was given';
		throw new NodeApiError(ctx.getNode(), { generation_id: id, ...reason } as JsonObject, {
			message: `Just Flow It could not generate the diagram: ${reasonText}`,
			description: `Rephrase the prompt (describe the steps, who does them, and the decisions) and run again. Generation ID: ${id}${typeof reason.code === 'string' ? `\nCode: ${reason.code}` : ''}`,
			itemIndex: ctx.getItemIndex(),
		});
	}
	return current;
}

/**
 * Executor of Generate → Create: starts the generation and, unless told not to, waits for it
 * and downloads the image through the image endpoint (never by sending the key to `image_url`).
 */
export const generateDiagram = itemExecutor(async function (
	this: IExecutePaginationFunctions,
	requestData: DeclarativeRestApiSettings.ResultOptions,
): Promise<INodeExecutionData[]> {
	const scope = await prepareRequestScope(this, 'POST');
	const [started] = await sendRoutedRequest(this, scope, requestData);
	const generation = (started?.json ?? {}) as IDataObject;
	if (!(this.getNodeParameter('waitForCompletion', true) as boolean)) return [{ json: generation }];

	const options = this.getNodeParameter('options', {}) as IDataObject;
	const timeoutSeconds = Number(options.timeout ?? DEFAULT_GENERATION_TIMEOUT_SECONDS) || DEFAULT_GENERATION_TIMEOUT_SECONDS;
	const pollScope = { ...scope, context: { ...scope.context, isPost: false } };
	const finished = await waitForGeneration(this, pollScope, generation, timeoutSeconds);
	if (!(this.getNodeParameter('downloadImage', true) as boolean)) return [{ json: finished }];

	const diagramId = String(finished.diagram_id ?? '');
	if (!diagramId) {
		throw new NodeOperationError(this.getNode(), 'The generation succeeded but names no diagram to download', {
			description: `Generation ID: ${String(finished.id)}. Use Generate → Get to see it, then Render → Image.`,
			itemIndex: this.getItemIndex(),
		});
	}
	const format: ImageFormat = (finished.format ?? options.format) === 'svg' ? 'svg' : 'png';
	const theme = String(finished.theme ?? options.theme ?? 'light') === 'dark' ? 'dark' : 'light';
	const response = await apiRequest(this, pollScope, {
		method: 'GET',
		url: apiPath(API_PATHS.diagramImage, diagramId),
		qs: { theme, format },
		json: false,
		encoding: 'arraybuffer',
	});
	const bytes = await imageBytes(this, pollScope, response, format);
	const name =
		typeof finished.name === 'string' && finished.name
			? finished.name
			: await diagramName(this, pollScope, diagramId);
	const property = String(this.getNodeParameter('binaryPropertyName', 'data')).trim() || 'data';
	return [await imageItem(this, { json: finished, bytes, name, format, property })];
});
