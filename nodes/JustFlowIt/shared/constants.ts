/** The credential type every request of this node authenticates with. */
export const CREDENTIAL_TYPE = 'justFlowItApi';

/**
 * Every API path in one place (contract §5), `{id}` standing for an id. Paths marked [assumed] in
 * the contract may differ in reality; change them here only.
 */
export const API_PATHS = {
	diagrams: '/diagrams',
	diagram: '/diagrams/{id}',
	diagramBpmn: '/diagrams/{id}/bpmn',
	diagramImage: '/diagrams/{id}/image',
	generate: '/diagrams/generate',
	generation: '/generations/{id}',
	folders: '/folders',
	folder: '/folders/{id}',
} as const;

/** A path with its id filled in. */
export function apiPath(template: string, id: string): string {
	return template.replace('{id}', encodeURIComponent(id));
}

/** A path whose id comes from an n8n expression, for routing (e.g. `{{ $value }}`). */
export function routedPath(template: string, idExpression: string): string {
	return `=${template.replace('{id}', idExpression)}`;
}

/** The API's largest page (contract §11). */
export const MAX_PAGE_SIZE = 100;

/** The largest request body the API accepts (contract §8.1, assumed 5 MiB). */
export const MAX_BODY_BYTES = 5 * 1024 * 1024;

export const BPMN_MODEL_NAMESPACE = 'http://www.omg.org/spec/BPMN/20100524/MODEL';

export type ImageFormat = 'png' | 'svg';

export const IMAGE_MIME_TYPES: Record<ImageFormat, string> = {
	png: 'image/png',
	svg: 'image/svg+xml',
};

export const BPMN_MIME_TYPE = 'application/xml';

/** The scope each resource's operations need (contract §4), for error messages. */
export function scopeFor(resource: string, operation: string): string {
	if (resource === 'generate') return 'generate';
	if (resource === 'render') return 'diagrams:read';
	const family = resource === 'folder' ? 'folders' : 'diagrams';
	const reads = ['get', 'getAll', 'export'];
	return `${family}:${reads.includes(operation) ? 'read' : 'write'}`;
}
