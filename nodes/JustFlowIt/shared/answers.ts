import { NodeOperationError } from 'n8n-workflow';
import type { IDataObject, IN8nHttpFullResponse, INode } from 'n8n-workflow';

import { DEFAULT_BASE_URL } from '../../../credentials/credentialSettings';
import { bodyToText, headerValue } from './http';
import { redactedExcerpt, withoutSecrets } from './secrets';

/**
 * The reader of 2xx answers where JSON is expected, for the declared operations (routing.ts) and
 * every list page (lists.ts): a JSON value of the expected shape, or an error that says what came
 * back (empty, cut off, a web page, other text, JSON of another shape), with its Content-Type and a
 * short redacted excerpt, and what to do. Garbage never becomes an item. (Generate's polls and the
 * diagram name look-up read their answers with bodyToObject instead.)
 */

/** Where an answer was expected, to word what went wrong. */
interface AnswerExpectation {
	node: INode;
	/** What the answer should hold, as the messages name it: "the diagram", "the diagrams list". */
	what: string;
	/** How the description names what was expected; default "<what> as JSON". */
	expected?: string;
	/** The request was a POST: it may have been carried out although its answer is unusable. */
	isPost?: boolean;
	itemIndex?: number;
}

/** What a 2xx body turned out to be. */
type AnswerKind = 'empty' | 'cutOff' | 'webPage' | 'notJson' | 'json';

/** A body read as JSON where possible: n8n's HTTP client leaves text it could not parse as a string. */
export function readBody(response: IN8nHttpFullResponse): { kind: AnswerKind; value?: unknown } {
	const { body } = response;
	const isText =
		body === undefined ||
		body === null ||
		typeof body === 'string' ||
		Buffer.isBuffer(body) ||
		ArrayBuffer.isView(body) ||
		body instanceof ArrayBuffer;
	if (!isText) return { kind: 'json', value: body };
	const text = bodyToText(body).replace(/^\uFEFF/, '').trim();
	if (!text) return { kind: 'empty' };
	const type = (headerValue(response.headers, 'content-type') ?? '').toLowerCase();
	if (type.includes('html') || /^<(!doctype|html|head|body)\b/i.test(text)) return { kind: 'webPage' };
	try {
		return { kind: 'json', value: JSON.parse(text) as unknown };
	} catch (error) {
		if (!/^[[{"]/.test(text)) return { kind: 'notJson' };
		// JSON that stops early: "Unexpected end of JSON input", "Unterminated string …", or a
		// complaint at the very last position.
		const reason = error instanceof Error ? error.message : '';
		const position = Number(/position (\d+)/.exec(reason)?.[1] ?? Number.NaN);
		const atEnd = /end of JSON input|Unterminated/i.test(reason) || position >= text.length - 1;
		return { kind: atEnd ? 'cutOff' : 'notJson' };
	}
}

/** `text/html; charset=utf-8 ("Sign in …")`: what an answer held, redacted and short. */
export function describeAnswerBody(response: IN8nHttpFullResponse): string {
	const type = withoutSecrets(headerValue(response.headers, 'content-type') ?? 'no Content-Type');
	const excerpt = redactedExcerpt(bodyToText(response.body), 80);
	return excerpt ? `${type} ("${excerpt}")` : `${type} with an empty body`;
}

/** The request ID of an answer (contract §13.2), redacted. */
function requestIdOf(response: IN8nHttpFullResponse): string | undefined {
	const id = headerValue(response.headers, 'x-request-id');
	return id ? withoutSecrets(id) : undefined;
}

const PLACE_TAKEN =
	`A proxy, a sign-in page or a wrong Base URL may be answering in Just Flow It's place: check the Base URL in the credential (the default is ${DEFAULT_BASE_URL}) and Settings → Proxy, then run again.`;

const ADVICE: Record<Exclude<AnswerKind, 'json'> | 'shape', string> = {
	empty: `An empty answer comes from a proxy or a server in trouble. Run again; if it persists, ${PLACE_TAKEN.charAt(0).toLowerCase()}${PLACE_TAKEN.slice(1)}`,
	cutOff: 'The connection or a proxy cut the answer short. Run the node again; if it keeps happening, check any proxy between n8n and Just Flow It.',
	webPage: PLACE_TAKEN,
	notJson: PLACE_TAKEN,
	shape: `${PLACE_TAKEN} If the Base URL is right, contact Just Flow It support with the request ID.`,
};

/**
 * The error for an answer that is not what was expected. `problem` says what it was (the message);
 * `kind` picks the advice; the description then names the Content-Type, an excerpt and the request ID.
 */
export function unexpectedAnswer(
	expectation: AnswerExpectation,
	response: IN8nHttpFullResponse,
	problem: string,
	kind: Exclude<AnswerKind, 'json'> | 'shape',
): NodeOperationError {
	const requestId = requestIdOf(response);
	const parts = [
		expectation.isPost
			? 'The request may have been carried out all the same: check in Just Flow It before running again, so as not to do it twice.'
			: '',
		`Expected ${expectation.expected ?? `${expectation.what} as JSON`}, got HTTP ${response.statusCode} ${describeAnswerBody(response)}.`,
		ADVICE[kind],
		requestId ? `Request ID: ${requestId}.` : '',
	];
	return new NodeOperationError(expectation.node, withoutSecrets(problem), {
		description: parts.filter(Boolean).join(' '),
		itemIndex: expectation.itemIndex,
	});
}

const MESSAGES: Record<Exclude<AnswerKind, 'json'>, (what: string) => string> = {
	empty: (what) => `Just Flow It sent an empty answer instead of ${what}`,
	cutOff: (what) => `Just Flow It's answer was cut off: ${what} arrived incomplete`,
	webPage: (what) => `Just Flow It answered with a web page instead of ${what}`,
	notJson: (what) => `Just Flow It answered with something other than JSON instead of ${what}`,
};

/** The JSON value of an answer, or an error saying what came back instead. */
export function readJsonAnswer(response: IN8nHttpFullResponse, expectation: AnswerExpectation): unknown {
	const read = readBody(response);
	if (read.kind === 'json') return read.value;
	throw unexpectedAnswer(expectation, response, MESSAGES[read.kind](expectation.what), read.kind);
}

/** How a JSON value reads in a message: "a JSON array", "the JSON text "…"". */
export function describeJsonValue(value: unknown): string {
	if (Array.isArray(value)) return 'a JSON array';
	if (value === null) return 'JSON null';
	if (typeof value === 'object') return 'a JSON object';
	return `the JSON ${typeof value}`;
}

/**
 * An answer that must be one API object (a Diagram, Folder or Generation, contract §6): a JSON
 * object with an `id` (a string; a number is tolerated). Unknown fields pass through.
 */
export function readJsonObject(response: IN8nHttpFullResponse, expectation: AnswerExpectation): IDataObject {
	const value = readJsonAnswer(response, expectation);
	if (value && typeof value === 'object' && !Array.isArray(value)) {
		const object = value as IDataObject;
		if ((typeof object.id === 'string' && object.id) || typeof object.id === 'number') return object;
		throw unexpectedAnswer(expectation, response, `Just Flow It's answer is not ${expectation.what}: a JSON object without an id`, 'shape');
	}
	throw unexpectedAnswer(expectation, response, `Just Flow It's answer is not ${expectation.what}: ${describeJsonValue(value)}`, 'shape');
}
