import type { INodeProperties } from 'n8n-workflow';

import { requireId, UUID_PATTERN } from './validation';

/** The link the editor shows beside a picked diagram or folder. */
const APP_URL = 'https://justflow.it/app';

type Shown = NonNullable<INodeProperties['displayOptions']>['show'];

/**
 * A resource locator for a diagram or a folder: pick from a searchable list, paste an ID, or
 * paste a Just Flow It link. The id is checked before any request.
 */
function idLocator(args: {
	kind: 'diagram' | 'folder';
	name: string;
	displayName: string;
	description: string;
	show?: Shown;
	required?: boolean;
	allowRoot?: boolean;
	optional?: boolean;
	/** The request path this id makes, one of API_PATHS (e.g. `/diagrams/{id}/bpmn`). */
	path?: string;
}): INodeProperties {
	const plural = args.kind === 'diagram' ? 'diagrams' : 'folders';
	const searchListMethod = args.kind === 'diagram' ? 'searchDiagrams' : 'searchFolders';
	const urlRegex = `https?://[^/]+/(?:app/)?${plural}/(${UUID_PATTERN})`;
	return {
		displayName: args.displayName,
		name: args.name,
		type: 'resourceLocator',
		default: { mode: 'list', value: '' },
		required: args.required ?? true,
		description: args.description,
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
				url: `=${APP_URL}/${plural}/{{$value}}`,
			},
			{
				displayName: 'By URL',
				name: 'url',
				type: 'string',
				placeholder: `e.g. ${APP_URL}/${plural}/3f9c2b1a-7d4e-4a2c-9b6f-1e8d5c0a2f31`,
				extractValue: { type: 'regex', regex: urlRegex },
				validation: [
					{
						type: 'regex',
						properties: { regex: `${urlRegex}.*`, errorMessage: `Not a Just Flow It ${args.kind} URL` },
					},
				],
			},
		],
		routing: {
			send: {
				preSend: [
					requireId(args.name, args.displayName, {
						allowRoot: args.allowRoot,
						optional: args.optional,
						requestPath: args.path,
					}),
				],
			},
		},
	};
}

/** The diagram an operation acts on; `path` is the request path, e.g. `/diagrams/{id}/bpmn`. */
export function diagramLocator(show: Shown, path: string): INodeProperties {
	return idLocator({
		kind: 'diagram',
		name: 'diagramId',
		displayName: 'Diagram',
		description: 'The diagram to use',
		show,
		path,
	});
}

/** The folder an operation acts on; `path` is the request path, e.g. `/folders/{id}`. */
export function folderLocator(show: Shown, path: string): INodeProperties {
	return idLocator({
		kind: 'folder',
		name: 'folderId',
		displayName: 'Folder',
		description: 'The folder to use',
		show,
		path,
	});
}

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
		optional: true,
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
		hint:
			direction === 'input'
				? 'The name of the input binary field containing the .bpmn file'
				: 'The name of the output binary field to put the file in',
		displayOptions: { show },
	};
}
