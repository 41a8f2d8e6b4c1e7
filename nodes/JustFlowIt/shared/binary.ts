import { NodeOperationError } from 'n8n-workflow';
import type {
	IDataObject,
	IExecuteSingleFunctions,
	IHttpRequestOptions,
	IN8nHttpFullResponse,
	INodeExecutionData,
} from 'n8n-workflow';

import { describeAnswerBody } from './answers';
import {
	API_PATHS,
	apiPath,
	asApiChoice,
	BPMN_MIME_TYPE,
	BPMN_MODEL_NAMESPACE,
	IMAGE_MIME_TYPES,
	imageFormatOf,
	MAX_BODY_BYTES,
} from './constants';
import type { ImageFormat } from './constants';
import { bodyToObject, bodyToText, headerValue } from './http';
import { withoutSecrets } from './secrets';
import { downloadLink, sendApiRequest } from './transport';
import type { SendOptions } from './transport';
import { itemParameter, readIdParameter } from './validation';

// ---------------------------------------------------------------------------------------------
// File names

/** The most bytes a file name may have on Linux, macOS and Windows file systems (UTF-8). */
const MAX_FILE_NAME_BYTES = 255;

/** Longest part of a file name taken from a diagram's name, in characters, for readability. */
const MAX_NAME_CHARACTERS = 120;

/** Names Windows keeps for devices, also with an extension ("CON.txt"). */
const WINDOWS_RESERVED = /^(?:con|prn|aux|nul|com[0-9¹²³]|lpt[0-9¹²³])$/i;

/**
 * The part of a file name that comes from a diagram's name: letters, marks and digits of every
 * script kept (NFC), a few punctuation marks kept, anything a file system refuses or treats
 * specially (controls, / \ : * ? " < > |, leading dots) replaced or trimmed. May be empty.
 */
