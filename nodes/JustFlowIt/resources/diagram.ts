import type { INodeProperties } from 'n8n-workflow';

import { API_PATHS } from '../shared/constants';
import { attachBpmnXml, bpmnFileItem } from '../shared/binary';
import {
	binaryPropertyField,
	diagramLocator,
	folderField,
	returnAllAndLimit,
} from '../shared/descriptions';
import { operationRouting, paginateWithCursor } from '../shared/executors';
import { deletedResult } from '../shared/outputs';
import { requireText } from '../shared/validation';

const show = (...operation: string[]) => ({ resource: ['diagram'], operation });

export const diagramOperations: INodeProperties[] = [
	{
		displayName: 'Operation',
		name: 'operation',
		type: 'options',
		noDataExpression: true,
		displayOptions: { show: { resource: ['diagram'] } },
		default: 'getAll',
		options: [
			{
				name: 'Create',
				value: 'create',
				action: 'Import a diagram from BPMN',
				description: 'Import a BPMN 2.0 file or XML text as a new diagram',
				routing: operationRouting({ method: 'POST', url: API_PATHS.diagrams }),
			},
			{
				name: 'Delete',
				value: 'delete',
				action: 'Delete a diagram',
				description: 'Delete a diagram for good',
				routing: operationRouting(
					{ method: 'DELETE' },
					{ postReceive: [deletedResult('diagramId')] },
				),
			},
			{
				name: 'Export',
				value: 'export',
				action: 'Export a diagram as BPMN',
				description: 'Download a diagram as a BPMN 2.0 .bpmn file (binary output)',
				routing: operationRouting(
					{
						method: 'GET',
						encoding: 'arraybuffer',
						json: false,
						headers: { Accept: 'application/xml, application/json;q=0.5' },
					},
					{ postReceive: [bpmnFileItem] },
				),
			},
			{
				name: 'Get',
				value: 'get',
				action: 'Get a diagram',
				description: "Get a diagram's details (name, folder, dates)",
				routing: operationRouting({ method: 'GET' }),
			},
			{
				name: 'Get Many',
				value: 'getAll',
				action: 'Get many diagrams',
				description: 'List many diagrams, newest first',
				routing: operationRouting({ method: 'GET', url: API_PATHS.diagrams }, { executor: paginateWithCursor }),
			},
			{
				name: 'Update',
				value: 'update',
				action: 'Update a diagram',
				description: 'Rename a diagram or move it to another folder',
				routing: operationRouting({ method: 'PATCH' }),
			},
		],
	},
];

export const diagramFields: INodeProperties[] = [
	diagramLocator(show('delete', 'get', 'update'), API_PATHS.diagram),
	diagramLocator(show('export'), API_PATHS.diagramBpmn),

	// Create (import BPMN)
	{
		displayName: 'Name',
		name: 'name',
		type: 'string',
		required: true,
		default: '',
		placeholder: 'e.g. Customer onboarding',
		description: 'Name of the new diagram',
		displayOptions: { show: show('create') },
		routing: {
			send: {
				type: 'body',
				property: 'name',
				value: '={{ String($value).trim() }}',
				preSend: [requireText('name', 'Name', 'Give the new diagram a name.')],
			},
		},
	},
	{
		displayName: 'BPMN Source',
		name: 'bpmnSource',
		type: 'options',
		noDataExpression: true,
		options: [
			{ name: 'Binary File', value: 'binary', description: 'A .bpmn file from an earlier node' },
			{ name: 'Text', value: 'text', description: 'BPMN XML typed in or mapped from an earlier node' },
		],
		default: 'binary',
		description: 'Where the BPMN 2.0 XML comes from',
		displayOptions: { show: show('create') },
		routing: { send: { preSend: [attachBpmnXml] } },
	},
	binaryPropertyField({ ...show('create'), bpmnSource: ['binary'] }, 'input'),
	{
		displayName: 'BPMN XML',
		name: 'bpmnXml',
		type: 'string',
		typeOptions: { rows: 6 },
		required: true,
		default: '',
		placeholder: '<?xml version="1.0" encoding="UTF-8"?><bpmn:definitions …',
		description: 'A complete BPMN 2.0 XML document (at most 5 MiB)',
		displayOptions: { show: { ...show('create'), bpmnSource: ['text'] } },
	},
	{
		displayName: 'Additional Fields',
		name: 'additionalFields',
		type: 'collection',
		placeholder: 'Add Field',
		default: {},
		displayOptions: { show: show('create') },
		options: [
			folderField({
				name: 'folderId',
				path: 'additionalFields.folderId',
				displayName: 'Folder',
				description: 'The folder to put the diagram in. Leave empty for the top level.',
				bodyProperty: 'folder_id',
			}),
		],
	},

	// Export
	binaryPropertyField(show('export'), 'output'),

	// Get Many
	...returnAllAndLimit(show('getAll'), 'diagrams'),

	// Update
	{
		displayName: 'Update Fields',
		name: 'updateFields',
		type: 'collection',
		placeholder: 'Add Field',
		default: {},
		displayOptions: { show: show('update') },
		options: [
			folderField({
				name: 'folderId',
				path: 'updateFields.folderId',
				displayName: 'Folder',
				description: 'The folder to move the diagram to. Enter "root" (By ID) for the top level; leave empty to keep it where it is.',
				bodyProperty: 'folder_id',
				allowRoot: true,
			}),
			{
				displayName: 'Name',
				name: 'name',
				type: 'string',
				default: '',
				placeholder: 'e.g. Customer onboarding v2',
				description: 'New name of the diagram. Leave empty to keep the current name.',
				routing: {
					send: {
						type: 'body',
						property: 'name',
						value: '={{ String($value ?? "").trim() === "" ? undefined : String($value).trim() }}',
					},
				},
			},
		],
	},
];
