import type { INodeProperties } from 'n8n-workflow';

import {
	alwaysSendJsonObject,
	fieldsCollection,
	folderIdInPath,
	folderField,
	newNameField,
	optionalTextField,
	returnAllAndLimit,
} from '../shared/descriptions';
import { deletedItem } from '../shared/outputs';
import { walkCursorPages } from '../shared/routing';

/**
 * Folder: nested folders. Each operation's request (method, URL, query) is declared on the
 * operation; its body comes from the fields below. The folder picker (`folderId`) is declared in
 * shared/descriptions.ts.
 */

const show = (...operation: string[]) => ({ resource: ['folder'], operation });

/** The folder's AI context; blank sends null (cleared). */
const contextField = (description: string): INodeProperties => ({
	displayName: 'Context',
	name: 'context',
	type: 'string',
	typeOptions: { rows: 3 },
	default: '',
	placeholder: 'e.g. Customer onboarding for a B2B SaaS. Prefer swimlanes per department.',
	description,
	routing: {
		send: { type: 'body', property: 'context', value: '={{ String($value ?? "").trim() === "" ? null : $value }}' },
	},
});

export const folderOperations: INodeProperties[] = [
	{
		displayName: 'Operation',
		name: 'operation',
		type: 'options',
		noDataExpression: true,
		displayOptions: { show: { resource: ['folder'] } },
		default: 'getAll',
		options: [
			{
				name: 'Create',
				value: 'create',
				action: 'Create a folder',
				description: 'Create a folder, at the top level or inside another folder',
				// body: name, parent_id and context (Additional Fields)
				routing: { request: { method: 'POST', url: '/folders' } },
			},
			{
				name: 'Delete',
				value: 'delete',
				action: 'Delete a folder',
				description: 'Delete an empty folder',
				routing: {
					request: { method: 'DELETE', url: '=/folders/{{ $parameter.folderId }}' },
					send: { preSend: [folderIdInPath] },
					output: { postReceive: [deletedItem('folderId')] },
				},
			},
			{
				name: 'Get',
				value: 'get',
				action: 'Get a folder',
				description: "Get a folder's details (name, parent, AI context)",
				routing: {
					request: { method: 'GET', url: '=/folders/{{ $parameter.folderId }}' },
					send: { preSend: [folderIdInPath] },
				},
			},
			{
				name: 'Get Many',
				value: 'getAll',
				action: 'Get many folders',
				description: 'List many folders (every level), newest first',
				routing: {
					request: { method: 'GET', url: '/folders' },
					// query: `limit` on every page and `cursor` from the second on, set per page by
					// walkCursorPages from Return All and Limit
					operations: { pagination: walkCursorPages },
				},
			},
			{
				name: 'Update',
				value: 'update',
				action: 'Update a folder',
				description: 'Rename a folder, move it, or change its AI context',
				// body: name, parent_id, context (Update Fields)
				routing: {
					request: { method: 'PATCH', url: '=/folders/{{ $parameter.folderId }}' },
					send: { preSend: [folderIdInPath, alwaysSendJsonObject] },
				},
			},
		],
	},
];

export const folderFields: INodeProperties[] = [
	newNameField('folder', 'e.g. Onboarding processes', show('create')),
	fieldsCollection('additionalFields', show('create'), [
		contextField('Free text that steers AI generation of diagrams created in this folder'),
		folderField({
			name: 'parentId',
			path: 'additionalFields.parentId',
			displayName: 'Parent Folder',
			description: 'The folder to create this one in. Leave empty for the top level.',
			bodyProperty: 'parent_id',
		}),
	]),
	...returnAllAndLimit(show('getAll'), 'folders'),
	fieldsCollection('updateFields', show('update'), [
		contextField('New AI context for the folder. Leave empty to clear it.'),
		optionalTextField({
			displayName: 'Name',
			name: 'name',
			bodyProperty: 'name',
			placeholder: 'e.g. Onboarding (archived)',
			description: 'New name of the folder. Leave empty to keep the current name.',
		}),
		folderField({
			name: 'parentId',
			path: 'updateFields.parentId',
			displayName: 'Parent Folder',
			description:
				'Where to move the folder. Pick "Top Level (No Folder)" (or enter "root") for the top level; leave empty to keep it where it is.',
			bodyProperty: 'parent_id',
			allowRoot: true,
		}),
	]),
];
