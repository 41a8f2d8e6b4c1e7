import { NodeApiError, NodeOperationError } from 'n8n-workflow';
import type { IDataObject, IExecuteSingleFunctions, INodeExecutionData, JsonObject } from 'n8n-workflow';

import { diagramImage, imageItem, lookUpDiagramName } from './binary';
import { readJsonObject } from './answers';
import { API_PATHS, apiPath, imageFormatOf, themeOf } from './constants';
import { asNodeError, RETRY_ON_FAIL_ADVICE } from './errors';
import { bodyToObject } from './http';
import { withoutAngleBrackets } from './secrets';
import { isToolNode } from './tool';
import { cancelSignalOf, sendApiRequest } from './transport';
import { systemClock } from './clock';

/**
 * Polling schedule (contract §9 leaves it to us). The first look is after 2 s; after that the
 * node waits 15 % of the time the generation has run so far (at least 0.5 s, at most 10 s).
 * A job that ends at time T (past about 4 s) is then seen by T × 1.15 at the latest — at most
 * 15 % added latency — with the fewest polls that promise allows (the polls grow geometrically,
 * so a 2-minute job takes about 30 polls and a 5-second one about 7). Every poll also passes the
 * key's rate gate.
 */
const POLL_FIRST_DELAY_MS = 2000;
const POLL_GROWTH = 0.15;
const POLL_MIN_DELAY_MS = 500;
const POLL_MAX_DELAY_MS = 10_000;
export const DEFAULT_GENERATION_TIMEOUT_SECONDS = 300;

