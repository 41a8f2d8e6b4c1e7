import type { INodeProperties } from 'n8n-workflow';

import { imageFileItem } from '../shared/binary';
import { binaryPropertyField, diagramIdInPath, sendAsApiChoice } from '../shared/descriptions';

/**
 * Render: a saved diagram as an image. The request (method, URL) is declared on the operation;
 * its query (format, theme) comes from the fields below. The diagram picker (`diagramId`) is
 * shared with Diagram and declared in shared/descriptions.ts.
 */

const show = (...operation: string[]) => ({ resource: ['render'], operation });

export const formatField: INodeProperties = {
	displayName: 'Format',
	name: 'format',
	type: 'options',
	options: [
		{ name: 'PNG', value: 'png', description: 'A picture, for e-mail and chat' },
		{ name: 'SVG', value: 'svg', description: 'Vector graphics, sharp at any size' },
	],
	default: 'png',
	description: 'The image format',
};

export const themeField: INodeProperties = {
	displayName: 'Theme',
	name: 'theme',
	type: 'options',
	options: [
		{ name: 'Light', value: 'light' },
		{ name: 'Dark', value: 'dark' },
	],
	default: 'light',
	description: 'Light or dark colours',
};

export const renderOperations: INodeProperties[] = [
	{
		displayName: 'Operation',
		name: 'operation',
		type: 'options',
		noDataExpression: true,
		displayOptions: { show: { resource: ['render'] } },
		default: 'image',
		options: [
			{
				name: 'Image',
				value: 'image',
				action: 'Render a diagram as a PNG or SVG image',
				description: 'Render a saved diagram as PNG or SVG, light or dark (binary output; uses no AI quota)',
				routing: {
					request: {
						method: 'GET',
						url: '=/diagrams/{{ $parameter.diagramId }}/image',
						headers: { Accept: 'image/png, image/svg+xml, application/json;q=0.5' },
						encoding: 'arraybuffer',
						json: false,
					},
					send: { preSend: [diagramIdInPath] },
					output: { postReceive: [imageFileItem] },
				},
			},
		],
	},
];

export const renderFields: INodeProperties[] = [
	{
		...formatField,
		displayOptions: { show: show('image') },
		routing: { send: sendAsApiChoice('query', 'format') },
	},
	{
		...themeField,
		displayOptions: { show: show('image') },
		routing: { send: sendAsApiChoice('query', 'theme') },
	},
	binaryPropertyField(show('image'), 'output'),
	{
		displayName: 'Options',
		name: 'options',
		type: 'collection',
		placeholder: 'Add Option',
		default: {},
		displayOptions: { show: show('image') },
		options: [
			{
				displayName: 'Look Up Diagram Name',
				name: 'lookUpName',
				type: 'boolean',
				default: false,
				description:
					"Whether to ask Just Flow It for the diagram's name to name the file, when the input item is not that diagram. Costs one more request per image; off, the file is named after the diagram ID.",
			},
		],
	},
];
