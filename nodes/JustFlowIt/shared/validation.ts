import { NodeOperationError } from 'n8n-workflow';
import type { IExecuteSingleFunctions, IHttpRequestOptions, PreSendAction } from 'n8n-workflow';

import { apiPath } from './constants';

/** The 8-4-4-4-12 hex shape of the API's ids; versions vary, so nothing more is checked. */
export const UUID_PATTERN = '[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}';

const UUID_EXACT = new RegExp(`^${UUID_PATTERN}$`);

export function isUuid(value: string): boolean {
	return UUID_EXACT.test(value);
}

/** The string value of a parameter, from a resource locator or a plain string, trimmed. */
export function readIdParameter(ctx: IExecuteSingleFunctions, path: string): string {
	const value = ctx.getNodeParameter(path, '', { extractValue: true }) as unknown;
	if (value && typeof value === 'object' && 'value' in value) {
		return String((value as { value: unknown }).value ?? '').trim();
	}
	return typeof value === 'string' || typeof value === 'number' ? String(value).trim() : '';
}

/**
 * preSend step: the id in `path` must look like an API id before any request is made.
 * `allowRoot` accepts the word "root" (move to the top level); `optional` accepts an empty value.
 * With `requestPath` (one of API_PATHS), the checked id also goes into the request's URL: the
 * value is read once, from whichever mode the resource locator is in (a pasted URL included).
 */
export function requireId(
	path: string,
	label: string,
	options: { allowRoot?: boolean; optional?: boolean; requestPath?: string } = {},
): PreSendAction {
	return async function (this: IExecuteSingleFunctions, requestOptions: IHttpRequestOptions) {
		const id = readIdParameter(this, path);
		if (!id) {
			if (options.optional) return requestOptions;
			throw new NodeOperationError(this.getNode(), `${label} is empty`, {
				description: `Choose the ${label.toLowerCase()} from the list, or enter its ID.`,
				itemIndex: this.getItemIndex(),
			});
		}
		if (options.allowRoot && id.toLowerCase() === 'root') return requestOptions;
		if (!isUuid(id)) {
			throw new NodeOperationError(this.getNode(), `${label} "${id.slice(0, 80)}" is not a valid ID`, {
				description: `Just Flow It IDs look like 3f9c2b1a-7d4e-4a2c-9b6f-1e8d5c0a2f31. Choose the ${label.toLowerCase()} from the list, paste its ID, or paste its URL.${options.allowRoot ? ' Use "root" for the top level.' : ''}`,
				itemIndex: this.getItemIndex(),
			});
		}
		return options.requestPath ? { ...requestOptions, url: apiPath(options.requestPath, id) } : requestOptions;
	};
}

/** preSend step: a text parameter must not be empty (or only spaces). */
export function requireText(path: string, label: string, hint: string): PreSendAction {
	return async function (this: IExecuteSingleFunctions, requestOptions: IHttpRequestOptions) {
		const value = this.getNodeParameter(path, '') as unknown;
		if (typeof value !== 'string' || value.trim() === '') {
			throw new NodeOperationError(this.getNode(), `${label} is empty`, {
				description: hint,
				itemIndex: this.getItemIndex(),
			});
		}
		return requestOptions;
	};
}
