import type { IExecuteSingleFunctions, INodeExecutionData, PostReceiveAction } from 'n8n-workflow';

import { readIdParameter } from './validation';

/** postReceive of a Delete: `{ deleted: true, id }` instead of the empty 204 body. */
export function deletedItem(idParameter: string): PostReceiveAction {
	return async function (this: IExecuteSingleFunctions): Promise<INodeExecutionData[]> {
		return [{ json: { deleted: true, id: readIdParameter(this, idParameter) } }];
	};
}
