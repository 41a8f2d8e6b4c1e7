import { NodeOperationError } from 'n8n-workflow';
import type { IDataObject, IExecuteSingleFunctions, IHttpRequestOptions, PreSendAction } from 'n8n-workflow';

import { forToolUse, withoutAngleBrackets } from './errors';

/** The 8-4-4-4-12 hex shape of the API's ids; versions vary, so nothing more is checked. */
export const UUID_PATTERN = '[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}';

const UUID_EXACT = new RegExp(`^${UUID_PATTERN}$`);

/** A Just Flow It link to a diagram or folder (app or API), with the id as group 1. */
const LINK_WITH_ID = new RegExp(`^https?://[^\\s]*/(?:diagrams|folders)/(${UUID_PATTERN})(?:[/?#].*)?$`);

export function isUuid(value: string): boolean {
	return UUID_EXACT.test(value);
}

/** The text of a parameter value: a resource locator's value, or a plain string or number. */
function valueText(value: unknown): string {
	if (value && typeof value === 'object' && 'value' in value) return valueText((value as { value: unknown }).value);
	return typeof value === 'string' || typeof value === 'number' ? String(value).trim() : '';
}

/**
 * The id in a parameter value, whatever form it came in: picked from the list, typed as an id,
 * pasted as a Just Flow It link (also when the editor did not store the link's regex, as in
 * imported workflows), or given as a plain string by an expression or an AI agent.
 */
export function idFromValue(value: unknown): string {
	const text = valueText(value);
	return LINK_WITH_ID.exec(text)?.[1] ?? text;
}

/** The id held by parameter `path`, in any of the forms `idFromValue` accepts. */
export function readIdParameter(ctx: IExecuteSingleFunctions, path: string): string {
	return idFromValue(ctx.getNodeParameter(path, '', { extractValue: true }));
}

interface IdRules {
	/** Accept the word "root" (the top level). */
	allowRoot?: boolean;
	/** Accept an empty value (the field is then left out). */
	optional?: boolean;
}

/** Checks the id in `path` before any request; returns it ('' when optional and empty). */
function checkedId(ctx: IExecuteSingleFunctions, path: string, label: string, rules: IdRules): string {
	const id = readIdParameter(ctx, path);
	if (!id) {
		if (rules.optional) return '';
		throw forToolUse(ctx.getNode(), new NodeOperationError(ctx.getNode(), `${label} is empty`, {
			description: `Choose the ${label.toLowerCase()} from the list, or enter its ID.`,
			itemIndex: ctx.getItemIndex(),
		}));
	}
	if (rules.allowRoot && id.toLowerCase() === 'root') return id;
	if (!isUuid(id)) {
		throw forToolUse(ctx.getNode(), new NodeOperationError(ctx.getNode(), `${label} "${withoutAngleBrackets(id.slice(0, 80))}" is not a valid ID`, {
			description: `Just Flow It IDs look like 3f9c2b1a-7d4e-4a2c-9b6f-1e8d5c0a2f31. Give the ${label.toLowerCase()}'s ID or its link, or pick it from the list (Get Many lists them with their IDs).${rules.allowRoot ? ' Use "root" for the top level.' : ''}`,
			itemIndex: ctx.getItemIndex(),
		}));
	}
	return id;
}

/**
 * preSend step: the id in `path` must look like an API id before any request is made. With
 * `bodyProperty`, the body field the picker's routing filled in gets the bare id (a link given
 * by an expression or an agent would otherwise be sent as it is).
 */
export function requireId(path: string, label: string, rules: IdRules & { bodyProperty?: string } = {}): PreSendAction {
	return async function (this: IExecuteSingleFunctions, requestOptions: IHttpRequestOptions) {
		const id = checkedId(this, path, label, rules);
		const body = requestOptions.body as IDataObject | undefined;
		const property = rules.bodyProperty;
		if (!property || !id || id.toLowerCase() === 'root' || typeof body?.[property] !== 'string') return requestOptions;
		return { ...requestOptions, body: { ...body, [property]: id } };
	};
}

/**
 * preSend step of a picker whose id is part of the operation's URL, declared there as
 * `{{ $parameter.<name> }}`. n8n fills that in with the raw value (a pasted link stays a link
 * unless the editor stored the link's regex); this step checks the id and puts it in place of
 * the raw value, so the URL always holds the bare id.
 */
export function idInRequestPath(path: string, label: string): PreSendAction {
	return async function (this: IExecuteSingleFunctions, requestOptions: IHttpRequestOptions) {
		const id = checkedId(this, path, label, {});
		const raw = valueText(this.getNodeParameter(path, ''));
		const url = String(requestOptions.url ?? '');
		if (!raw || raw === id || !url.includes(raw)) return requestOptions;
		return { ...requestOptions, url: url.replace(raw, encodeURIComponent(id)) };
	};
}

/** preSend step: a text parameter must not be empty (or only spaces). */
export function requireText(path: string, label: string, hint: string): PreSendAction {
	return async function (this: IExecuteSingleFunctions, requestOptions: IHttpRequestOptions) {
		const value = this.getNodeParameter(path, '') as unknown;
		if (typeof value !== 'string' || value.trim() === '') {
			throw forToolUse(this.getNode(), new NodeOperationError(this.getNode(), `${label} is empty`, {
				description: hint,
				itemIndex: this.getItemIndex(),
			}));
		}
		return requestOptions;
	};
}
