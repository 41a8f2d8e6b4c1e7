import { BINARY_ENCODING, NodeOperationError } from 'n8n-workflow';
import type {
	IBinaryData,
	IDataObject,
	IExecuteSingleFunctions,
	IHttpRequestOptions,
	INodeExecutionData,
	PreSendAction,
} from 'n8n-workflow';

import { asApiChoice } from './constants';
import { withoutAngleBrackets } from './secrets';
import { forToolUse, isToolNode } from './tool';

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

/** Values read per node run (RoutingNode gives every item of a run one execute data object). */
const valuesReadByRun = new WeakMap<object, Map<string, unknown>>();

/**
 * Parameter `path` of this item ('' when not set), read once per item. Each read of a parameter
 * that holds an expression evaluates it again, and an evaluation is most of the node's own work
 * per item (n8n builds the expression's data and clock each time): the diagram's id is needed by
 * the check before sending, the URL and the answer's file name. Kept by node run, item index and
 * path, so a context made for another item (`contextOfItem`) finds that item's value.
 */
export function itemParameter(ctx: IExecuteSingleFunctions, path: string): unknown {
	const run = ctx.getExecuteData?.() as unknown;
	if (!run || typeof run !== 'object') return ctx.getNodeParameter(path, '');
	let values = valuesReadByRun.get(run);
	if (!values) valuesReadByRun.set(run, (values = new Map()));
	const key = `${ctx.getItemIndex()}\u0000${path}`;
	if (!values.has(key)) values.set(key, ctx.getNodeParameter(path, ''));
	return values.get(key);
}

/**
 * The id held by parameter `path`, in any of the forms `idFromValue` accepts. Read without n8n's
 * `extractValue`: `idFromValue` takes the id out of a link itself, in every mode of the picker.
 */
export function readIdParameter(ctx: IExecuteSingleFunctions, path: string): string {
	return idFromValue(itemParameter(ctx, path));
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
		const raw = valueText(itemParameter(this, path));
		const url = String(requestOptions.url ?? '');
		if (!raw || raw === id || !url.includes(raw)) return requestOptions;
		return { ...requestOptions, url: url.replace(raw, encodeURIComponent(id)) };
	};
}

/** The error of a parameter a check refused, worded for an AI agent's tool too. */
function refused(ctx: IExecuteSingleFunctions, message: string, description: string): NodeOperationError {
	return forToolUse(ctx.getNode(), new NodeOperationError(ctx.getNode(), message, { description, itemIndex: ctx.getItemIndex() }));
}

/** preSend step: an optional choice (Format, Theme) must be one of `allowed` when it is given. */
export function requireChoice(path: string, label: string, allowed: string[]): PreSendAction {
	return async function (this: IExecuteSingleFunctions, requestOptions: IHttpRequestOptions) {
		const raw = this.getNodeParameter(path, '') as unknown;
		const value = asApiChoice(raw);
		if (value && !allowed.includes(value)) {
			throw refused(this, `${label} "${String(raw).slice(0, 40)}" is not one of ${allowed.join(', ')}`, `Set ${label} to ${allowed.join(' or ')}.`);
		}
		return requestOptions;
	};
}

/** preSend step: a text parameter, when given, may have at most `max` characters (the API's limit). */
export function requireMaxLength(path: string, label: string, max: number): PreSendAction {
	return async function (this: IExecuteSingleFunctions, requestOptions: IHttpRequestOptions) {
		const value = this.getNodeParameter(path, '') as unknown;
		const length = typeof value === 'string' ? Array.from(value.trim()).length : 0;
		if (length > max) {
			throw refused(this, `${label} is too long (${length} characters)`, `Just Flow It accepts at most ${max} characters. Shorten it.`);
		}
		return requestOptions;
	};
}

/** preSend step: a number parameter, when given, must be a number greater than 0. */
export function requirePositiveNumber(path: string, label: string): PreSendAction {
	return async function (this: IExecuteSingleFunctions, requestOptions: IHttpRequestOptions) {
		const value = this.getNodeParameter(path, '') as unknown;
		if (value === '' || value === undefined || value === null) return requestOptions;
		if (!(Number(value) > 0 && Number.isFinite(Number(value)))) {
			throw refused(this, `${label} "${String(value).slice(0, 40)}" is not a number greater than 0`, `Set ${label} to a number of seconds, or leave it out.`);
		}
		return requestOptions;
	};
}

