import type { INodeProperties } from 'n8n-workflow';

import { attachBpmnXml, bpmnFileItem } from '../shared/binary';
import { API_PATHS } from '../shared/constants';
import { collectionOperations, fieldsCollection, newNameField, optionalTextField } from '../shared/crud';
import { binaryPropertyField, diagramLocator, folderField, returnAllAndLimit } from '../shared/descriptions';
import { operationRouting } from '../shared/executors';

const show = (...operation: string[]) => ({ resource: ['diagram'], operation });

export const diagramOperations: INodeProperties[] = [
	collectionOperations(
		{
			resource: 'diagram',
			singular: 'diagram',
			plural: 'diagrams',
			collectionPath: API_PATHS.diagrams,
			idParameter: 'diagramId',
			create: {
				action: 'Import a diagram from BPMN',
				description: 'Import a BPMN 2.0 file or XML text as a new diagram',
			},
			descriptions: {
				delete: 'Delete a diagram for good',
				get: "Get a diagram's details (name, folder, dates)",
				getAll: 'List many diagrams, newest first',
				update: 'Rename a diagram or move it to another folder',
			},
		},
		[
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
		],
	),
];

export const diagramFields: INodeProperties[] = [
	diagramLocator(show('delete', 'get', 'update'), API_PATHS.diagram),
	diagramLocator(show('export'), API_PATHS.diagramBpmn),

	// Create (import BPMN)
	newNameField('diagram', 'e.g. Customer onboarding', show('create')),
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
	fieldsCollection('additionalFields', show('create'), [
		folderField({
			name: 'folderId',
			path: 'additionalFields.folderId',
			displayName: 'Folder',
			description: 'The folder to put the diagram in. Leave empty for the top level.',
			bodyProperty: 'folder_id',
		}),
	]),

	// Export
	binaryPropertyField(show('export'), 'output'),

	// Get Many
	...returnAllAndLimit(show('getAll'), 'diagrams'),

	// Update
	fieldsCollection('updateFields', show('update'), [
		folderField({
			name: 'folderId',
			path: 'updateFields.folderId',
			displayName: 'Folder',
			description:
				'The folder to move the diagram to. Enter "root" (By ID) for the top level; leave empty to keep it where it is.',
			bodyProperty: 'folder_id',
			allowRoot: true,
		}),
		optionalTextField({
			displayName: 'Name',
			name: 'name',
			bodyProperty: 'name',
			placeholder: 'e.g. Customer onboarding v2',
			description: 'New name of the diagram. Leave empty to keep the current name.',
		}),
	]),
];