function nameForFile(name: unknown): string {
	const cleaned = String(name ?? '')
		.normalize('NFC')
		.replace(/[^\p{L}\p{M}\p{N} ._\-()[\]&,+'!#@=~]+/gu, '_')
		.replace(/\s+/g, ' ')
		.replace(/_+/g, '_')
		.replace(/^[ ._-]+|[ ._-]+$/g, '');
	const kept = Array.from(cleaned).slice(0, MAX_NAME_CHARACTERS).join('').replace(/[ ._-]+$/, '');
	const beforeFirstDot = kept.split('.')[0].trim();
	return WINDOWS_RESERVED.test(beforeFirstDot) ? `_${kept}` : kept;
}

/** `text` cut to at most `bytes` bytes of UTF-8, at a character boundary. */
function cutToBytes(text: string, bytes: number): string {
	let cut = '';
	for (const character of text) {
		if (Buffer.byteLength(cut + character, 'utf8') > bytes) break;
		cut += character;
	}
	return cut;
}

/**
 * The one rule for every file the node writes (export, image, generation): the diagram's name,
 * when known, followed by its id: `Invoice approval (d290f1ee-…).png`; without a name,
 * `diagram-<id>.png`. The id keeps every diagram's file its own (two diagrams may share a name,
 * and names in other scripts are kept whole), and the same diagram gets the same name on every
 * run, so a nightly export replaces its own file and no other. Safe on Linux, macOS and Windows:
 * no reserved device names, no trailing dots or spaces, at most 255 bytes in UTF-8.
 */
export function diagramFileName(name: unknown, diagramId: string, extension: string): string {
	const id = nameForFile(diagramId) || 'unknown';
	const byId = `diagram-${id}.${extension}`;
	const base = nameForFile(name);
	if (!base) return byId;
	const suffix = ` (${id}).${extension}`;
	const head = cutToBytes(base, MAX_FILE_NAME_BYTES - Buffer.byteLength(suffix, 'utf8')).replace(/[ ._-]+$/, '');
	return head ? `${head}${suffix}` : byId;
}

/** The file name in a Content-Disposition header, without its extension. */
function nameFromContentDisposition(headers: IDataObject | undefined): string | undefined {
	const disposition = headerValue(headers, 'content-disposition');
	if (!disposition) return undefined;
	const encoded = /filename\*\s*=\s*[^']*'[^']*'([^;]+)/i.exec(disposition);
	let fileName: string | undefined;
	if (encoded) {
		try {
			fileName = decodeURIComponent(encoded[1].trim());
		} catch {
			fileName = undefined;
		}
	}
	fileName ??= /filename\s*=\s*"([^"]*)"/i.exec(disposition)?.[1] ?? /filename\s*=\s*([^;]+)/i.exec(disposition)?.[1]?.trim();
	if (!fileName) return undefined;
	return fileName.replace(/\.[A-Za-z0-9]{1,8}$/, '') || undefined;
}

/** The name of diagram `id` when the input item is that diagram (Get Many → Render is the common case). */
function nameFromInputItem(ctx: IExecuteSingleFunctions, id: string): string | undefined {
	const input = ctx.getInputData()?.json ?? {};
	return input.id === id && typeof input.name === 'string' && input.name ? input.name : undefined;
}

/**
 * The name the editor stored when the diagram was picked from the list (`cachedResultName`): the
 * name at the time it was picked, known without a request.
 */
function nameFromPicker(ctx: IExecuteSingleFunctions, id: string): string | undefined {
	const picked = itemParameter(ctx, 'diagramId') as
		| { mode?: unknown; value?: unknown; cachedResultName?: unknown }
		| undefined;
	if (!picked || typeof picked !== 'object' || picked.value !== id) return undefined;
	return typeof picked.cachedResultName === 'string' && picked.cachedResultName ? picked.cachedResultName : undefined;
}

/** The diagram's name, asked of the API (one GET). */
export async function lookUpDiagramName(
	ctx: IExecuteSingleFunctions,
	id: string,
	sendOptions?: SendOptions,
): Promise<string | undefined> {
	const response = await sendApiRequest(ctx, { method: 'GET', url: apiPath(API_PATHS.diagram, id) }, sendOptions);
	const diagram = bodyToObject(response.body);
	return typeof diagram?.name === 'string' && diagram.name ? diagram.name : undefined;
}

/** The binary field an operation writes its file to. */
function outputProperty(ctx: IExecuteSingleFunctions): string {
	return String(ctx.getNodeParameter('binaryPropertyName', 'data')).trim() || 'data';
}

// ---------------------------------------------------------------------------------------------
// BPMN in (import) and out (export)

/** Why a text is not a BPMN 2.0 document, or undefined when it looks like one. */
function bpmnProblem(xml: string): string | undefined {
	const text = xml.replace(/^\uFEFF/, '').trim();
	// Worded without angle brackets: n8n's error popup drops anything between them.
	if (!text.startsWith('<')) return 'it is not XML (it does not start with a tag)';
	const root = /<(?:([A-Za-z_][\w.-]*):)?definitions\b([^>]*)>/.exec(text);
	if (!root) return 'it has no BPMN definitions root element';
	const [, prefix, attributes] = root;
	const nsAttribute = prefix ? `xmlns:${prefix}` : 'xmlns';
	const namespace = new RegExp(`${nsAttribute.replace(':', '\\:')}\\s*=\\s*["']([^"']*)["']`).exec(attributes)?.[1];
	if (namespace !== BPMN_MODEL_NAMESPACE) {
		return `its definitions element is not in the BPMN 2.0 namespace ${BPMN_MODEL_NAMESPACE}`;
	}
	if (!/<(?:[A-Za-z_][\w.-]*:)?(process|collaboration)\b/.test(text)) return 'it has no process or collaboration element';
	return undefined;
}

/** Node's WHATWG TextDecoder (a global; the package's TypeScript setup has no DOM types). */
declare const TextDecoder: new (
	label?: string,
	options?: { fatal?: boolean },
) => { readonly encoding: string; decode(input?: Uint8Array): string };

/** How the bytes of an XML file are to be read: from its byte order mark or its XML declaration. */
interface XmlEncoding {
	/** A TextDecoder label. */
	label: string;
	/** Bytes of a byte order mark to skip. */
	bomLength: number;
}

/**
 * The encoding of an XML file (XML 1.0 appendix F): a byte order mark wins (UTF-8, UTF-16 LE/BE);
 * without one, UTF-16 shows in the first bytes of `<?xml`; otherwise the declaration's
 * `encoding` ("ISO-8859-1" from an older modeler, "windows-1252" …), and UTF-8 when none is given.
 */
function xmlEncoding(bytes: Buffer): XmlEncoding {
	if (bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf) return { label: 'utf-8', bomLength: 3 };
	if (bytes[0] === 0xff && bytes[1] === 0xfe) return { label: 'utf-16le', bomLength: 2 };
	if (bytes[0] === 0xfe && bytes[1] === 0xff) return { label: 'utf-16be', bomLength: 2 };
	if (bytes[0] === 0x3c && bytes[1] === 0x00 && bytes[2] === 0x3f && bytes[3] === 0x00) return { label: 'utf-16le', bomLength: 0 };
	if (bytes[0] === 0x00 && bytes[1] === 0x3c && bytes[2] === 0x00 && bytes[3] === 0x3f) return { label: 'utf-16be', bomLength: 0 };
	const declaration = /^\s*<\?xml\s[^>]*?encoding\s*=\s*["']([A-Za-z][A-Za-z0-9._-]*)["']/.exec(
		bytes.subarray(0, 512).toString('latin1'),
	);
	return { label: declaration?.[1].toLowerCase() ?? 'utf-8', bomLength: 0 };
}

/** What bytes 0x80–0x9F stand for in windows-1252 (five are unassigned and stay as they are). */
const WINDOWS_1252_HIGH = '€\u0081‚ƒ„…†‡ˆ‰Š‹Œ\u008dŽ\u008f\u0090‘’“”•–—˜™š›œ\u009džŸ';

/**
 * ISO-8859-1, Latin-1, ASCII and windows-1252 are all windows-1252 for a TextDecoder (WHATWG), but
 * Node's decoder reads 0x80–0x9F as control characters (Latin-1): this puts the euro sign, the
 * curly quotes and the dashes in their place.
 */
function windows1252Character(control: string): string {
	return WINDOWS_1252_HIGH[control.charCodeAt(0) - 0x80];
}

/**
 * The text of a BPMN file, decoded as its BOM or XML declaration says, with the declaration then
 * saying UTF-8 (the text is sent, and stored, as Unicode). Bytes that are not valid in that
 * encoding are an error that names it, never a silent U+FFFD.
 */
function decodeXml(bytes: Buffer): { xml: string } | { problem: string } {
	const { label, bomLength } = xmlEncoding(bytes);
	let decoder: InstanceType<typeof TextDecoder>;
	try {
		decoder = new TextDecoder(label, { fatal: true });
	} catch {
		return { problem: `its XML declaration names the encoding "${label}", which the node cannot read. Save it as UTF-8 and import again.` };
	}
	let text: string;
	try {
		text = decoder.decode(bytes.subarray(bomLength));
	} catch {
		return {
			problem: `it is not valid ${decoder.encoding.toUpperCase()}${bomLength || label !== 'utf-8' ? '' : ' and its XML declaration names no other encoding'}. Save it as UTF-8 (or declare its encoding) and import again.`,
		};
	}
	if (decoder.encoding === 'windows-1252') text = text.replace(/[\u0080-\u009f]/g, windows1252Character);
	const xml = decoder.encoding === 'utf-8' ? text : text.replace(/^(\s*<\?xml\s[^>]*?encoding\s*=\s*)(["'])[^"']*\2/, '$1$2UTF-8$2');
	return { xml };
}

/**
 * preSend step of Diagram → Create: reads the BPMN from the input's binary file (in the encoding
 * it declares) or from the BPMN XML parameter, checks it, and puts it in the JSON body as
 * `bpmn_xml` (contract §8.1). The 5 MiB limit is checked on the JSON body that is sent: escaping
 * (quotes, line breaks, tabs) makes it larger than the XML.
 */
export async function attachBpmnXml(
	this: IExecuteSingleFunctions,
	requestOptions: IHttpRequestOptions,
): Promise<IHttpRequestOptions> {
	const source = this.getNodeParameter('bpmnSource', 'binary') as string;
	const fail = (message: string, description: string) =>
		new NodeOperationError(this.getNode(), message, { description, itemIndex: this.getItemIndex() });
	const mebibytes = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(1)} MiB`;
	let xml: string;
	let origin: string;
	if (source === 'text') {
		xml = String(this.getNodeParameter('bpmnXml', '') ?? '');
		origin = 'BPMN XML';
		if (!xml.trim()) throw fail('BPMN XML is empty', 'Paste a BPMN 2.0 XML document, or map one from an earlier node.');
	} else {
		const property = String(this.getNodeParameter('binaryPropertyName', 'data')).trim() || 'data';
		const input = this.getInputData();
		if (!input?.binary?.[property]) {
			const available = Object.keys(input?.binary ?? {});
			throw fail(
				`The input item has no binary file in "${property}"`,
				available.length
					? `Set Input Binary Field to one of: ${available.join(', ')}.`
					: 'Read the .bpmn file first (for example with Read/Write Files from Disk or an HTTP Request), or switch BPMN Source to Text.',
			);
		}
		this.helpers.assertBinaryData(property);
		const bytes = await this.helpers.getBinaryDataBuffer(property);
		if (bytes.length > MAX_BODY_BYTES) {
			throw fail(
				`The BPMN file is ${mebibytes(bytes.length)}, over Just Flow It's 5 MiB limit`,
				'Remove embedded data from the file or split the diagram, then import again.',
			);
		}
		origin = `The file in "${property}"`;
		const decoded = decodeXml(bytes);
		if ('problem' in decoded) throw fail(`${origin} cannot be read: ${decoded.problem.split('. ')[0]}`, decoded.problem);
		xml = decoded.xml;
	}
	xml = xml.replace(/^\uFEFF/, '');
	const problem = bpmnProblem(xml);
	if (problem) {
		throw fail(
			`${origin} is not a BPMN 2.0 document: ${problem}`,
			'Import a .bpmn file exported from a BPMN 2.0 tool (Camunda, Bizagi, Just Flow It …).',
		);
	}
	const body = { ...((requestOptions.body ?? {}) as IDataObject), bpmn_xml: xml };
	const sentBytes = Buffer.byteLength(JSON.stringify(body), 'utf8');
	if (sentBytes > MAX_BODY_BYTES) {
		throw fail(
			`The BPMN is too large to send: the request would be ${mebibytes(sentBytes)}, over Just Flow It's 5 MiB limit`,
			`The XML is ${mebibytes(Buffer.byteLength(xml, 'utf8'))}; sent as JSON text its quotes, line breaks and tabs are escaped, which makes it larger. Remove embedded data or split the diagram, then import again.`,
		);
	}
	return { ...requestOptions, body };
}

/** postReceive of Diagram → Export: the BPMN as a `.bpmn` file; json holds only metadata. */
export async function bpmnFileItem(
	this: IExecuteSingleFunctions,
	_items: INodeExecutionData[],
	response: IN8nHttpFullResponse,
): Promise<INodeExecutionData[]> {
	const diagramId = readIdParameter(this, 'diagramId');
	const asJson = bodyToObject(response.body);
	const xml = typeof asJson?.bpmn_xml === 'string' ? asJson.bpmn_xml : bodyToText(response.body);
	if (!xml.replace(/^\uFEFF/, '').trim().startsWith('<')) {
		throw notTheFile(this, response, 'Just Flow It sent something other than BPMN XML for the export', 'an XML document');
	}
	const name =
		nameFromContentDisposition(response.headers) ??
		(typeof asJson?.name === 'string' ? asJson.name : undefined) ??
		nameFromInputItem(this, diagramId) ??
		nameFromPicker(this, diagramId);
	const fileName = diagramFileName(name, diagramId, 'bpmn');
	const binary = await this.helpers.prepareBinaryData(Buffer.from(xml, 'utf8'), fileName, BPMN_MIME_TYPE);
	return [
		{
			json: { id: diagramId, name: name ?? null, fileName, mimeType: BPMN_MIME_TYPE, fileSize: Buffer.byteLength(xml) },
			binary: { [outputProperty(this)]: binary },
		},
	];
}

/** The error for an answer that is not the file asked for: what came instead and the request ID. */
function notTheFile(ctx: IExecuteSingleFunctions, response: IN8nHttpFullResponse, message: string, expected: string): NodeOperationError {
	const requestId = headerValue(response.headers, 'x-request-id');
	return new NodeOperationError(ctx.getNode(), message, {
		description: `Expected ${expected}, got ${describeAnswerBody(response)}. Try again later; if it persists, contact Just Flow It support with the request ID${requestId ? ` ${withoutSecrets(requestId)}` : ''}.`,
		itemIndex: ctx.getItemIndex(),
	});
}

// ---------------------------------------------------------------------------------------------
// Images

function looksLikeImage(bytes: Buffer, format: ImageFormat): boolean {
	if (format === 'png') return bytes.subarray(0, 8).equals(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]));
	return /^(?:[A-Za-z_][\w.-]*:)?svg$/.test(rootElementName(bytes.toString('utf8')) ?? '');
}

