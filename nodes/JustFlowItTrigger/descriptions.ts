import type { INodeProperties } from 'n8n-workflow';

import { idLocator } from '../JustFlowIt/shared/descriptions';

type Shown = NonNullable<INodeProperties['displayOptions']>['show'];

/**
 * The trigger's optional folder filter: the action node's folder locator (pick from a searchable
 * list, paste its ID, or paste its link). Empty means every folder; readFolderFilter checks it.
 */
export function triggerFolderLocator(args: { show: Shown }): INodeProperties {
	return idLocator({
		kind: 'folder',
		name: 'folderId',
		displayName: 'Folder',
		description:
			'Only diagrams directly in this folder. Leave empty for all diagrams. The API cannot filter by folder, so the trigger reads every diagram and filters them itself (same cost per poll).',
		show: args.show,
		required: false,
	});
}
