import type { INodeProperties } from 'n8n-workflow';

import { API_PATHS } from '../shared/constants';
import { collectionOperations, fieldsCollection, newNameField, optionalTextField } from '../shared/crud';
import { folderField, folderLocator, returnAllAndLimit } from '../shared/descriptions';

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
	collectionOperations({
		resource: 'folder',
		singular: 'folder',
		plural: 'folders',
		collectionPath: API_PATHS.folders,
		idParameter: 'folderId',
		create: {
			action: 'Create a folder',
			description: 'Create a folder, at the top level or inside another folder',
		},
		descriptions: {
			delete: 'Delete an empty folder',
			get: "Get a folder's details (name, parent, AI context)",
			getAll: 'List many folders (every level), newest first',
			update: 'Rename a folder, move it, or change its AI context',
		},
	}),
];

export const folderFields: INodeProperties[] = [
	folderLocator(show('delete', 'get', 'update'), API_PATHS.folder),
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
				'Where to move the folder. Enter "root" (By ID) for the top level; leave empty to keep it where it is.',
			bodyProperty: 'parent_id',
			allowRoot: true,
		}),
	]),
];