/**
 * The name of an XML document's root element, wherever it starts: after the declaration,
 * processing instructions, comments (a long licence header) and a DOCTYPE with its internal
 * subset. Undefined when the text is not XML.
 */
function rootElementName(text: string): string | undefined {
	let at = text.charCodeAt(0) === 0xfeff ? 1 : 0;
	for (;;) {
		while (at < text.length && /\s/.test(text[at])) at++;
		if (text.startsWith('<?', at)) at = endOf(text, '?>', at);
		else if (text.startsWith('<!--', at)) at = endOf(text, '-->', at);
		else if (text.slice(at, at + 9).toUpperCase() === '<!DOCTYPE') {
			const bracket = text.indexOf('[', at);
			const close = text.indexOf('>', at);
			at = bracket !== -1 && bracket < close ? endOf(text, '>', endOf(text, ']', bracket)) : endOf(text, '>', at);
		} else return /^<([A-Za-z_][\w.:-]*)/.exec(text.slice(at, at + 200))?.[1];
		if (at < 0) return undefined;
	}
}

/** The index just past the next `marker` at or after `from`, or -1. */
function endOf(text: string, marker: string, from: number): number {
	if (from < 0) return -1;
	const found = text.indexOf(marker, from);
	return found === -1 ? -1 : found + marker.length;
}

