'use strict';
/**
 * A bench-only contender: the least a declarative n8n node can do for Render → Image. RoutingNode
 * builds and sends the request itself (no rate gate, no checks, no code of this package), the key
 * goes on by the credential, the answer becomes the file. Only its number of
 * top-level properties is the Just Flow It node's: RoutingNode evaluates every property of the
 * node's description for every item (twice on n8n 2.x, once more for its base-URL check), so the
 * size of the description sets much of what a declarative node costs per item.
 *
 * The difference between this floor and the Just Flow It node is what the node's own code costs;
 * the difference between the floor and the HTTP Request node is n8n's declarative engine.
 */
const path = require('node:path');

const FLOOR_TYPE = 'bench.declarativeFloor';
/** How the bench reports name the floor with as many properties as the node. */
const FLOOR_LABEL = 'declarative floor: same number of properties (bench/declarative-floor.js)';

/** How many top-level properties the built Just Flow It node declares. */
function justFlowItPropertyCount() {
	const { JustFlowIt } = require(path.join(__dirname, '..', 'dist', 'nodes', 'JustFlowIt', 'JustFlowIt.node.js'));
	return new JustFlowIt().description.properties.length;
}

/** The floor node type with `propertyCount` top-level properties (2 do the work, the rest are hidden). */
function declarativeFloorType(propertyCount = justFlowItPropertyCount()) {
	const properties = [
		{ displayName: 'Diagram ID', name: 'diagramId', type: 'string', default: '' },
		{
			displayName: 'Operation',
			name: 'operation',
			type: 'options',
			default: 'image',
			options: [
				{
					name: 'Image',
					value: 'image',
					routing: {
						request: { method: 'GET', url: '=/diagrams/{{ $parameter.diagramId }}/image', encoding: 'arraybuffer', json: false, returnFullResponse: true },
						output: {
							postReceive: [
								async function asFile(_items, response) {
									const file = await this.helpers.prepareBinaryData(Buffer.from(response.body), 'diagram.png', 'image/png');
									return [{ json: {}, binary: { data: file } }];
								},
							],
						},
					},
				},
			],
		},
	];
	// Never shown, never sent: they only make the description as long as the node's.
	for (let i = properties.length; i < propertyCount; i++) {
		properties.push({ displayName: `Unused ${i}`, name: `unused${i}`, type: 'string', default: '', displayOptions: { show: { operation: ['none'] } } });
	}
	return {
		description: {
			displayName: 'Declarative floor',
			name: 'declarativeFloor',
			group: ['transform'],
			version: 1,
			description: 'Bench only',
			defaults: { name: 'Declarative floor' },
			inputs: ['main'],
			outputs: ['main'],
			credentials: [{ name: 'justFlowItApi', required: true }],
			// The key goes on by the credential's own `authenticate`, as for any declarative node.
			requestDefaults: { baseURL: '={{ $credentials.baseUrl }}' },
			properties,
		},
	};
}

/** The floor as a workflow node rendering the diagram whose id the input item holds in `id`. */
function declarativeFloorNode(name = 'Render') {
	return {
		name,
		type: FLOOR_TYPE,
		typeVersion: 1,
		parameters: { diagramId: '={{ $json.id }}', operation: 'image' },
		credentials: { justFlowItApi: { id: 'cred-1', name: 'Just Flow It test' } },
	};
}

module.exports = { FLOOR_LABEL, FLOOR_TYPE, declarativeFloorNode, declarativeFloorType, justFlowItPropertyCount };
