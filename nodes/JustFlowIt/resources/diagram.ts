import type { INodeProperties } from 'n8n-workflow';

import { attachBpmnXml, bpmnFileItem } from '../shared/binary';
import {
	alwaysSendJsonObject,
	binaryPropertyField,
	diagramIdInPath,
	fieldsCollection,
	folderField,
	newNameField,
	optionalTextField,
	returnAllAndLimit,
} from '../shared/descriptions';
import { deletedItem } from '../shared/outputs';
import { walkCursorPages } from '../shared/routing';
import { checkEveryItemFirst, requireId, requireText } from '../shared/validation';

/**
 * Diagram: saved BPMN diagrams. Each operation's request (method, URL, query) is declared on the
 * operation; its body comes from the fields below. The diagram picker (`diagramId`) is shared
 * with Render and declared in shared/descriptions.ts.
 */

const show = (...operation: string[]) => ({ resource: ['diagram'], operation });

/** Create's checks, run for every item before the first diagram is created; the last one sets `bpmn_xml`. */
const importChecks = [
	requireText('name', 'Name', 'Give the new diagram a name.'),
	requireId('additionalFields.folderId', 'Folder', { optional: true }),
	attachBpmnXml,
];

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
				name: 'Delete',
				value: 'delete',
				action: 'Delete a diagram',
				description: 'Delete a diagram for good',
				routing: {
					request: { method: 'DELETE', url: '=/diagrams/{{ $parameter.diagramId }}' },
					send: { preSend: [diagramIdInPath] },
					output: { postReceive: [deletedItem('diagramId')] },
				},
			},
			{
				name: 'Export',
				value: 'export',
				action: 'Export a diagram as BPMN',
				description: 'Download a diagram as a BPMN 2.0 .bpmn file (binary output)',
				routing: {
					request: {
						method: 'GET',
						url: '=/diagrams/{{ $parameter.diagramId }}/bpmn',
						headers: { Accept: 'application/xml, application/json;q=0.5' },
						encoding: 'arraybuffer',
						json: false,
					},
					send: { preSend: [diagramIdInPath] },
					output: { postReceive: [bpmnFileItem] },
				},
			},
			{
				name: 'Get',
				value: 'get',
				action: 'Get a diagram',
				description: "Get a diagram's details (name, folder, dates)",
				routing: {
					request: { method: 'GET', url: '=/diagrams/{{ $parameter.diagramId }}' },
					send: { preSend: [diagramIdInPath] },
				},
			},
			{
				name: 'Get Many',
				value: 'getAll',
				action: 'Get many diagrams',
				description: 'List many diagrams, newest first',
				routing: {
					request: { method: 'GET', url: '/diagrams' },
					// query: `limit` on every page and `cursor` from the second on, set per page by
					// walkCursorPages from Return All and Limit
					operations: { pagination: walkCursorPages },
				},
			},
			{
				// Named Import everywhere (Operation list, nodes panel, canvas subtitle); the stored
				// value stays `create` (POST /diagrams), as saved workflows hold it.
				name: 'Import',
				value: 'create',
				action: 'Import a diagram from BPMN',
				description: 'Import a BPMN 2.0 file or XML text as a new diagram',
				// body: name, bpmn_xml (from BPMN Source, attachBpmnXml), folder_id (Additional Fields);
				// every item is checked before the first is sent (checkEveryItemFirst)
				routing: {
					request: { method: 'POST', url: '/diagrams' },
					send: { preSend: [checkEveryItemFirst(...importChecks)] },
				},
			},
			{
				name: 'Update',
				value: 'update',
				action: 'Update a diagram',
				description: 'Rename a diagram or move it to another folder',
				// body: name, folder_id (Update Fields)
				routing: {
					request: { method: 'PATCH', url: '=/diagrams/{{ $parameter.diagramId }}' },
					send: { preSend: [diagramIdInPath, alwaysSendJsonObject] },
				},
			},
		],
	},
];

export const diagramFields: INodeProperties[] = [
	// Import (stored value `create`)
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
		builderHint: {
			propertyHint:
				'binary when an earlier node provides a .bpmn file (Input Binary Field names it); text when the XML is a string field of the input item (map it into BPMN XML)',
		},
		displayOptions: { show: show('create') },
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
				'The folder to move the diagram to. Pick "Top Level (No Folder)" (or enter "root") for the top level; leave empty to keep it where it is.',
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