function asBuffer(body: unknown): Buffer {
	if (Buffer.isBuffer(body)) return body;
	if (body instanceof ArrayBuffer) return Buffer.from(body);
	if (ArrayBuffer.isView(body)) return Buffer.from(body.buffer, body.byteOffset, body.byteLength);
	return Buffer.from(bodyToText(body), 'utf8');
}

/**
 * The image bytes of an image-endpoint answer. Redirects were already followed by the transport
 * (the key only to the API's origin). An answer that is JSON with a link (`url` / `image_url`) is
 * followed here the same way. Anything else that is not the image asked for is an error that says
 * what came back, rather than a broken file.
 */
async function imageFromAnswer(
	ctx: IExecuteSingleFunctions,
	response: IN8nHttpFullResponse,
	format: ImageFormat,
): Promise<Buffer> {
	const bytes = asBuffer(response.body);
	if (looksLikeImage(bytes, format)) return bytes;
	const link = bodyToObject(bytes);
	const url = typeof link?.url === 'string' ? link.url : typeof link?.image_url === 'string' ? link.image_url : undefined;
	if (url) {
		const linked = await downloadLink(ctx, url, { encoding: 'arraybuffer', json: false });
		const linkedBytes = asBuffer(linked.body);
		if (looksLikeImage(linkedBytes, format)) return linkedBytes;
		throw notAnImage(ctx, linked, format);
	}
	throw notAnImage(ctx, response, format);
}

