import type {
	IDataObject,
	IExecuteSingleFunctions,
	IHttpRequestOptions,
	INodeProperties,
	INodePropertyRouting,
	PreSendAction,
} from 'n8n-workflow';

import { asApiChoice } from './constants';
import { idInRequestPath, requireId, requireText, UUID_PATTERN } from './validation';

/** The web app's address: the link the editor shows beside a picked diagram or folder. */
const APP_URL = 'https://justflow.it/app';

/** The app's link to a diagram or a folder (the locator's By ID mode and list search show it). */
export function appLink(plural: 'diagrams' | 'folders', id: string): string {
	return `${APP_URL}/${plural}/${id}`;
}

type Shown = NonNullable<INodeProperties['displayOptions']>['show'];

/**
 * A resource locator for a diagram or a folder: pick from a searchable list, paste an ID, or
 * paste a Just Flow It link. In the action node the id is checked before any request (preSend);
 * the trigger checks its folder filter when it polls.
 */
export function idLocator(args: {
	kind: 'diagram' | 'folder';
	name: string;
	displayName: string;
	description: string;
	show?: Shown;
	required?: boolean;
	allowRoot?: boolean;
	/** Checks (and, in the body or the URL, fixes up) the id before the request is sent. */
	preSend?: PreSendAction;
}): INodeProperties {
	const plural = args.kind === 'diagram' ? 'diagrams' : 'folders';
	const searchListMethod =
		args.kind === 'diagram' ? 'searchDiagrams' : args.allowRoot ? 'searchFoldersOrTopLevel' : 'searchFolders';
	const urlRegex = `https?://[^/]+/(?:app/)?${plural}/(${UUID_PATTERN})`;
	return {
		displayName: args.displayName,
		name: args.name,
		type: 'resourceLocator',
		default: { mode: 'list', value: '' },
		required: args.required ?? true,
		description: args.description,
		builderHint: {
			propertyHint: `A ${args.kind} ID (UUID) in mode "id", usually mapped from the id field of an earlier Just Flow It node or trigger (for example ${args.kind === 'diagram' ? 'the diagram_id of a generation' : "a folder's id"}); mode "list" needs a user to pick it in the editor.`,
		},
		...(args.show ? { displayOptions: { show: args.show } } : {}),
		modes: [
			{
				displayName: 'From List',
				name: 'list',
				type: 'list',
				placeholder: `Select a ${args.kind}…`,
				typeOptions: { searchListMethod, searchable: true, searchFilterRequired: false },
			},
			{
				displayName: 'By ID',
				name: 'id',
				type: 'string',
				placeholder: 'e.g. 3f9c2b1a-7d4e-4a2c-9b6f-1e8d5c0a2f31',
				validation: [
					{
						type: 'regex',
						properties: {
							regex: args.allowRoot ? `^(?:${UUID_PATTERN}|root)$` : `^${UUID_PATTERN}$`,
							errorMessage: `Not a valid ${args.kind} ID${args.allowRoot ? ' (or "root")' : ''}`,
						},
					},
				],
				url: `=${appLink(plural, '{{$value}}')}`,
			},
			{
				displayName: 'By URL',
				name: 'url',
				type: 'string',
				placeholder: `e.g. ${appLink(plural, '3f9c2b1a-7d4e-4a2c-9b6f-1e8d5c0a2f31')}`,
				extractValue: { type: 'regex', regex: urlRegex },
				validation: [
					{
						type: 'regex',
						properties: { regex: `${urlRegex}.*`, errorMessage: `Not a Just Flow It ${args.kind} URL` },
					},
				],
			},
		],
		...(args.preSend ? { routing: { send: { preSend: [args.preSend] } } } : {}),
	};
}

/**
 * The one diagram picker of every operation that acts on a saved diagram (Diagram → Get, Update,
 * Delete, Export and Render → Image), so the picked diagram stays when the operation changes.
 * Each operation puts `{{ $parameter.diagramId }}` in its own URL and `diagramIdInPath` in its
 * preSend. The picker itself has no routing: RoutingNode evaluates a routed parameter once more
 * per item (twice on n8n 2.x), and the id is an expression in most workflows.
 */
export const diagramPicker: INodeProperties = idLocator({
	kind: 'diagram',
	name: 'diagramId',
	displayName: 'Diagram',
	description: 'The diagram to use: pick it, or give its ID or its Just Flow It link',
	show: { resource: ['diagram', 'render'], operation: ['delete', 'export', 'get', 'image', 'update'] },
});

/** preSend of the operations whose URL holds `{{ $parameter.diagramId }}`. */
export const diagramIdInPath = idInRequestPath('diagramId', 'Diagram');

/** The folder picker of Folder → Get, Update and Delete (`{{ $parameter.folderId }}` in their URLs). */
export const folderPicker: INodeProperties = idLocator({
	kind: 'folder',
	name: 'folderId',
	displayName: 'Folder',
	description: 'The folder to use: pick it, or give its ID or its Just Flow It link',
	show: { resource: ['folder'], operation: ['delete', 'get', 'update'] },
});

/** preSend of the operations whose URL holds `{{ $parameter.folderId }}`. */
export const folderIdInPath = idInRequestPath('folderId', 'Folder');

/**
 * A folder picked inside a collection (Additional Fields, Update Fields, Options), sent in the
 * body as `bodyProperty`. Empty leaves it out; with `allowRoot`, "root" sends null (top level).
 */
