import { NodeConnectionTypes, NodeOperationError } from 'n8n-workflow';
import type {
	IDataObject,
	INodeExecutionData,
	INodeType,
	INodeTypeDescription,
	IPollFunctions,
} from 'n8n-workflow';

import { MAX_PAGE_SIZE } from '../JustFlowIt/shared/constants';
import { searchFolders } from '../JustFlowIt/shared/listSearch';
import { systemClock } from '../JustFlowIt/shared/clock';
import { triggerFolderLocator } from './descriptions';
import { rateLimitSeenBy, withDeclaredCause } from './failure';
import { continueWalk, DEFAULT_MAX_ITEMS_PER_POLL, pollBounds, readFolderFilter, readForTestEvent } from './listing';
import type { PollBounds } from './listing';
import {
	inFolder,
	isDiagramEvent,
	isTriggerEvent,
	newestItem,
	PollWalk,
	readState,
	walksWholeList,
	writeState,
} from './poll';
import type { TriggerEvent } from './poll';

export class JustFlowItTrigger implements INodeType {
	description: INodeTypeDescription = {
		displayName: 'Just Flow It Trigger',
		name: 'justFlowItTrigger',
		icon: { light: 'file:../../icons/justflowit.svg', dark: 'file:../../icons/justflowit.dark.svg' },
		group: ['trigger'],
		version: 1,
		subtitle:
			'={{ $parameter["event"] === "diagramChanged" ? "New or Updated Diagram" : $parameter["event"] === "folderCreated" ? "New Folder" : "New Diagram" }}',
		description: 'Starts the workflow when a diagram or folder is created in Just Flow It, or a diagram changes',
		// Used by the editor as it is (the codex URL would get n8n's tracking query after its #anchor).
		documentationUrl: 'https://github.com/justflowit/n8n-nodes-justflowit#trigger',
		builderHint: {
			searchHint:
				'Polling trigger for Just Flow It (BPMN diagrams): starts a workflow for each new diagram, each new or updated diagram, or each new folder. Outputs the diagram or folder object (id, name, folder_id, created_at, updated_at).',
			relatedNodes: [
				{
					nodeType: 'n8n-nodes-justflowit.justFlowIt',
					relationHint: 'Export the new diagram as .bpmn or render it as PNG or SVG by its id',
				},
			],
		},
		defaults: { name: 'Just Flow It Trigger' },
		polling: true,
		inputs: [],
		outputs: [NodeConnectionTypes.Main],
		credentials: [{ name: 'justFlowItApi', required: true }],
		properties: [
			{
				displayName: 'Event',
				name: 'event',
				type: 'options',
				noDataExpression: true,
				required: true,
				options: [
					{
						name: 'New Diagram',
						value: 'diagramCreated',
						description: 'A diagram was created (imported, generated or made in the app)',
					},
					{
						name: 'New Folder',
						value: 'folderCreated',
						description: 'A folder was created',
					},
					{
						name: 'New or Updated Diagram',
						value: 'diagramChanged',
						description: 'A diagram was created, or changed (renamed, moved, edited)',
					},
				],
				default: 'diagramCreated',
				builderHint: {
					propertyHint:
						'diagramCreated for each new diagram, diagramChanged for new or updated diagrams (reads the whole list on each poll), folderCreated for each new folder',
				},
			},
			{
				displayName:
					'Reads the whole diagram list (one request per 100 diagrams), since the API cannot sort by update time; a large account is read over several polls',
				name: 'changedNotice',
				type: 'notice',
				default: '',
				displayOptions: { show: { event: ['diagramChanged'] } },
			},
			triggerFolderLocator({ show: { event: ['diagramCreated', 'diagramChanged'] } }),
			{
				displayName: 'Options',
				name: 'options',
				type: 'collection',
				placeholder: 'Add Option',
				default: {},
				options: [
					{
						displayName: 'Max Items to Read per Poll',
						name: 'maxItems',
						type: 'number',
						default: DEFAULT_MAX_ITEMS_PER_POLL,
						typeOptions: { minValue: 100 },
						description:
							'One poll reads at most this many diagrams or folders (each 100 cost one request); the next poll goes on from there, missing nothing',
					},
				],
			},
		],
	};

	methods = {
		listSearch: { searchFolders },
	};

