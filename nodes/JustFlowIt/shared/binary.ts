import { NodeOperationError } from 'n8n-workflow';
import type {
	IBinaryData,
	IDataObject,
	IExecuteSingleFunctions,
	IHttpRequestOptions,
	IN8nHttpFullResponse,
	INodeExecutionData,
} from 'n8n-workflow';

import { allowedOrigin } from '../../../credentials/credentialSettings';
import {
	API_PATHS,
	apiPath,
	BPMN_MIME_TYPE,
	BPMN_MODEL_NAMESPACE,
	CREDENTIAL_TYPE,
	IMAGE_MIME_TYPES,
	MAX_BODY_BYTES,
} from './constants';
import type { ImageFormat } from './constants';
import { bodyToObject, bodyToText, headerValue } from './errors';
import { apiBaseUrl, apiRequest, prepareRequestScope } from './transport';
import type { RequestScope } from './transport';
import { readIdParameter } from './validation';

// ---------------------------------------------------------------------------------------------
// File names

/** A file name built from a diagram's name: safe characters only, never empty. */
export function safeFileName(name: unknown, extension: string): string {
	const base = String(name ?? '')
		.normalize('NFKD')
		.replace(/[\u0300-\u036f]/g, '')
		.replace(/[^A-Za-z0-9._ -]+/g, '_')
		.replace(/\s+/g, ' ')
		.replace(/_+/g, '_')
		.replace(/^[ ._-]+|[ ._-]+$/g, '')
		.slice(0, 100)
		.trim();
	return `${base || 'diagram'}.${extension}`;
}

/** The file name in a Content-Disposition header, without its extension. */
export function nameFromContentDisposition(headers: IDataObject | undefined): string | undefined {
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

/**
 * The diagram's name without an extra request when the input item already is that diagram
 * (Get Many → Render is the common case); otherwise one GET of the diagram.
 */
export async function diagramName(
	ctx: IExecuteSingleFunctions,
	scope: RequestScope,
	diagramId: string,
): Promise<string | undefined> {
	const input = ctx.getInputData()?.json ?? {};
	if (input.id === diagramId && typeof input.name === 'string' && input.name) return input.name;
	const response = await apiRequest(ctx, scope, { method: 'GET', url: apiPath(API_PATHS.diagram, diagramId) });
	const diagram = bodyToObject(response.body);
	return typeof diagram?.name === 'string' ? diagram.name : undefined;
}

/** Stores bytes as an n8n binary with the right mime type, file name and extension. */
export async function toBinary(
	ctx: IExecuteSingleFunctions,
	bytes: Buffer,
	fileName: string,
	mimeType: string,
): Promise<IBinaryData> {
	return await ctx.helpers.prepareBinaryData(bytes, fileName, mimeType);
}

// ---------------------------------------------------------------------------------------------
// BPMN in (import) and out (export)

/** Why a text is not a BPMN 2.0 document, or undefined when it looks like one. */
export function bpmnProblem(xml: string): string | undefined {
	const text = xml.replace(/^\uFEFF/, '').trim();
	if (!text.startsWith('<')) return 'it is not XML (it does not start with "<")';
	const root = /<(?:([A-Za-z_][\w.-]*):)?definitions\b([^>]*)>/.exec(text);
	if (!root) return 'it has no BPMN <definitions> root element';
	const [, prefix, attributes] = root;
	const nsAttribute = prefix ? `xmlns:${prefix}` : 'xmlns';
	const namespace = new RegExp(`${nsAttribute.replace(':', '\\:')}\\s*=\\s*["']([^"']*)["']`).exec(attributes)?.[1];
	if (namespace !== BPMN_MODEL_NAMESPACE) {
		return `its <definitions> element is not in the BPMN 2.0 namespace ${BPMN_MODEL_NAMESPACE}`;
	}
	if (!/<(?:[A-Za-z_][\w.-]*:)?(process|collaboration)\b/.test(text)) return 'it has no <process> or <collaboration>';
	return undefined;
}

/**
 * preSend step of Diagram → Create: reads the BPMN from the input's binary file or from the
 * BPMN XML parameter, checks it, and puts it in the JSON body as `bpmn_xml` (contract §8.1).
 */
export async function attachBpmnXml(
	this: IExecuteSingleFunctions,
	requestOptions: IHttpRequestOptions,
): Promise<IHttpRequestOptions> {
	const source = this.getNodeParameter('bpmnSource', 'binary') as string;
	const fail = (message: string, description: string) =>
		new NodeOperationError(this.getNode(), message, { description, itemIndex: this.getItemIndex() });
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
				`The BPMN file is ${(bytes.length / 1024 / 1024).toFixed(1)} MiB, over Just Flow It's 5 MiB limit`,
				'Remove embedded data from the file or split the diagram, then import again.',
			);
		}
		xml = bytes.toString('utf8');
		origin = `The file in "${property}"`;
	}
	xml = xml.replace(/^\uFEFF/, '');
	if (Buffer.byteLength(xml, 'utf8') > MAX_BODY_BYTES) {
		throw fail('The BPMN is over Just Flow It\'s 5 MiB limit', 'Remove embedded data or split the diagram, then import again.');
	}
	const problem = bpmnProblem(xml);
	if (problem) {
		throw fail(
			`${origin} is not a BPMN 2.0 document: ${problem}`,
			'Import a .bpmn file exported from a BPMN 2.0 tool (Camunda, Bizagi, Just Flow It …).',
		);
	}
	const body = (requestOptions.body ?? {}) as IDataObject;
	return { ...requestOptions, body: { ...body, bpmn_xml: xml } };
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
	let name =
		nameFromContentDisposition(response.headers) ?? (typeof asJson?.name === 'string' ? asJson.name : undefined);
	name ??= await diagramName(this, await prepareRequestScope(this, 'GET'), diagramId);
	const fileName = safeFileName(name, 'bpmn');
	const property = String(this.getNodeParameter('binaryPropertyName', 'data')).trim() || 'data';
	const binary = await toBinary(this, Buffer.from(xml, 'utf8'), fileName, BPMN_MIME_TYPE);
	return [
		{
			json: { id: diagramId, name: name ?? null, fileName, mimeType: BPMN_MIME_TYPE, fileSize: Buffer.byteLength(xml) },
			binary: { [property]: binary },
		},
	];
}

