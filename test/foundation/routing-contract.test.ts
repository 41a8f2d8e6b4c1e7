/**
 * Pins the RoutingNode behaviour the node's request path relies on (shared/routing.ts), with a
 * minimal declarative node of its own, so that an n8n upgrade that changes it fails here:
 * - with `paginate` on (set by any displayed property), RoutingNode does not send the request
 *   itself but hands it to the node-level `requestOperations.pagination` function, once per item;
 * - the request it hands over is the one the operation declared, after the preSend steps, with
 *   the operation's postReceive steps beside it;
 * - an operation's own `routing.operations.pagination` replaces the node-level one.
 */
import type {
	DeclarativeRestApiSettings,
	IExecutePaginationFunctions,
	IExecuteSingleFunctions,
	IHttpRequestOptions,
	INodeExecutionData,
	INodeType,
} from 'n8n-workflow';

// eslint-disable-next-line @typescript-eslint/no-require-imports
const engine = require('../harness/engine');

interface Handed {
	by: 'node' | 'operation';
	options: DeclarativeRestApiSettings.HttpRequestOptions;
	postReceiveCount: number;
	canMakeRoutingRequest: boolean;
}

const handed: Handed[] = [];

function recorder(by: Handed['by']) {
	return async function (
		this: IExecutePaginationFunctions,
		requestData: DeclarativeRestApiSettings.ResultOptions,
	): Promise<INodeExecutionData[]> {
		handed.push({
			by,
			options: requestData.options,
			postReceiveCount: requestData.postReceive.reduce((count, step) => count + step.actions.length, 0),
			canMakeRoutingRequest: typeof this.makeRoutingRequest === 'function',
		});
		return [{ json: { item: this.getItemIndex() } }];
	};
}

async function markUrl(this: IExecuteSingleFunctions, options: IHttpRequestOptions): Promise<IHttpRequestOptions> {
	return { ...options, url: `${options.url}?checked=yes` };
}

async function keepItems(this: IExecuteSingleFunctions, items: INodeExecutionData[]): Promise<INodeExecutionData[]> {
	return items;
}

const probe: INodeType = {
	description: {
		displayName: 'Probe',
		name: 'probe',
		group: ['transform'],
		version: 1,
		description: 'pins RoutingNode behaviour',
		defaults: { name: 'Probe' },
		inputs: ['main'],
		outputs: ['main'],
		requestDefaults: { baseURL: 'http://127.0.0.1:9' },
		requestOperations: { pagination: recorder('node') },
		properties: [
			{
				displayName: 'Resource',
				name: 'resource',
				type: 'options',
				options: [{ name: 'Thing', value: 'thing' }],
				default: 'thing',
				routing: { send: { paginate: true } },
			},
			{
				displayName: 'Operation',
				name: 'operation',
				type: 'options',
				options: [
					{
						name: 'Get',
						value: 'get',
						routing: {
							request: { method: 'GET', url: '=/things/{{ $parameter.thingId }}' },
							output: { postReceive: [keepItems] },
						},
					},
					{
						name: 'Get Many',
						value: 'getAll',
						routing: {
							request: { method: 'GET', url: '/things', qs: { limit: '={{ 2 + 3 }}' } },
							operations: { pagination: recorder('operation') },
						},
					},
				],
				default: 'get',
			},
			{
				displayName: 'Thing ID',
				name: 'thingId',
				type: 'string',
				default: '',
				displayOptions: { show: { operation: ['get'] } },
				routing: { send: { preSend: [markUrl] } },
			},
		],
	},
};

async function runProbe(parameters: Record<string, unknown>, items: number) {
	handed.length = 0;
	return await engine.runWorkflow({
		nodes: [{ name: 'Probe', type: 'test.probe', parameters }],
		input: Array.from({ length: items }, (_, index) => ({ json: { index } })),
		credentials: {},
		extraNodeTypes: { 'test.probe': probe },
	});
}

describe('RoutingNode hands declared requests to requestOperations.pagination', () => {
	it('hands each item its declared request after preSend, with its postReceive steps, to the node-level function', async () => {
		const result = await runProbe({ resource: 'thing', operation: 'get', thingId: '={{ "t" + $json.index }}' }, 2);
		expect(result.error).toBeUndefined();
		expect(handed.map((entry) => [entry.by, entry.options.method, entry.options.url])).toEqual([
			['node', 'GET', '/things/t0?checked=yes'],
			['node', 'GET', '/things/t1?checked=yes'],
		]);
		expect(handed.map((entry) => entry.postReceiveCount)).toEqual([1, 1]);
		expect(handed.every((entry) => entry.canMakeRoutingRequest)).toBe(true);
		expect(result.outputs.Probe.map((item: INodeExecutionData) => item.json)).toEqual([{ item: 0 }, { item: 1 }]);
	});

	it("uses an operation's own pagination function instead of the node-level one, with its declared query", async () => {
		const result = await runProbe({ resource: 'thing', operation: 'getAll' }, 1);
		expect(result.error).toBeUndefined();
		expect(handed.map((entry) => [entry.by, entry.options.url, entry.options.qs])).toEqual([
			['operation', '/things', { limit: 5 }],
		]);
	});
});
