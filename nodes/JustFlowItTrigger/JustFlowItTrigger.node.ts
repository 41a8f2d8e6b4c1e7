import { NodeConnectionTypes, NodeOperationError } from 'n8n-workflow';
import type {
	IDataObject,
	INodeExecutionData,
	INodeType,
	INodeTypeDescription,
	IPollFunctions,
} from 'n8n-workflow';

import { searchFolders } from '../JustFlowIt/shared/listSearch';
import { triggerFolderLocator } from './descriptions';
import { DEFAULT_MAX_ITEMS_PER_POLL, readFolderFilter, readPages } from './listing';
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
						description: 'A diagram was created, or its updated time moved (renamed, moved, edited)',
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
					'Reads the whole diagram list on every poll (one request per 100 diagrams), since the API cannot sort by update time',
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
							'The poll fails (and tries again next time, missing nothing) rather than read more than this many diagrams or folders. Each 100 cost one request.',
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

		// n8n starts a poll on schedule even when the last one is still reading (a long walk, rate
		// limit waits). Both would start from the same cursor and emit the same items: the later one
		// steps aside, and the next poll after the running one picks up whatever it did not see.
		const pollKey = `${this.getWorkflow().id ?? ''}\u0000${this.getNode().id ?? this.getNode().name}`;
		if (pollsInFlight.has(pollKey)) return null;
		pollsInFlight.add(pollKey);
		try {
			const staticData = this.getWorkflowStaticData('node');
			const previous = readState(staticData, event);
			let walk: PollWalk | undefined;
			await readPages(this, event, maxItems, (items, serverTime) => {
				walk ??= new PollWalk(event, previous?.cursor, serverTime);
				return walk.addPage(items);
			});
			walk ??= new PollWalk(event, previous?.cursor);
			const { items, cursor } = walk.finish();
			// Only now, after every page was read, does the cursor move.
			writeState(staticData, { version: 1, event, cursor });
			const matching = items.filter((item) => inFolder(item, folderId));
			if (matching.length === 0) return null;
			return [this.helpers.returnJsonArray(matching)];
		} finally {
			pollsInFlight.delete(pollKey);
		}
	}
}

/** Polls under way in this n8n process, by workflow and node. */
const pollsInFlight = new Set<string>();

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
	await readPages(ctx, event, maxItems, (items) => {
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