// ---------------------------------------------------------------------------------------------
// Images

function looksLikeImage(bytes: Buffer, format: ImageFormat): boolean {
	if (format === 'png') return bytes.subarray(0, 8).equals(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]));
	return /<svg[\s>]/.test(bytes.subarray(0, 4096).toString('utf8'));
}

function asBuffer(body: unknown): Buffer {
	if (Buffer.isBuffer(body)) return body;
	if (body instanceof ArrayBuffer) return Buffer.from(body);
	if (ArrayBuffer.isView(body)) return Buffer.from(body.buffer, body.byteOffset, body.byteLength);
	return Buffer.from(bodyToText(body), 'utf8');
}

/**
 * The image bytes of an image-endpoint answer. Redirects were already followed by n8n's HTTP
 * client, which drops the key when a redirect leaves the API's origin. An answer that is JSON
 * with a link (`url` / `image_url`) is followed here, with the key only for the API's own origin.
 */
export async function imageBytes(
	ctx: IExecuteSingleFunctions,
	scope: RequestScope,
	response: IN8nHttpFullResponse,
	format: ImageFormat,
): Promise<Buffer> {
	const bytes = asBuffer(response.body);
	if (looksLikeImage(bytes, format)) return bytes;
	const link = bodyToObject(bytes);
	const url = typeof link?.url === 'string' ? link.url : typeof link?.image_url === 'string' ? link.image_url : undefined;
	if (!url) return bytes;
	const target = new URL(url, await apiBaseUrl(ctx));
	const credentials = await ctx.getCredentials(CREDENTIAL_TYPE);
	if (target.origin === allowedOrigin(credentials.baseUrl)) {
		const own = await apiRequest(ctx, scope, {
			method: 'GET',
			url: target.href,
			json: false,
			encoding: 'arraybuffer',
		});
		return asBuffer(own.body);
	}
	const foreign = (await ctx.helpers.httpRequest({
		method: 'GET',
		url: target.href,
		encoding: 'arraybuffer',
		json: false,
		returnFullResponse: true,
	})) as IN8nHttpFullResponse;
	return asBuffer(foreign.body);
}

/** An output item with the rendered image in binary and its description in json. */
export async function imageItem(
	ctx: IExecuteSingleFunctions,
	args: { json: IDataObject; bytes: Buffer; name: string | undefined; format: ImageFormat; property: string },
): Promise<INodeExecutionData> {
	const mimeType = IMAGE_MIME_TYPES[args.format];
	const fileName = safeFileName(args.name, args.format);
	const binary = await toBinary(ctx, args.bytes, fileName, mimeType);
	return {
		json: { ...args.json, fileName, mimeType, fileSize: args.bytes.length },
		binary: { [args.property]: binary },
	};
}

/** postReceive of Render → Image. */
export async function renderedImageItem(
	this: IExecuteSingleFunctions,
	_items: INodeExecutionData[],
	response: IN8nHttpFullResponse,
): Promise<INodeExecutionData[]> {
	const scope = await prepareRequestScope(this, 'GET');
	const diagramId = readIdParameter(this, 'diagramId');
	const format = (this.getNodeParameter('format', 'png') as ImageFormat) === 'svg' ? 'svg' : 'png';
	const theme = this.getNodeParameter('theme', 'light') as string;
	const bytes = await imageBytes(this, scope, response, format);
	const name = nameFromContentDisposition(response.headers) ?? (await diagramName(this, scope, diagramId));
	const property = String(this.getNodeParameter('binaryPropertyName', 'data')).trim() || 'data';
	return [await imageItem(this, { json: { diagramId, name: name ?? null, format, theme }, bytes, name, format, property })];
}
