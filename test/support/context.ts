/**
 * Shared test plumbing: one fake Just Flow It API per test file, the credential pointing at it,
 * and small helpers to run the node through n8n's engine.
 */
import type { IBinaryData, IDataObject, INodeExecutionData } from 'n8n-workflow';

// The fake and the harness are plain JavaScript, shared with the demo, e2e and bench scripts.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const fakeModule = require('../fake/server');
// eslint-disable-next-line @typescript-eslint/no-require-imports
const engine = require('../harness/engine');

export const { TEST_KEY, LIVE_KEY, sampleBpmn } = fakeModule as {
	TEST_KEY: string;
	LIVE_KEY: string;
	sampleBpmn: (name?: string) => string;
};

export interface LoggedRequest {
	method: string;
	path: string;
	query: Record<string, string>;
	headers: Record<string, string>;
	body: string;
	json?: IDataObject;
	status: number;
	requestId: string;
	/** When the fake took the request, on its request clock (ms; simulated under test/harness/virtual-clock.js). */
	at: number;
}

export interface FakeServer {
	baseUrl: string;
	origin: string;
	imageOrigin: string;
	requests: LoggedRequest[];
	imageHostRequests: Array<{ method: string; url: string; headers: Record<string, string> }>;
	settings: IDataObject & {
		burst: { limit: number; windowMs: number } | null;
		imageMode: 'bytes' | 'redirect' | 'json';
		generation: IDataObject;
		quota: number;
		retryAfterHeader: 'seconds' | 'http-date' | 'none';
	};
	clearRequests(): void;
	reset(): void;
	close(): Promise<void>;
	addKey(key: string, options?: IDataObject): void;
	injectFailure(failure: IDataObject): void;
	failNext(status: number, code?: string): void;
	clearFailures(): void;
	seedFolder(args: IDataObject): IDataObject;
	seedDiagram(args: IDataObject): IDataObject;
	seedDiagrams(count: number, args?: IDataObject): IDataObject[];
	/** Times requests (rate limits, Retry-After, Date, generations) on `now` instead of Date.now; null restores it. */
	useRequestClock(now: (() => number) | null): void;
}

export async function startFake(options: IDataObject = {}): Promise<FakeServer> {
	return (await fakeModule.startFakeServer(options)) as FakeServer;
}

export interface JustFlowItCredentials extends IDataObject {
	apiKey: string;
	environment: 'production' | 'staging';
	baseUrl: string;
}

export function credentialsFor(fake: FakeServer, overrides: Partial<JustFlowItCredentials> = {}): JustFlowItCredentials {
	return { apiKey: TEST_KEY, environment: 'staging', baseUrl: fake.baseUrl, ...overrides };
}

export interface RunResult {
	items: INodeExecutionData[];
	error?: Error & { description?: string; httpCode?: string | null; context?: IDataObject };
}

/** Runs the Just Flow It node once through n8n's engine. */
export async function run(
	fake: FakeServer,
	parameters: IDataObject,
	options: {
		input?: INodeExecutionData[];
		credentials?: Partial<JustFlowItCredentials>;
		continueOnFail?: boolean;
		/** Cancels the execution (as the editor's Stop button) when this resolves. */
		cancelWhen?: Promise<unknown>;
	} = {},
): Promise<RunResult> {
	return (await engine.runNode({
		parameters,
		input: options.input ?? [{ json: {} }],
		credentials: credentialsFor(fake, options.credentials),
		onError: options.continueOnFail ? 'continueRegularOutput' : undefined,
		cancelWhen: options.cancelWhen,
	})) as RunResult;
}

/** Runs several connected nodes (the first gets `input`) and returns every node's output. */
export async function runChain(
	fake: FakeServer,
	nodes: Array<{ name: string; parameters: IDataObject }>,
	input: INodeExecutionData[] = [{ json: {} }],
): Promise<{ outputs: Record<string, INodeExecutionData[]>; error?: Error }> {
	const connections: IDataObject = {};
	for (let i = 0; i < nodes.length - 1; i++) {
		connections[nodes[i].name] = { main: [[{ node: nodes[i + 1].name, type: 'main', index: 0 }]] };
	}
	return await engine.runWorkflow({ nodes, connections, input, credentials: credentialsFor(fake) });
}

export async function binaryBytes(binary: IBinaryData): Promise<Buffer> {
	return (await engine.binaryBuffer(binary)) as Buffer;
}

export async function setBinaryMode(mode: 'memory' | 'filesystem'): Promise<void> {
	await engine.setBinaryMode(mode);
}

/** A resource locator value as the editor saves it. */
export function byId(value: string): IDataObject {
	return { __rl: true, mode: 'id', value };
}

export function byUrl(value: string): IDataObject {
	return { __rl: true, mode: 'url', value };
}

/** An input item carrying a file in binary property `property`, as n8n keeps it in memory. */
export function fileItem(content: string | Buffer, fileName: string, mimeType: string, property = 'data'): INodeExecutionData {
	const bytes = Buffer.isBuffer(content) ? content : Buffer.from(content, 'utf8');
	return {
		json: { fileName },
		binary: {
			[property]: {
				data: bytes.toString('base64'),
				mimeType,
				fileName,
				fileExtension: fileName.split('.').pop(),
			},
		},
	};
}

/** Requests the fake saw, as "METHOD /path?query" lines (paths without the /api/v1 prefix). */
export function requestLines(fake: FakeServer): string[] {
	return fake.requests.map((request) => {
		const query = new URLSearchParams(request.query).toString();
		return `${request.method} ${request.path.replace(/^\/api\/v1/, '')}${query ? `?${query}` : ''}`;
	});
}

/** Every string anywhere inside a value (to scan outputs and errors for the key). */
export function allStrings(value: unknown, seen = new Set<unknown>()): string[] {
	if (typeof value === 'string') return [value];
	if (!value || typeof value !== 'object' || seen.has(value)) return [];
	seen.add(value);
	const strings: string[] = [];
	const keys = new Set([...Object.getOwnPropertyNames(value), ...Object.keys(value)]);
	for (const key of keys) {
		try {
			strings.push(...allStrings((value as Record<string, unknown>)[key], seen));
		} catch {
			// getters that throw are not data
		}
	}
	return strings;
}

/** Calls a list-search method of the node (what the editor does for "From List"). */
export async function listSearch(
	fake: FakeServer,
	method: 'searchDiagrams' | 'searchFolders' | 'searchFoldersOrTopLevel',
	filter?: string,
	paginationToken?: string,
	credentials: Partial<JustFlowItCredentials> = {},
): Promise<{ results: Array<{ name: string; value: string; url?: string }>; paginationToken?: string }> {
	return await engine.listSearch({ method, filter, paginationToken, credentials: credentialsFor(fake, credentials) });
}

/**
 * One fake API for the test file: started before the tests, reset before each, closed after.
 * Returns a stand-in that always points at the running server.
 */
export function useFake(options: IDataObject = {}): FakeServer {
	let current: FakeServer | undefined;
	beforeAll(async () => {
		current = await startFake(options);
	});
	afterAll(async () => {
		await current?.close();
	});
	beforeEach(() => {
		current?.reset();
	});
	return new Proxy({} as FakeServer, {
		get(_target, property) {
			if (!current) throw new Error('The fake API is not running yet (use it inside a test)');
			const value = (current as unknown as Record<string | symbol, unknown>)[property];
			return typeof value === 'function' ? value.bind(current) : value;
		},
		set(_target, property, value) {
			(current as unknown as Record<string | symbol, unknown>)[property] = value;
			return true;
		},
	});
}