/** How long to wait before the next poll, `elapsedMs` after the generation was started. */
function pollDelay(elapsedMs: number): number {
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

/** The ids of a generation Just Flow It accepted: what the user needs to pick its result up. */
interface AcceptedGeneration {
	generationId: string;
	/** Known once the generation has succeeded. */
	diagramId?: string;
}

/**
 * How to get the result of an accepted generation without starting (and paying for) another one.
 * Re-running the node, or n8n's Retry On Fail, would send the POST again.
 */
export function pickUpAdvice(ids: AcceptedGeneration): string {
	const again = 'Running this node again would start, and use quota for, a new generation.';
	if (ids.diagramId) {
		return `The diagram was generated and saved in Just Flow It (generation ID ${ids.generationId}, diagram ID ${ids.diagramId}): pick it up with Render → Image or Diagram → Export and diagram ID ${ids.diagramId}, or with Generate → Get and generation ID ${ids.generationId}. ${again}`;
	}
	return `The generation was accepted and keeps running in Just Flow It (generation ID ${ids.generationId}): pick up the result with Generate → Get and this generation ID; once it has succeeded, that names the diagram ID for Render → Image and Diagram → Export. ${again}`;
}

/**
 * A failure after the generation was accepted, made to keep the generation: the description
 * starts with the ids and how to pick the result up, and a continue-on-fail item carries the ids
 * as fields (`itemFields`, read by routing's errorJson).
 */
function keepingIds(ctx: IExecuteSingleFunctions, caught: unknown, ids: AcceptedGeneration): NodeApiError | NodeOperationError {
	const error = asNodeError(ctx.getNode(), caught, ctx.getItemIndex());
	const advice = pickUpAdvice(ids);
	// A download is worded as Render → Image (the diagram's scope and 404), but it belongs to Create:
	// Retry On Fail would generate again.
	const description = String(error.description ?? '').replace(RETRY_ON_FAIL_ADVICE, '').trim();
	error.description = [advice, description.replace(advice, '').trim()].filter(Boolean).join(' ');
	// As an AI agent's tool only the message reaches the model: the ids must be in it.
	if (isToolNode(ctx.getNode()) && !error.message.includes(ids.generationId)) error.message = `${error.message}. ${advice}`;
	Object.assign(error, { itemFields: { generationId: ids.generationId, diagramId: ids.diagramId ?? null } });
	return error;
}

/**
 * postReceive of Generate → Create: unless Wait for Completion is off, polls the generation until
 * it succeeds or fails, bounded by Options → Generation Timeout. Any status other than the two
 * terminal ones counts as still running (contract §16.7); a poll's answer that is not the
 * generation (empty, a web page, JSON without an id) is an error. A cancel of the execution stops it.
 * Any failure on the way keeps the generation's id (keepingIds): it is paid for already.
 */
export async function waitForGeneration(
	this: IExecuteSingleFunctions,
	items: INodeExecutionData[],
): Promise<INodeExecutionData[]> {
	if (!(this.getNodeParameter('waitForCompletion', true) as boolean)) return items;
	const generation = startedGeneration(this, items);
	const id = String(generation.id);
	let current: IDataObject;
	try {
		current = await pollUntilDone(this, generation);
	} catch (error) {
		throw keepingIds(this, error, { generationId: id });
	}
	if (current.status === 'failed') {
		const reason = (current.error ?? {}) as IDataObject;
		const apiReason = typeof reason.message === 'string' && reason.message ? withoutAngleBrackets(reason.message) : undefined;
		const code = typeof reason.code === 'string' ? ` Code: ${reason.code}.` : '';
		// The API's reason usually says what to change; the node's own advice only stands in for it.
		const advice = apiReason ? '' : 'Describe the steps, who does them and the decisions along the way, then run again. ';
		const failed = new NodeApiError(this.getNode(), { generation_id: id, ...reason } as JsonObject, {
			message: `Just Flow It could not generate the diagram: ${apiReason ?? 'no reason was given'}`,
			description: `${advice}Generation ID: ${id}.${code}`,
			itemIndex: this.getItemIndex(),
		});
		throw Object.assign(failed, { itemFields: { generationId: id, diagramId: null } });
	}
	return [{ json: current }];
}

/** Polls generation `generation` until it ends, within Options → Generation Timeout. */
async function pollUntilDone(ctx: IExecuteSingleFunctions, generation: IDataObject): Promise<IDataObject> {
	const id = String(generation.id);
	const options = ctx.getNodeParameter('options', {}) as IDataObject;
	const timeoutSeconds = Number(options.timeout) > 0 ? Number(options.timeout) : DEFAULT_GENERATION_TIMEOUT_SECONDS;
	const signal = cancelSignalOf(ctx);
	const startedAt = systemClock.now();
	const deadline = startedAt + timeoutSeconds * 1000;
	let current = generation;
	let waitMs = POLL_FIRST_DELAY_MS;
	while (!TERMINAL.has(String(current.status))) {
		const remaining = deadline - systemClock.now();
		if (remaining <= 0) {
			throw new NodeOperationError(
				ctx.getNode(),
				`The generation did not finish within ${timeoutSeconds} seconds (still "${String(current.status)}")`,
				{ description: 'To wait longer next time, raise Options → Generation Timeout.', itemIndex: ctx.getItemIndex() },
			);
		}
		try {
			await systemClock.sleep(Math.min(waitMs, remaining), signal);
		} catch {
			throw new NodeOperationError(ctx.getNode(), 'The execution was cancelled while waiting for the generation', {
				itemIndex: ctx.getItemIndex(),
			});
		}
		const response = await sendApiRequest(ctx, { method: 'GET', url: apiPath(API_PATHS.generation, id) });
		// A poll answer that is not the generation is an error (its id is kept), never "still running".
		current = readJsonObject(response, { node: ctx.getNode(), what: 'the generation', itemIndex: ctx.getItemIndex() });
		waitMs = pollDelay(systemClock.now() - startedAt);
	}
	return current;
}

/**
 * postReceive of Generate → Create, after waiting: the image of the new diagram, fetched through
 * the image endpoint (never by sending the key to `image_url`), unless Download Image is off;
 * then the output item (generationOutput). The diagram is saved already: a failure here keeps
 * both ids (keepingIds), and the name look-up is only a nicety that never fails the item.
 */
export async function downloadGeneratedImage(
	this: IExecuteSingleFunctions,
	items: INodeExecutionData[],
): Promise<INodeExecutionData[]> {
	const finished = (items[0]?.json ?? {}) as IDataObject;
	const waited = this.getNodeParameter('waitForCompletion', true) as boolean;
	if (!waited || finished.status !== 'succeeded') return items;
	const generationId = String(finished.id);
	const diagramId = typeof finished.diagram_id === 'string' ? finished.diagram_id : '';
	if (!(this.getNodeParameter('downloadImage', true) as boolean)) return [{ json: generationOutput(this, finished) }];
	if (!diagramId) {
		throw keepingIds(
			this,
			new NodeOperationError(this.getNode(), 'The generation succeeded but names no diagram to download', {
				description: 'Generate → Get shows the generation as Just Flow It has it.',
				itemIndex: this.getItemIndex(),
			}),
			{ generationId },
		);
	}
	const ids = { generationId, diagramId };
	const options = this.getNodeParameter('options', {}) as IDataObject;
	const format = imageFormatOf(finished.format ?? options.format);
	const theme = themeOf(finished.theme ?? options.theme);
	let image: { bytes: Buffer; name?: string };
	try {
		// Worded as Render → Image: a 404 is the diagram's, a 403 names the diagrams:read scope.
		image = await diagramImage(this, diagramId, { format, theme }, { resource: 'render', operation: 'image' });
	} catch (error) {
		throw keepingIds(this, error, ids);
	}
	const name = knownName(finished) ?? image.name ?? (await nameIfAvailable(this, ids));
	const named = { ...finished, name: name ?? finished.name ?? null };
	return [
		await imageItem(this, { json: generationOutput(this, named), bytes: image.bytes, name, diagramId, format, fileFieldsApart: true }),
	];
}

function knownName(generation: IDataObject): string | undefined {
	return typeof generation.name === 'string' && generation.name ? generation.name : undefined;
}

/**
 * The new diagram's name, for its file name: one GET, best effort. Whatever goes wrong (the
 * diagram not readable yet, a 404, a 5xx) the file is named after the diagram id instead; only
 * a cancel of the execution stops the item, and that keeps the ids.
 */
async function nameIfAvailable(ctx: IExecuteSingleFunctions, ids: AcceptedGeneration): Promise<string | undefined> {
	try {
		return await lookUpDiagramName(ctx, String(ids.diagramId), { resource: 'diagram', operation: 'get' });
	} catch (error) {
		if (cancelSignalOf(ctx)?.aborted) throw keepingIds(ctx, error, ids);
		return undefined;
	}
}

/** The fields of a generation a user works with; the rest (and the key-only `image_url`) stays out. */
const SIMPLE_GENERATION_FIELDS = ['id', 'status', 'name', 'prompt', 'diagram_id', 'folder_id', 'format', 'theme', 'completed_at'];

/**
 * The json of Generate → Create's item after waiting. Simplify (on by default, n8n's UX rule for
 * objects of more than ten fields) keeps the fields above; off, the API's whole generation.
 * `image_url` is an API address that needs the secret key, so it is never handed on as a link to
 * open: the image is in the item's binary, and Render → Image renders it again.
 */
function generationOutput(ctx: IExecuteSingleFunctions, generation: IDataObject): IDataObject {
	if (!(ctx.getNodeParameter('simplify', true) as boolean)) return generation;
	const simple: IDataObject = {};
	for (const field of SIMPLE_GENERATION_FIELDS) if (field in generation) simple[field] = generation[field];
	return simple;
}
