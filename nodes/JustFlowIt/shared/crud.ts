import type {
	IDataObject,
	IExecuteSingleFunctions,
	IHttpRequestOptions,
	INodeProperties,
	INodePropertyOptions,
} from 'n8n-workflow';

import { operationRouting, paginateWithCursor } from './executors';
import { deletedResult } from './outputs';
import { requireText } from './validation';

/**
 * The parts Diagram and Folder share: the operation list of a collection resource (Create,
 * Delete, Get, Get Many, Update), the required name of a new item and the optional new name.
 */

type Shown = NonNullable<INodeProperties['displayOptions']>['show'];

interface CollectionResource {
	resource: 'diagram' | 'folder';
	/** e.g. `diagram`, for the action texts. */
	singular: string;
	/** e.g. `diagrams`. */
	plural: string;
	/** The list/create path, e.g. `/diagrams`. */
	collectionPath: string;
	/** The id parameter of Get/Update/Delete (its locator builds the item's path). */
	idParameter: string;
	/** Action and description of Create, which differ most between resources. */
	create: { action: string; description: string };
	descriptions: { delete: string; get: string; getAll: string; update: string };
}

/** The Operation property of a collection resource, with `extra` options merged in by name. */
export function collectionOperations(
	args: CollectionResource,
	extra: INodePropertyOptions[] = [],
): INodeProperties {
	const { singular, plural } = args;
	const options: INodePropertyOptions[] = [
		{
			name: 'Create',
			value: 'create',
			...args.create,
			routing: operationRouting({ method: 'POST', url: args.collectionPath }),
		},
		{
			name: 'Delete',
			value: 'delete',
			action: `Delete a ${singular}`,
			description: args.descriptions.delete,
			routing: operationRouting({ method: 'DELETE' }, { postReceive: [deletedResult(args.idParameter)] }),
		},
		{
			name: 'Get',
			value: 'get',
			action: `Get a ${singular}`,
			description: args.descriptions.get,
			routing: operationRouting({ method: 'GET' }),
		},
		{
			name: 'Get Many',
			value: 'getAll',
			action: `Get many ${plural}`,
			description: args.descriptions.getAll,
			routing: operationRouting({ method: 'GET', url: args.collectionPath }, { executor: paginateWithCursor }),
		},
		{
			name: 'Update',
			value: 'update',
			action: `Update a ${singular}`,
			description: args.descriptions.update,
			routing: operationRouting({ method: 'PATCH' }, { preSend: [alwaysSendJsonObject] }),
		},
		...extra,
	].sort((a, b) => a.name.localeCompare(b.name));
	return {
		displayName: 'Operation',
		name: 'operation',
		type: 'options',
		noDataExpression: true,
		displayOptions: { show: { resource: [args.resource] } },
		default: 'getAll',
		options,
	};
}

/**
 * preSend step of Update: with no field to change, n8n would send no body at all, which the API
 * refuses as not JSON; `{}` is what it accepts (it returns the item unchanged).
 */
async function alwaysSendJsonObject(
	this: IExecuteSingleFunctions,
	requestOptions: IHttpRequestOptions,
): Promise<IHttpRequestOptions> {
	const body = (requestOptions.body ?? {}) as IDataObject;
	if (Object.values(body).some((value) => value !== undefined)) return requestOptions;
	return {
		...requestOptions,
		body: '{}',
		headers: { ...requestOptions.headers, 'Content-Type': 'application/json' },
	};
}

/** The required Name of a new diagram or folder, trimmed, refused when blank. */
export function newNameField(singular: string, placeholder: string, show: Shown): INodeProperties {
	return {
		displayName: 'Name',
		name: 'name',
		type: 'string',
		required: true,
		default: '',
		placeholder,
		description: `Name of the new ${singular}`,
		displayOptions: { show },
		routing: {
			send: {
				type: 'body',
				property: 'name',
				value: '={{ String($value).trim() }}',
				preSend: [requireText('name', 'Name', `Give the new ${singular} a name.`)],
			},
		},
	};
}

/** An optional text sent in the body only when it is not blank (Update Fields, Options). */
export function optionalTextField(args: {
	displayName: string;
	name: string;
	bodyProperty: string;
	placeholder: string;
	description: string;
}): INodeProperties {
	return {
		displayName: args.displayName,
		name: args.name,
		type: 'string',
		default: '',
		placeholder: args.placeholder,
		description: args.description,
		routing: {
			send: {
				type: 'body',
				property: args.bodyProperty,
				value: '={{ String($value ?? "").trim() === "" ? undefined : String($value).trim() }}',
			},
		},
	};
}

/** A collection of optional fields: Additional Fields (create) or Update Fields (update). */
export function fieldsCollection(
	kind: 'additionalFields' | 'updateFields',
	show: Shown,
	options: INodeProperties[],
): INodeProperties {
	return {
		displayName: kind === 'additionalFields' ? 'Additional Fields' : 'Update Fields',
		name: kind,
		type: 'collection',
		placeholder: 'Add Field',
		default: {},
		displayOptions: { show },
		options,
	};
}