export function folderField(args: {
	name: string;
	path: string;
	displayName: string;
	description: string;
	bodyProperty: string;
	allowRoot?: boolean;
}): INodeProperties {
	const locator = idLocator({
		kind: 'folder',
		name: args.path,
		displayName: args.displayName,
		description: args.description,
		required: false,
		allowRoot: args.allowRoot,
		preSend: requireId(args.path, args.displayName, {
			allowRoot: args.allowRoot,
			optional: true,
			bodyProperty: args.bodyProperty,
		}),
	});
	return {
		...locator,
		name: args.name,
		routing: {
			send: {
				...locator.routing?.send,
				type: 'body',
				property: args.bodyProperty,
				value: args.allowRoot
					? '={{ String($value ?? "").trim() === "" ? undefined : (String($value).trim().toLowerCase() === "root" ? null : String($value).trim()) }}'
					: '={{ String($value ?? "").trim() === "" ? undefined : String($value).trim() }}',
			},
		},
	};
}

/** Return All and Limit for a Get Many operation (cursor pagination runs in the executor). */
export function returnAllAndLimit(show: Shown, plural: string): INodeProperties[] {
	return [
		{
			displayName: 'Return All',
			name: 'returnAll',
			type: 'boolean',
			default: false,
			description: 'Whether to return all results or only up to a given limit',
			displayOptions: { show },
		},
		{
			displayName: 'Limit',
			name: 'limit',
			type: 'number',
			default: 50,
			typeOptions: { minValue: 1 },
			description: 'Max number of results to return',
			hint: `The newest ${plural} come first`,
			displayOptions: { show: { ...show, returnAll: [false] } },
		},
	];
}

/** The binary field an operation reads from (input) or writes to (output). */
export function binaryPropertyField(show: Shown, direction: 'input' | 'output'): INodeProperties {
	return {
		displayName: direction === 'input' ? 'Input Binary Field' : 'Put Output File in Field',
		name: 'binaryPropertyName',
		type: 'string',
		default: 'data',
		required: true,
		placeholder: 'e.g. data',
		builderHint: {
			propertyHint:
				direction === 'input'
					? 'The binary property of the input item that holds the .bpmn file, e.g. data from a Read/Write Files from Disk or an HTTP Request node'
					: 'The binary property the file is written to; later nodes (e-mail attachments, cloud storage uploads) read it by this name',
		},
		hint:
			direction === 'input'
				? 'The name of the input binary field containing the .bpmn file'
				: 'The name of the output binary field to put the file in',
		displayOptions: { show },
	};
}

/**
 * preSend step of Update: with no field to change, n8n would send no body at all, which the API
 * refuses as not JSON; `{}` is what it accepts (it returns the item unchanged).
 */
export async function alwaysSendJsonObject(
	this: IExecuteSingleFunctions,
	requestOptions: IHttpRequestOptions,
): Promise<IHttpRequestOptions> {
	const body = (requestOptions.body ?? {}) as IDataObject;
	if (Object.values(body).some((value) => value !== undefined)) return requestOptions;
	return {
		...requestOptions,
		body: '{}',
		headers: { ...requestOptions.headers, 'Content-Type': 'application/json' },
	};
}

/** The required Name of a new diagram or folder, trimmed, refused when blank. */
export function newNameField(singular: string, placeholder: string, show: Shown): INodeProperties {
	return {
		displayName: 'Name',
		name: 'name',
		type: 'string',
		required: true,
		default: '',
		placeholder,
		description: `Name of the new ${singular}`,
		displayOptions: { show },
		routing: {
			send: {
				type: 'body',
				property: 'name',
				value: '={{ String($value).trim() }}',
				preSend: [requireText('name', 'Name', `Give the new ${singular} a name.`)],
			},
		},
	};
}

/** An optional text sent in the body only when it is not blank (Update Fields, Options). */
export function optionalTextField(args: {
	displayName: string;
	name: string;
	bodyProperty: string;
	placeholder: string;
	description: string;
}): INodeProperties {
	return {
		displayName: args.displayName,
		name: args.name,
		type: 'string',
		default: '',
		placeholder: args.placeholder,
		description: args.description,
		routing: {
			send: {
				type: 'body',
				property: args.bodyProperty,
				value: '={{ String($value ?? "").trim() === "" ? undefined : String($value).trim() }}',
			},
		},
	};
}

/** A collection of optional fields: Additional Fields (create) or Update Fields (update). */
export function fieldsCollection(
	kind: 'additionalFields' | 'updateFields',
	show: Shown,
	options: INodeProperties[],
): INodeProperties {
	return {
		displayName: kind === 'additionalFields' ? 'Additional Fields' : 'Update Fields',
		name: kind,
		type: 'collection',
		placeholder: 'Add Field',
		default: {},
		displayOptions: { show },
		options,
	};
}

/**
 * How a choice the API spells in lower case (Format, Theme) is sent: as `property` of the query
 * or the body, trimmed and lower-cased (`asApiChoice`), since an expression or an AI agent may
 * give "PNG" or " Dark". The spelling is a preSend step and not a `value` expression, which
 * RoutingNode would evaluate for every item.
 */
export function sendAsApiChoice(type: 'query' | 'body', property: string): INodePropertyRouting['send'] {
	const where = type === 'query' ? 'qs' : 'body';
	const spelledAsApi: PreSendAction = async function (this: IExecuteSingleFunctions, requestOptions: IHttpRequestOptions) {
		const sent = requestOptions[where] as IDataObject | undefined;
		if (!sent || typeof sent !== 'object' || !(property in sent)) return requestOptions;
		return { ...requestOptions, [where]: { ...sent, [property]: asApiChoice(sent[property]) } };
	};
	return { type, property, preSend: [spelledAsApi] };
}
