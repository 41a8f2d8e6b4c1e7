/** The credential type every request of this node authenticates with. */
export const CREDENTIAL_TYPE = 'justFlowItApi';

/**
 * The paths the node's own code requests (generation polls, image downloads, name look-ups, list
 * search, the trigger), `{id}` standing for an id (contract §5). Each is the path of a GET an
 * operation declares in resources/ (Get Many, Get, Render → Image, Generate → Get), where the
 * routes stay literal for the reader; test/foundation/declared-paths.test.ts fails when the two differ.
 */
export const API_PATHS = {
	diagrams: '/diagrams',
	diagram: '/diagrams/{id}',
	diagramImage: '/diagrams/{id}/image',
	generation: '/generations/{id}',
	folders: '/folders',
} as const;

/** A path with its id filled in. */
export function apiPath(template: string, id: string): string {
	return template.replace('{id}', encodeURIComponent(id));
}


/** The API's largest page (contract §11). */
export const MAX_PAGE_SIZE = 100;

/** The largest request body the API accepts (contract §8.1, assumed 5 MiB). */
export const MAX_BODY_BYTES = 5 * 1024 * 1024;

export const BPMN_MODEL_NAMESPACE = 'http://www.omg.org/spec/BPMN/20100524/MODEL';

export type ImageFormat = 'png' | 'svg';

/**
 * A Format or Theme value as the API spells it: trimmed and lower-cased, because the API's values
 * are case-sensitive and an expression or an AI agent may well give "Dark" or "PNG". The request
 * sends it through the same rule (shared/descriptions.ts sendAsApiChoice).
 */
export function asApiChoice(value: unknown): string {
	return String(value ?? '').trim().toLowerCase();
}

/** The image format a Format value (or an answer's `format`) stands for; PNG unless it says SVG. */
export function imageFormatOf(value: unknown): ImageFormat {
	return asApiChoice(value) === 'svg' ? 'svg' : 'png';
}

/** The theme a Theme value (or an answer's `theme`) stands for; light unless it says dark. */
export function themeOf(value: unknown): 'light' | 'dark' {
	return asApiChoice(value) === 'dark' ? 'dark' : 'light';
}

export const IMAGE_MIME_TYPES: Record<ImageFormat, string> = {
	png: 'image/png',
	svg: 'image/svg+xml',
};

export const BPMN_MIME_TYPE = 'application/xml';

/** The scope each resource's operations need (contract §4), for error messages. */
// Kept for requests whose path names no resource; a request's own scope comes from routeOf.
export function scopeFor(resource: string, operation: string): string {
	if (resource === 'generate') return 'generate';
	if (resource === 'render') return 'diagrams:read';
	const family = resource === 'folder' ? 'folders' : 'diagrams';
	const reads = ['get', 'getAll', 'export'];
	return `${family}:${reads.includes(operation) ? 'read' : 'write'}`;
}

/** The words in the API's paths (contract §5); any other segment is an id. */
const PATH_WORDS = new Set(['diagrams', 'folders', 'generations', 'generate', 'image', 'bpmn']);

/** What the error messages need to know about the request that was refused. */
export interface RequestRoute {
	method: string;
	/** The absolute URL, without its query. */
	address: string;
	/** Whether the path holds an id (a 404 can then mean the object is gone). */
	hasId: boolean;
	/** The scope this request needs (contract §4), when its path is one of the API's. */
	scope?: string;
	/** What the path is about, as messages name it ("diagram" for an image download in Generate). */
	object?: 'diagram' | 'folder' | 'generation';
}

/**
 * Reads a request's method and URL (relative to `baseUrl`, or absolute) into the route the API
 * sees: `GET /diagrams/{id}/image` needs `diagrams:read` whatever operation sent it.
 */
export function routeOf(method: string | undefined, url: string | undefined, baseUrl: string): RequestRoute {
	const verb = (method ?? 'GET').toUpperCase();
	const text = String(url ?? '');
	let absolute: URL;
	try {
		const base = new URL(`${baseUrl.replace(/\/+$/, '')}/`);
		absolute = /^[a-z][a-z0-9+.-]*:|^\/\//i.test(text) ? new URL(text, base) : new URL(text.replace(/^\/+/, ''), base);
	} catch {
		return { method: verb, address: text, hasId: true };
	}
	const segments = absolute.pathname.split('/').filter(Boolean);
	const start = segments.findIndex((segment) => segment === 'diagrams' || segment === 'folders' || segment === 'generations');
	const apiSegments = start >= 0 ? segments.slice(start) : [];
	const [family, second] = apiSegments;
	let scope: string | undefined;
	if (family === 'generations' || (family === 'diagrams' && second === 'generate' && verb === 'POST')) scope = 'generate';
	else if (family === 'diagrams' || family === 'folders') scope = `${family}:${verb === 'GET' ? 'read' : 'write'}`;
	const object =
		family === 'generations' || second === 'generate' ? 'generation' : family === 'folders' ? 'folder' : family === 'diagrams' ? 'diagram' : undefined;
	return {
		method: verb,
		address: `${absolute.origin}${absolute.pathname}`,
		hasId: apiSegments.some((segment) => !PATH_WORDS.has(segment)),
		scope,
		object,
	};
}