function notAnImage(ctx: IExecuteSingleFunctions, response: IN8nHttpFullResponse, format: ImageFormat): NodeOperationError {
	return notTheFile(ctx, response, `Just Flow It sent something other than a ${format.toUpperCase()} image`, IMAGE_MIME_TYPES[format]);
}

/** Diagram `id` rendered through the image endpoint, with the name its answer gives, if any. */
export async function diagramImage(
	ctx: IExecuteSingleFunctions,
	id: string,
	query: { format: ImageFormat; theme: string },
	sendOptions?: SendOptions,
): Promise<{ bytes: Buffer; name?: string }> {
	const response = await sendApiRequest(ctx, {
		method: 'GET',
		url: apiPath(API_PATHS.diagramImage, id),
		qs: query,
		headers: { Accept: 'image/png, image/svg+xml, application/json;q=0.5' },
		json: false,
		encoding: 'arraybuffer',
	}, sendOptions);
	return { bytes: await imageFromAnswer(ctx, response, query.format), name: nameFromContentDisposition(response.headers) };
}

/** An output item with the rendered image in binary and its description in json. */
export async function imageItem(
	ctx: IExecuteSingleFunctions,
	args: {
		json: IDataObject;
		bytes: Buffer;
		name: string | undefined;
		diagramId: string;
		format: ImageFormat;
		/** Put the file's fields under `file`, apart from an object that has fields of its own. */
		fileFieldsApart?: boolean;
	},
): Promise<INodeExecutionData> {
	const mimeType = IMAGE_MIME_TYPES[args.format];
	const fileName = diagramFileName(args.name, args.diagramId, args.format);
	const binary = await ctx.helpers.prepareBinaryData(args.bytes, fileName, mimeType);
	const file = { fileName, mimeType, fileSize: args.bytes.length };
	return {
		json: args.fileFieldsApart ? { ...args.json, file } : { ...args.json, ...file },
		binary: { [outputProperty(ctx)]: binary },
	};
}

/**
 * postReceive of Render → Image: one image request per item (a download more when the answer is
 * a link). The file is named after the diagram when the input item is that diagram or the answer
 * names it; else by one GET of the diagram with Options → Look Up Diagram Name on, or by the name
 * it had when picked from the list with it off; otherwise after its ID.
 */
export async function imageFileItem(
	this: IExecuteSingleFunctions,
	_items: INodeExecutionData[],
	response: IN8nHttpFullResponse,
): Promise<INodeExecutionData[]> {
	const diagramId = readIdParameter(this, 'diagramId');
	const format = imageFormatOf(this.getNodeParameter('format', 'png'));
	const theme = asApiChoice(this.getNodeParameter('theme', 'light'));
	const bytes = await imageFromAnswer(this, response, format);
	const lookUp = (this.getNodeParameter('options.lookUpName', false) as boolean) === true;
	const name =
		nameFromInputItem(this, diagramId) ??
		nameFromContentDisposition(response.headers) ??
		(lookUp ? await lookUpDiagramName(this, diagramId) : nameFromPicker(this, diagramId));
	return [await imageItem(this, { json: { diagramId, name: name ?? null, format, theme }, bytes, name, diagramId, format })];
}
