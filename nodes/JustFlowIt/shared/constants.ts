/** The credential type every request of this node authenticates with. */
export const CREDENTIAL_TYPE = 'justFlowItApi';

/**
 * The paths the node's own code requests (generation polls, image downloads, name look-ups, list
 * search, the trigger), `{id}` standing for an id (contract §5). Each operation's route is declared
 * on the operation in resources/; a path marked [assumed] in the contract changes in both places.
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