/**
 * preSend step: a text parameter must not be empty (or only spaces). When it is an expression,
 * the error quotes it: what is empty is then the input item's field it maps, not the parameter.
 */
export function requireText(path: string, label: string, hint: string): PreSendAction {
	return async function (this: IExecuteSingleFunctions, requestOptions: IHttpRequestOptions) {
		const value = this.getNodeParameter(path, '') as unknown;
		if (typeof value !== 'string' || value.trim() === '') {
			const stored = storedParameter(this, path);
			const expression = typeof stored === 'string' && stored.startsWith('=') ? stored.slice(1).trim() : '';
			const quoted = expression.length > 80 ? `${expression.slice(0, 80)}…` : expression;
			throw forToolUse(this.getNode(), new NodeOperationError(this.getNode(), `${label} is empty`, {
				description: expression
					? `Its expression ${withoutAngleBrackets(quoted)} gave no text for this item: check the field it maps in the input item. ${hint}`
					: hint,
				itemIndex: this.getItemIndex(),
			}));
		}
		return requestOptions;
	};
}

// ---------------------------------------------------------------------------------------------
// Every item checked before the first request of an operation that POSTs

/** A parameter value with every expression in it worked out for item `itemIndex`. */
function resolvedFor(ctx: IExecuteSingleFunctions, value: unknown, itemIndex: number): unknown {
	if (typeof value === 'string') return value.startsWith('=') ? ctx.evaluateExpression(value.slice(1), itemIndex) : value;
	if (Array.isArray(value)) return value.map((entry) => resolvedFor(ctx, entry, itemIndex));
	if (value && typeof value === 'object') {
		return Object.fromEntries(Object.entries(value).map(([key, entry]) => [key, resolvedFor(ctx, entry, itemIndex)]));
	}
	return value;
}

/** The node's stored value at a dotted parameter path ("options.folderId"), undefined when not set. */
function storedParameter(ctx: IExecuteSingleFunctions, path: string): unknown {
	let value: unknown = ctx.getNode().parameters;
	for (const key of path.split('.')) {
		if (!value || typeof value !== 'object') return undefined;
		value = (value as IDataObject)[key];
	}
	return value;
}

/** Input item `itemIndex`, read from another item's context. */
function inputItem(ctx: IExecuteSingleFunctions, itemIndex: number): INodeExecutionData {
	return (ctx.evaluateExpression('{{ $input.item }}', itemIndex) ?? { json: {} }) as unknown as INodeExecutionData;
}

/** The bytes of a binary file of any item, held in memory or in n8n's binary data store. */
async function binaryBytes(ctx: IExecuteSingleFunctions, binary: IBinaryData): Promise<Buffer> {
	if (binary.id) return await ctx.helpers.binaryToBuffer(await ctx.helpers.getBinaryStream(binary.id));
	return Buffer.from(binary.data, BINARY_ENCODING);
}

/**
 * The context of item `itemIndex`, seen from another item's, through the context's public
 * methods: its parameters (expressions worked out for it with `evaluateExpression`), its index,
 * its input item and that item's binary files. Enough for the checks, which read nothing else.
 */
function contextOfItem(ctx: IExecuteSingleFunctions, itemIndex: number): IExecuteSingleFunctions {
	if (itemIndex === ctx.getItemIndex()) return ctx;
	let item: INodeExecutionData | undefined;
	const input = () => (item ??= inputItem(ctx, itemIndex));
	const file = (property: string): IBinaryData => {
		const binary = input().binary?.[property];
		if (!binary) throw new NodeOperationError(ctx.getNode(), `The input item has no binary file in "${property}"`, { itemIndex });
		return binary;
	};
	return Object.create(ctx, {
		getItemIndex: { value: () => itemIndex },
		getInputData: { value: input },
		getNodeParameter: {
			value: (path: string, fallback?: unknown) => {
				const stored = storedParameter(ctx, path);
				return stored === undefined ? fallback : resolvedFor(ctx, stored, itemIndex);
			},
		},
		helpers: {
			value: {
				...ctx.helpers,
				assertBinaryData: (property: string) => file(property),
				getBinaryDataBuffer: async (property: string) => await binaryBytes(ctx, file(property)),
			},
		},
	}) as IExecuteSingleFunctions;
}

