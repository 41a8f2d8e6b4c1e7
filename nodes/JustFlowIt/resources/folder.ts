import type { INodeProperties } from 'n8n-workflow';

import { API_PATHS } from '../shared/constants';
import { folderField, folderLocator, returnAllAndLimit } from '../shared/descriptions';
import { operationRouting, paginateWithCursor } from '../shared/executors';
import { deletedResult } from '../shared/outputs';
import { requireText } from '../shared/validation';

const show = (...operation: string[]) => ({ resource: ['folder'], operation });

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
				routing: operationRouting({ method: 'POST', url: API_PATHS.folders }),
			},
			{
				name: 'Delete',
				value: 'delete',
				action: 'Delete a folder',
				description: 'Delete an empty folder',
				routing: operationRouting(
					{ method: 'DELETE' },
					{ postReceive: [deletedResult('folderId')] },
				),
			},
			{
				name: 'Get',
				value: 'get',
				action: 'Get a folder',
				description: "Get a folder's details (name, parent, AI context)",
				routing: operationRouting({ method: 'GET' }),
			},
			{
				name: 'Get Many',
				value: 'getAll',
				action: 'Get many folders',
				description: 'List many folders (every level), newest first',
				routing: operationRouting({ method: 'GET', url: API_PATHS.folders }, { executor: paginateWithCursor }),
			},
			{
				name: 'Update',
				value: 'update',
				action: 'Update a folder',
				description: 'Rename a folder, move it, or change its AI context',
				routing: operationRouting({ method: 'PATCH' }),
			},
		],
	},
];

export const folderFields: INodeProperties[] = [
	folderLocator(show('delete', 'get', 'update'), API_PATHS.folder),
	{
		displayName: 'Name',
		name: 'name',
		type: 'string',
		required: true,
		default: '',
		placeholder: 'e.g. Onboarding processes',
		description: 'Name of the new folder',
		displayOptions: { show: show('create') },
		routing: {
			send: {
				type: 'body',
				property: 'name',
				value: '={{ String($value).trim() }}',
				preSend: [requireText('name', 'Name', 'Give the new folder a name.')],
			},
		},
	},
	{
		displayName: 'Additional Fields',
		name: 'additionalFields',
		type: 'collection',
		placeholder: 'Add Field',
		default: {},
		displayOptions: { show: show('create') },
		options: [
			contextField('Free text that steers AI generation of diagrams created in this folder'),
			folderField({
				name: 'parentId',
				path: 'additionalFields.parentId',
				displayName: 'Parent Folder',
				description: 'The folder to create this one in. Leave empty for the top level.',
				bodyProperty: 'parent_id',
			}),
		],
	},
	...returnAllAndLimit(show('getAll'), 'folders'),
	{
		displayName: 'Update Fields',
		name: 'updateFields',
		type: 'collection',
		placeholder: 'Add Field',
		default: {},
		displayOptions: { show: show('update') },
		options: [
			contextField('New AI context for the folder. Leave empty to clear it.'),
			{
				displayName: 'Name',
				name: 'name',
				type: 'string',
				default: '',
				placeholder: 'e.g. Onboarding (archived)',
				description: 'New name of the folder. Leave empty to keep the current name.',
				routing: {
					send: {
						type: 'body',
						property: 'name',
						value: '={{ String($value ?? "").trim() === "" ? undefined : String($value).trim() }}',
					},
				},
			},
			folderField({
				name: 'parentId',
				path: 'updateFields.parentId',
				displayName: 'Parent Folder',
				description: 'Where to move the folder. Enter "root" (By ID) for the top level; leave empty to keep it where it is.',
				bodyProperty: 'parent_id',
				allowRoot: true,
			}),
		],
	},
];
