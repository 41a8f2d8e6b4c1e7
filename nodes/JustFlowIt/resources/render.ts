import type { INodeProperties } from 'n8n-workflow';

import { API_PATHS } from '../shared/constants';
import { renderedImageItem } from '../shared/binary';
import { binaryPropertyField, diagramLocator } from '../shared/descriptions';
import { operationRouting } from '../shared/executors';

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
				action: 'Render a diagram as an image',
				description: 'Render a saved diagram as PNG or SVG, light or dark (binary output; uses no AI quota)',
				routing: operationRouting(
					{
						method: 'GET',
						encoding: 'arraybuffer',
						json: false,
						headers: { Accept: 'image/png, image/svg+xml, application/json;q=0.5' },
					},
					{ postReceive: [renderedImageItem] },
				),
			},
		],
	},
];

export const renderFields: INodeProperties[] = [
	diagramLocator(show('image'), API_PATHS.diagramImage),
	{
		...formatField,
		displayOptions: { show: show('image') },
		routing: { send: { type: 'query', property: 'format' } },
	},
	{
		...themeField,
		displayOptions: { show: show('image') },
		routing: { send: { type: 'query', property: 'theme' } },
	},
	binaryPropertyField(show('image'), 'output'),
];