	async poll(this: IPollFunctions): Promise<INodeExecutionData[][] | null> {
		const event = this.getNodeParameter('event', 'diagramCreated') as string;
		if (!isTriggerEvent(event)) {
			throw new NodeOperationError(this.getNode(), `Unknown event "${String(event)}"`, {
				description: 'Choose New Diagram, New or Updated Diagram, or New Folder.',
			});
		}
		const folderId = isDiagramEvent(event) ? readFolderFilter(this) : undefined;
		const options = this.getNodeParameter('options', {}) as IDataObject;
		const maxItems = Math.max(100, Number(options.maxItems ?? DEFAULT_MAX_ITEMS_PER_POLL) || DEFAULT_MAX_ITEMS_PER_POLL);

		if (this.getMode() === 'manual') return await fetchTestEvent(this, event, folderId, maxItems);

		const bounds = pollBounds(this);
		const rate = rateLimitSeenBy(triggerKey(this));
		const lease = takePollLease(this, bounds);
		try {
			const staticData = this.getWorkflowStaticData('node');
			const state = readState(staticData, event);
			const previous = state?.cursor ?? undefined;
			const walk = new PollWalk(event, previous, state?.walk);
			const stop = await continueWalk(this, walk, bounds, Math.ceil(maxItems / MAX_PAGE_SIZE), rate);
			const found = walk.takeFresh();
			lease.assertStillHeld();
			// The walk's position moves only here, after its pages were read: a poll that fails
			// leaves it where it was, and the next poll reads those pages again.
			if (stop === 'done') writeState(staticData, { version: 2, event, cursor: walk.finish() });
			else writeState(staticData, { version: 2, event, cursor: previous ?? null, walk: walk.walkPosition });
			const matching = found.filter((item) => inFolder(item, folderId));
			if (matching.length === 0) return null;
			return [this.helpers.returnJsonArray(matching)];
		} catch (error) {
			throw withDeclaredCause(this.getNode(), error, rate);
		} finally {
			lease.release();
		}
	}
}

/** Names one trigger in this n8n process: its workflow and node. */
function triggerKey(ctx: IPollFunctions): string {
	return `${ctx.getWorkflow().id ?? ''}\u0000${ctx.getNode().id ?? ctx.getNode().name}`;
}

/** Added to a poll's deadline before a later poll may take over from it. */
const LEASE_GRACE_MS = 5_000;

/** Polls under way in this n8n process, by workflow and node, and when each must have ended. */
const pollLeases = new Map<string, { holder: object; until: number; startedAt: number }>();

/**
 * n8n may start a poll while the last one is still reading (n8n 1.x starts one on schedule
 * whatever happens; n8n 2.41 abandons a poll past its timeout, which keeps running). Both would
 * start from the same position and emit the same items. A poll holds a lease until its deadline
 * (plus a grace): a poll that finds the lease held fails, saying so (never in silence); one that
 * finds it expired takes it over, and the old poll, when it returns, neither emits nor moves
 * the position.
 */
function takePollLease(ctx: IPollFunctions, bounds: PollBounds): { assertStillHeld(): void; release(): void } {
	const key = triggerKey(ctx);
	const now = systemClock.now();
	const held = pollLeases.get(key);
	if (held && held.until > now) {
		const error = new NodeOperationError(ctx.getNode(), 'The previous poll of this trigger is still running: this poll was skipped', {
			description: `The poll that started ${Math.round((now - held.startedAt) / 1000)} s ago stops within ${Math.ceil((held.until - now) / 1000)} s. Nothing is lost: the next poll continues from where it stops. If this happens often, poll less often.`,
		});
		error.failure = { cause: 'temporarily-unavailable', retryAfterMs: held.until - now };
		throw error;
	}
	const holder = {};
	pollLeases.set(key, { holder, until: bounds.deadline + LEASE_GRACE_MS, startedAt: now });
	return {
		assertStillHeld() {
			if (pollLeases.get(key)?.holder === holder) return;
			const error = new NodeOperationError(ctx.getNode(), 'This poll ran past its time and a later poll took over', {
				description: 'Nothing from this poll was emitted and the position was left to the later poll, so nothing is emitted twice.',
			});
			error.failure = { cause: 'temporarily-unavailable' };
			throw error;
		},
		release() {
			if (pollLeases.get(key)?.holder === holder) pollLeases.delete(key);
		},
	};
}

/**
 * "Fetch Test Event": the newest matching item, as a real poll would emit it, without reading or
 * moving the cursor.
 */
async function fetchTestEvent(
	ctx: IPollFunctions,
	event: TriggerEvent,
	folderId: string | undefined,
	maxItems: number,
): Promise<INodeExecutionData[][] | null> {
	let found: IDataObject | undefined;
	await readForTestEvent(ctx, event, maxItems, (items) => {
		const candidate = newestItem(
			event,
			[...(found ? [found] : []), ...items.filter((item) => inFolder(item, folderId))],
		);
		found = candidate;
		// New items are listed newest first: the first match is the one. Changes need every page.
		return walksWholeList(event) || !found;
	});
	if (!found) return null;
	return [ctx.helpers.returnJsonArray([found])];
}
