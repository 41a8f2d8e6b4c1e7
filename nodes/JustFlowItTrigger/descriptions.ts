import type { INodeProperties } from 'n8n-workflow';

import { UUID_PATTERN } from '../JustFlowIt/shared/validation';

type Shown = NonNullable<INodeProperties['displayOptions']>['show'];

const APP_URL = 'https://justflow.it/app';

/** The folder link the app shows, e.g. https://justflow.it/app/folders/<id>. */
export const FOLDER_URL_REGEX = `https?://[^/]+/(?:app/)?folders/(${UUID_PATTERN})`;

/**
 * The trigger's optional folder filter: pick a folder from a searchable list, paste its ID, or
 * paste its link. Empty means every folder.
 */
export function triggerFolderLocator(args: { show: Shown }): INodeProperties {
	return {
		displayName: 'Folder',
		name: 'folderId',
		type: 'resourceLocator',
		default: { mode: 'list', value: '' },
		description:
			'Only diagrams directly in this folder. Leave empty for all diagrams. The API cannot filter by folder, so the trigger reads every diagram and filters them itself (same cost per poll).',
		displayOptions: { show: args.show },
		modes: [
			{
				displayName: 'From List',
				name: 'list',
				type: 'list',
				placeholder: 'Select a folder…',
				typeOptions: { searchListMethod: 'searchFolders', searchable: true, searchFilterRequired: false },
			},
			{
				displayName: 'By ID',
				name: 'id',
				type: 'string',
				placeholder: 'e.g. 8b1f6c2e-3a4d-4e9b-9c1a-2f7d8e0a5b3c',
				validation: [
					{
						type: 'regex',
						properties: { regex: `^${UUID_PATTERN}$`, errorMessage: 'Not a valid folder ID' },
					},
				],
				url: `=${APP_URL}/folders/{{$value}}`,
			},
			{
				displayName: 'By URL',
				name: 'url',
				type: 'string',
				placeholder: `e.g. ${APP_URL}/folders/8b1f6c2e-3a4d-4e9b-9c1a-2f7d8e0a5b3c`,
				extractValue: { type: 'regex', regex: FOLDER_URL_REGEX },
				validation: [
					{
						type: 'regex',
						properties: { regex: `${FOLDER_URL_REGEX}.*`, errorMessage: 'Not a Just Flow It folder URL' },
					},
				],
			},
		],
	};
}
