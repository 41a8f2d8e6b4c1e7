import { NodeConnectionTypes } from 'n8n-workflow';
import type { INodeProperties, INodePropertyOptions, INodeType, INodeTypeDescription } from 'n8n-workflow';

import { diagramFields, diagramOperations } from './resources/diagram';
import { folderFields, folderOperations } from './resources/folder';
import { generateFields, generateOperations } from './resources/generate';
import { renderFields, renderOperations } from './resources/render';
import { diagramPicker, folderPicker } from './shared/descriptions';
import { searchDiagrams, searchFolders, searchFoldersOrTopLevel } from './shared/listSearch';
import { sendThroughTransport } from './shared/routing';
import { DEFAULT_MAX_RATE_LIMIT_WAIT_SECONDS } from './shared/transport';

/** Where the Resource names the verb, the canvas says what the operation makes. */
const CANVAS_TITLE_EXCEPTIONS: Record<string, string> = {
	'generate:create': 'Generate Diagram',
	'render:image': 'Render Image',
};

/** What each resource's operations act on, as the canvas names it. */
const CANVAS_OBJECT: Record<string, string> = { diagram: 'Diagram', folder: 'Folder', generate: 'Generation', render: 'Diagram' };

/**
 * The canvas subtitle, "<Operation> <object>" ("Import Diagram", "Get Many Folders"), built from
 * the Operation lists at load: n8n evaluates `subtitle` as an expression over the parameters
 * only, so the texts are embedded in it.
 */
const CANVAS_SUBTITLE = ((): string => {
	const lists: Array<[string, INodeProperties[]]> = [
		['diagram', diagramOperations],
		['folder', folderOperations],
		['generate', generateOperations],
		['render', renderOperations],
	];
	const titles = lists.flatMap(([resource, properties]) =>
		properties.flatMap((property) =>
			((property.options ?? []) as INodePropertyOptions[]).map((option) => {
				const key = `${resource}:${String(option.value)}`;
				const object = `${CANVAS_OBJECT[resource]}${option.value === 'getAll' ? 's' : ''}`;
				return `${JSON.stringify(key)}: ${JSON.stringify(CANVAS_TITLE_EXCEPTIONS[key] ?? `${option.name} ${object}`)}`;
			}),
		),
	);
	return `={{ ({ ${titles.join(', ')} })[$parameter["resource"] + ":" + $parameter["operation"]] || ($parameter["operation"] + " " + $parameter["resource"]) }}`;
})();

/** README section of this node (a test checks the anchor names a README heading). */
const DOCS_URL = 'https://github.com/justflowit/n8n-nodes-justflowit#operations';

export class JustFlowIt implements INodeType {
	description: INodeTypeDescription = {
		displayName: 'Just Flow It',
		name: 'justFlowIt',
		icon: { light: 'file:../../icons/justflowit.svg', dark: 'file:../../icons/justflowit.dark.svg' },
		group: ['transform'],
		version: 1,
		subtitle: CANVAS_SUBTITLE,
		description:
			'Generate BPMN 2.0 diagrams from plain words, manage diagrams and folders, import and export BPMN, render PNG or SVG',
		// Used by the editor as it is (the codex URL would get n8n's tracking query after its #anchor).
		documentationUrl: DOCS_URL,
		builderHint: {
			searchHint:
				'Use for BPMN 2.0 process diagrams: generate a diagram from a process described in plain words (Generate → Create, returns a PNG or SVG image as binary), import or export .bpmn files, render a saved diagram as PNG or SVG, keep diagrams in nested folders. Not for charts of data or generic drawings.',
			relatedNodes: [
				{
					nodeType: 'n8n-nodes-base.formTrigger',
					relationHint: 'Collect a process description from a form and pass it as the Generate prompt',
				},
				{
					nodeType: 'n8n-nodes-base.gmail',
					relationHint: 'Mail the generated diagram image (binary property data) as an attachment',
				},
				{
					nodeType: 'n8n-nodes-base.googleDrive',
					relationHint: 'Store exported .bpmn files or rendered images',
				},
				{
					nodeType: 'n8n-nodes-base.readWriteFile',
					relationHint: 'Read a .bpmn file from disk to import it, or write an exported one',
				},
				{
					nodeType: 'n8n-nodes-justflowit.justFlowItTrigger',
					relationHint: 'Start a workflow when a diagram or folder is created or a diagram changes',
				},
			],
		},
		defaults: { name: 'Just Flow It' },
		usableAsTool: true,
		inputs: [NodeConnectionTypes.Main],
		outputs: [NodeConnectionTypes.Main],
		credentials: [{ name: 'justFlowItApi', required: true }],
		// No baseURL here: every request goes through the transport, which puts the credential's
		// Base URL (normalizeBaseUrl) on it and sends the key to that origin only.
		requestDefaults: {
			headers: { Accept: 'application/json' },
			json: true,
			ignoreHttpStatusErrors: true,
		},
		// Every declared request is sent through the transport, not by RoutingNode: its only hook for
		// that is the "pagination" slot, used here with `paginate` on the Resource (shared/routing.ts).
		requestOperations: sendThroughTransport.requestOperations,
		properties: [
			{
				displayName: 'Resource',
				name: 'resource',
				type: 'options',
				noDataExpression: true,
				options: [
					{ name: 'Diagram', value: 'diagram', description: 'Saved diagrams: import, export, list, rename, move, delete' },
					{ name: 'Folder', value: 'folder', description: 'Nested folders that hold diagrams and steer AI generation' },
					{ name: 'Generate', value: 'generate', description: 'Turn a process described in words into a diagram' },
					{ name: 'Render', value: 'render', description: 'Render a saved diagram as PNG or SVG' },
				],
				default: 'generate',
				// Turns on the hook above for every operation; nothing here paginates (Get Many does, itself).
				routing: sendThroughTransport.resourceRouting,
			},
			...diagramOperations,
			...folderOperations,
			...generateOperations,
			...renderOperations,
			// Right below Operation: the pickers shared by several operations (one property each,
			// so a picked diagram or folder stays when the operation changes).
			diagramPicker,
			folderPicker,
			...diagramFields,
			...folderFields,
			...generateFields,
			...renderFields,
			{
				// n8n adds its own options (Batching, Ignore SSL Issues, Proxy, Timeout) to a collection
				// of this name and shows it in the node's Settings tab as "Request Options".
				displayName: 'Request Options',
				name: 'requestOptions',
				type: 'collection',
				placeholder: 'Add Option',
				default: {},
				options: [
					{
						displayName: 'Max Wait on Rate Limits (Seconds)',
						name: 'maxRateLimitWait',
						type: 'number',
						default: DEFAULT_MAX_RATE_LIMIT_WAIT_SECONDS,
						typeOptions: { minValue: 0 },
						description:
							'How long one request may wait, in all, for its turn under the Just Flow It rate limit (pacing before sending and "too many requests" answers). Past it the item fails. 0: never wait.',
					},
				],
			},
		],
	};

	methods = {
		listSearch: { searchDiagrams, searchFolders, searchFoldersOrTopLevel },
	};
}