/** How many items the node runs on (the AI tool variant and odd contexts: just this one). */
function itemCount(ctx: IExecuteSingleFunctions): number {
	try {
		const count = Number(ctx.evaluateExpression('{{ $input.all().length }}', ctx.getItemIndex()));
		return Number.isInteger(count) && count > ctx.getItemIndex() ? count : ctx.getItemIndex() + 1;
	} catch {
		return ctx.getItemIndex() + 1;
	}
}

/** A run's verdict: how many items it has, and the first failure of each item's checks by index. */
interface Verdict {
	count: number;
	failures: Map<number, Error>;
}

/** Verdicts per node run (RoutingNode gives every item of a run the same execute data object). */
const verdicts = new WeakMap<object, Map<PreSendAction, Promise<Verdict>>>();

function verdictOf(ctx: IExecuteSingleFunctions, run: object, checks: PreSendAction[], key: PreSendAction): Promise<Verdict> {
	let byCheck = verdicts.get(run);
	if (!byCheck) verdicts.set(run, (byCheck = new Map()));
	let verdict = byCheck.get(key);
	if (!verdict) {
		verdict = (async () => {
			const count = itemCount(ctx);
			const failures = new Map<number, Error>();
			for (let itemIndex = 0; itemIndex < count; itemIndex++) {
				const itemCtx = contextOfItem(ctx, itemIndex);
				try {
					for (const check of checks) await check.call(itemCtx, { url: '', body: {}, qs: {} } as IHttpRequestOptions);
				} catch (error) {
					failures.set(itemIndex, error as Error);
				}
			}
			return { count, failures };
		})();
		byCheck.set(key, verdict);
	}
	return verdict;
}

/**
 * preSend step of an operation that POSTs (it creates something, and Generate spends quota):
 * `checks` (preSend steps that only read parameters and the input item) are run for every item of
 * the run before this item's request may go out. RoutingNode builds and starts each item's request
 * in turn, so the first item to get here checks them all, and every item waits for that verdict:
 * - when any item fails and the node does not continue on fail, no item is sent: each one fails
 *   with the first bad item's error, naming it, so no quota is spent on a run that fails anyway;
 * - with Continue On Fail the bad items fail with their own errors and the others are sent.
 * Then this item's checks run on its own context, to shape its request as they do. As an AI
 * agent's tool a call is one item, and only its own checks run.
 */
export function checkEveryItemFirst(...checks: PreSendAction[]): PreSendAction {
	const step: PreSendAction = async function (this: IExecuteSingleFunctions, requestOptions: IHttpRequestOptions) {
		const run = this.getExecuteData() as unknown;
		if (run && typeof run === 'object' && !isToolNode(this.getNode())) {
			const { count, failures } = await verdictOf(this, run, checks, step);
			const own = failures.get(this.getItemIndex());
			if (failures.size && !this.continueOnFail() && count > 1) throw nothingSentBecause(this, failures);
			if (own) throw own;
		}
		let options = requestOptions;
		for (const check of checks) options = await check.call(this, options);
		return options;
	};
	return step;
}

/** The error every item of a run gets when one item is bad and the node stops on errors. */
function nothingSentBecause(ctx: IExecuteSingleFunctions, failures: Map<number, Error>): NodeOperationError {
	const [itemIndex, first] = [...failures.entries()].sort(([a], [b]) => a - b)[0];
	const others = failures.size > 1 ? ` (${failures.size} items have a problem)` : '';
	const description = (first as NodeOperationError).description;
	return new NodeOperationError(ctx.getNode(), `Item ${itemIndex + 1}: ${first.message}${others}`, {
		description: `${description ? `${String(description)} ` : ''}Nothing was sent for any item: the node checks every item before it sends the first, so no item was created and no quota was used. Fix the item and run again, or turn on Settings → On Error → Continue to send the valid items.`,
		itemIndex,
	});
}
