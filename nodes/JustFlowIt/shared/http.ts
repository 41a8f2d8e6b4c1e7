import type { IDataObject } from 'n8n-workflow';

/*
 * Reading HTTP answers whatever form they come in: a header by any case or as a list, a
 * Retry-After in either of its forms, a body as text or as a JSON object.
 */

/** A header's value by case-insensitive name (the first one when it came more than once). */
export function headerValue(headers: IDataObject | undefined, name: string): string | undefined {
	if (!headers) return undefined;
	const wanted = name.toLowerCase();
	for (const [key, value] of Object.entries(headers)) {
		if (key.toLowerCase() === wanted && value !== undefined && value !== null) {
			return Array.isArray(value) ? String(value[0]) : String(value);
		}
	}
	return undefined;
}

/** `Retry-After` as seconds: an integer, a decimal, or an HTTP date; undefined when absent. */
export function parseRetryAfter(value: string | undefined, now = Date.now()): number | undefined {
	if (!value) return undefined;
	const trimmed = value.trim();
	if (/^\d+(\.\d+)?$/.test(trimmed)) return Number(trimmed);
	const date = Date.parse(trimmed);
	if (!Number.isNaN(date)) return Math.max(0, (date - now) / 1000);
	return undefined;
}

/** The body as text: bytes read as UTF-8, an object as JSON. */
export function bodyToText(body: unknown): string {
	if (body === undefined || body === null) return '';
	if (typeof body === 'string') return body;
	if (Buffer.isBuffer(body)) return body.toString('utf8');
	if (body instanceof ArrayBuffer) return Buffer.from(body).toString('utf8');
	if (ArrayBuffer.isView(body)) return Buffer.from(body.buffer, body.byteOffset, body.byteLength).toString('utf8');
	try {
		return JSON.stringify(body);
	} catch {
		return String(body);
	}
}

/** The body as a JSON object when it is one (already parsed, or JSON text / bytes). */
export function bodyToObject(body: unknown): IDataObject | undefined {
	if (body && typeof body === 'object' && !Buffer.isBuffer(body) && !ArrayBuffer.isView(body) && !(body instanceof ArrayBuffer)) {
		return body as IDataObject;
	}
	const text = bodyToText(body).trim();
	if (!text.startsWith('{')) return undefined;
	try {
		const parsed: unknown = JSON.parse(text);
		return parsed && typeof parsed === 'object' ? (parsed as IDataObject) : undefined;
	} catch {
		return undefined;
	}
}
