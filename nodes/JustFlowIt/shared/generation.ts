import { NodeApiError, NodeOperationError } from 'n8n-workflow';
import type { IDataObject, IExecuteSingleFunctions, INodeExecutionData, JsonObject } from 'n8n-workflow';

import { diagramImage, imageItem, lookUpDiagramName } from './binary';
import { API_PATHS, apiPath } from './constants';
import type { ImageFormat } from './constants';
import { bodyToObject, withoutAngleBrackets } from './errors';
import { cancelSignalOf, sendApiRequest } from './transport';
import { systemClock } from './rateGate';

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

/** The generation an answer holds; one without an id cannot be followed, which is said clearly. */
function startedGeneration(ctx: IExecuteSingleFunctions, items: INodeExecutionData[]): IDataObject {
	const generation = bodyToObject(items[0]?.json) ?? {};
	if (typeof generation.id !== 'string' || !generation.id) {
		throw new NodeOperationError(ctx.getNode(), 'Just Flow It started a generation but its answer has no generation ID', {
			description:
				'The node cannot follow a generation without its ID. Check Just Flow It for the new diagram before running again, so as not to generate it twice.',
			itemIndex: ctx.getItemIndex(),
		});
	}
	return generation;
}

/**
 * postReceive of Generate → Create: unless Wait for Completion is off, polls the generation until
 * it succeeds or fails, bounded by Options → Generation Timeout. Any status other than the two
 * terminal ones counts as still running (contract §16.7). A cancel of the execution stops it.
 */
export async function waitForGeneration(
	this: IExecuteSingleFunctions,
	items: INodeExecutionData[],
): Promise<INodeExecutionData[]> {
	if (!(this.getNodeParameter('waitForCompletion', true) as boolean)) return items;
	const generation = startedGeneration(this, items);
	const id = String(generation.id);
	const options = this.getNodeParameter('options', {}) as IDataObject;
	const timeoutSeconds = Number(options.timeout) > 0 ? Number(options.timeout) : DEFAULT_GENERATION_TIMEOUT_SECONDS;
	const signal = cancelSignalOf(this);
	const startedAt = systemClock.now();
	const deadline = startedAt + timeoutSeconds * 1000;
	let current = generation;
	let waitMs = POLL_FIRST_DELAY_MS;
	while (!TERMINAL.has(String(current.status))) {
		const remaining = deadline - systemClock.now();
		if (remaining <= 0) {
			throw new NodeOperationError(
				this.getNode(),
				`The generation did not finish within ${timeoutSeconds} seconds (still "${String(current.status)}")`,
				{
					description: `It keeps running in Just Flow It: use Generate → Get with generation ID ${id} to pick up the result later, or raise Options → Generation Timeout.`,
					itemIndex: this.getItemIndex(),
				},
			);
		}
		try {
			await systemClock.sleep(Math.min(waitMs, remaining), signal);
		} catch {
			throw new NodeOperationError(this.getNode(), 'The execution was cancelled while waiting for the generation', {
				description: `The generation keeps running in Just Flow It: use Generate → Get with generation ID ${id} to pick up the result.`,
				itemIndex: this.getItemIndex(),
			});
		}
		const response = await sendApiRequest(this, { method: 'GET', url: apiPath(API_PATHS.generation, id) });
		current = { ...(bodyToObject(response.body) ?? {}) };
		waitMs = pollDelay(systemClock.now() - startedAt);
	}
	if (current.status === 'failed') {
		const reason = (current.error ?? {}) as IDataObject;
		const apiReason = typeof reason.message === 'string' && reason.message ? withoutAngleBrackets(reason.message) : undefined;
		const code = typeof reason.code === 'string' ? ` Code: ${reason.code}.` : '';
		// The API's reason usually says what to change; the node's own advice only stands in for it.
		const advice = apiReason ? '' : 'Describe the steps, who does them and the decisions along the way, then run again. ';
		throw new NodeApiError(this.getNode(), { generation_id: id, ...reason } as JsonObject, {
			message: `Just Flow It could not generate the diagram: ${apiReason ?? 'no reason was given'}`,
			description: `${advice}Generation ID: ${id}.${code}`,
			itemIndex: this.getItemIndex(),
		});
	}
	return [{ json: current }];
}

/**
 * postReceive of Generate → Create, after waiting: the image of the new diagram, fetched through
 * the image endpoint (never by sending the key to `image_url`), unless Download Image is off.
 */
export async function downloadGeneratedImage(
	this: IExecuteSingleFunctions,
	items: INodeExecutionData[],
): Promise<INodeExecutionData[]> {
	const finished = (items[0]?.json ?? {}) as IDataObject;
	const waited = this.getNodeParameter('waitForCompletion', true) as boolean;
	if (!waited || finished.status !== 'succeeded' || !(this.getNodeParameter('downloadImage', true) as boolean)) return items;
	const diagramId = typeof finished.diagram_id === 'string' ? finished.diagram_id : '';
	if (!diagramId) {
		throw new NodeOperationError(this.getNode(), 'The generation succeeded but names no diagram to download', {
			description: `Use Generate → Get with generation ID ${String(finished.id)} to see it, then Render → Image.`,
			itemIndex: this.getItemIndex(),
		});
	}
	const options = this.getNodeParameter('options', {}) as IDataObject;
	const format: ImageFormat = (finished.format ?? options.format) === 'svg' ? 'svg' : 'png';
	const theme = String(finished.theme ?? options.theme ?? 'light') === 'dark' ? 'dark' : 'light';
	const image = await diagramImage(this, diagramId, { format, theme });
	// A generation is rare and costly: one more request for the new diagram's name is worth it.
	const name =
		(typeof finished.name === 'string' && finished.name ? finished.name : undefined) ??
		image.name ??
		(await lookUpDiagramName(this, diagramId));
	return [await imageItem(this, { json: finished, bytes: image.bytes, name, diagramId, format })];
}
