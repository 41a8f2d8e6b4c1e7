'use strict';
/**
 * Runs workflows through n8n's real execution engine (n8n-core's WorkflowExecute, which hands
 * declarative nodes to RoutingNode) with the package loaded from its built dist/ by n8n-core's
 * PackageDirectoryLoader — the same loader n8n uses for installed community packages.
 *
 * Nothing of the node is mocked: requests go over HTTP to whatever the credential's baseUrl names
 * (in tests, the fake API on 127.0.0.1), and the credential's own `authenticate` puts the key on.
 */
// Keep n8n's own logger quiet unless asked (it would print every node error to the console).
process.env.N8N_LOG_LEVEL = process.env.N8N_LOG_LEVEL || 'silent';
require('reflect-metadata');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const { Container } = require('@n8n/di');
const { ICredentialsHelper, NodeHelpers, Workflow, createRunExecutionData } = require('n8n-workflow');
const {
	BinaryDataService,
	ExecutionLifecycleHooks,
	LoadOptionsContext,
	PackageDirectoryLoader,
	RoutingNode,
	WorkflowExecute,
} = require('n8n-core');

const PACKAGE_ROOT = path.resolve(__dirname, '..', '..');
const NODE_TYPE = 'n8n-nodes-justflowit.justFlowIt';
const CREDENTIAL_TYPE = 'justFlowItApi';

/** Applies a credential type's `authenticate` the way n8n's CredentialsHelper does. */
class TestCredentialsHelper extends ICredentialsHelper {
	constructor(credentialTypes, credentialData) {
		super();
		this.credentialTypes = credentialTypes;
		this.credentialData = credentialData;
	}

	getParentTypes() {
		return [];
	}

	isCredentialUsableByNode() {
		return true;
	}

	async authenticate(credentials, typeName, requestOptions, workflow, node) {
		const type = this.credentialTypes[typeName];
		const { authenticate } = type;
		if (typeof authenticate === 'function') return await authenticate.call(type, credentials, requestOptions);
		if (authenticate && authenticate.type === 'generic') {
			for (const [outer, values] of Object.entries(authenticate.properties)) {
				requestOptions[outer] = requestOptions[outer] ?? {};
				for (const [key, value] of Object.entries(values)) {
					requestOptions[outer][key] = workflow.expression.getSimpleParameterValue(
						node, value, 'internal', { $credentials: credentials }, undefined, '');
				}
			}
		}
		return requestOptions;
	}

	async preAuthentication() {
		return undefined;
	}

	async runPreAuthentication() {
		return undefined;
	}

	async getCredentials() {
		throw new Error('not used by these tests');
	}

	async getDecrypted(_additionalData, _nodeCredentials, type) {
		if (!this.credentialData[type]) throw new Error(`No test credentials of type ${type}`);
		return { ...this.credentialData[type] };
	}

	async updateCredentials() {}

	async updateCredentialsOauthTokenData() {}

	getCredentialsProperties(type) {
		return this.credentialTypes[type]?.properties ?? [];
	}
}

let loaded;

/** Loads the built package (dist/) once per process through n8n's PackageDirectoryLoader. */
async function loadPackage(packageRoot = PACKAGE_ROOT) {
	if (loaded && loaded.root === packageRoot) return loaded;
	if (!fs.existsSync(path.join(packageRoot, 'dist'))) {
		throw new Error('dist/ is missing: run `npm run build` first');
	}
	const loader = new PackageDirectoryLoader(packageRoot);
	await loader.loadAll();
	const packageName = loader.packageName;
	const nodeTypes = {};
	for (const [name, entry] of Object.entries(loader.nodeTypes)) nodeTypes[`${packageName}.${name}`] = entry.type;
	const credentialTypes = {};
	for (const [name, entry] of Object.entries(loader.credentialTypes)) credentialTypes[name] = entry.type;
	loaded = { root: packageRoot, loader, nodeTypes, credentialTypes };
	return loaded;
}

let binaryMode = 'memory';
let binaryStorage;

/**
 * Chooses where n8n keeps binary data: 'memory' (inline base64) or 'filesystem' (n8n 2.x's
 * default on servers: files on disk, items only hold an id). The files go to a temporary folder
 * that is removed when the mode changes back.
 */
async function setBinaryMode(mode) {
	if (mode === binaryMode) return;
	if (binaryStorage) fs.rmSync(binaryStorage, { recursive: true, force: true });
	binaryStorage = mode === 'filesystem' ? fs.mkdtempSync(path.join(os.tmpdir(), 'jfi-binary-')) : undefined;
	const config = {
		mode: mode === 'filesystem' ? 'filesystem' : 'default',
		availableModes: ['filesystem'],
		localStoragePath: binaryStorage ?? os.tmpdir(),
		signingSecret: 'test-secret',
		dbMaxFileSize: 512,
	};
	const service = new BinaryDataService(config, { error() {}, warn() {} }, { debug() {}, warn() {}, error() {}, info() {} });
	if (mode === 'filesystem') await service.init();
	Container.set(BinaryDataService, service);
	binaryMode = mode;
}

/** The bytes of a binary item in either mode. */
async function binaryBuffer(binary) {
	if (binary.id) {
		const service = Container.get(BinaryDataService);
		return await service.getAsBuffer(binary);
	}
	return Buffer.from(binary.data, 'base64');
}

function deferred() {
	let resolve;
	const promise = new Promise((r) => (resolve = r));
	return { promise, resolve };
}

/**
 * A node type as n8n's server hands it to the engine. The server (packages/cli NodeTypes, with
 * `shouldAssignExecuteMethod`) gives a declarative node an `execute` that runs RoutingNode in an
 * ExecuteContext — the context that carries the execution's cancel signal. n8n-core alone would
 * run it through `executeDeclarativeNodeInTest`, whose context has no cancel signal.
 */
const serverNodeTypes = new WeakMap();
function asServerRunsIt(nodeType) {
	const declarative =
		nodeType && nodeType.description.requestDefaults !== undefined &&
		!nodeType.execute && !nodeType.poll && !nodeType.trigger && !nodeType.webhook;
	if (!declarative) return nodeType;
	if (!serverNodeTypes.has(nodeType)) {
		const wrapped = Object.create(nodeType);
		wrapped.execute = async function () {
			const routingNode = new RoutingNode(this, nodeType);
			return (await routingNode.runNode()) ?? [];
		};
		serverNodeTypes.set(nodeType, wrapped);
	}
	return serverNodeTypes.get(nodeType);
}

/**
 * The workflow object n8n executes, with the package's node types (and `extraNodeTypes`, e.g.
 * n8n-nodes-base's HTTP Request node for the benchmarks, keyed by type name).
 */
async function buildWorkflow(nodes, connections, extraNodeTypes = {}) {
	const nodeTypes = { ...(await loadPackage()).nodeTypes, ...extraNodeTypes };
	const nodeTypesApi = {
		getByName: (type) => nodeTypes[type],
		getByNameAndVersion: (type, version) =>
			asServerRunsIt(NodeHelpers.getVersionedNodeType(nodeTypes[type], version)),
		getKnownTypes: () => ({}),
	};
	const workflowNodes = nodes.map((node, index) => ({
		id: node.id ?? `node-${index}`,
		typeVersion: 1,
		type: NODE_TYPE,
		position: [index * 200, 0],
		...((node.type ?? NODE_TYPE) === NODE_TYPE
			? { credentials: { [CREDENTIAL_TYPE]: { id: 'cred-1', name: 'Just Flow It test' } } }
			: {}),
		...node,
	}));
	const workflow = new Workflow({
		id: 'test-workflow',
		name: 'test',
		nodes: workflowNodes,
		connections,
		active: false,
		nodeTypes: nodeTypesApi,
		settings: { executionOrder: 'v1' },
	});
	return { workflow, workflowNodes };
}

/** What n8n hands a node run besides the workflow: credentials, URLs, hooks. */
async function buildAdditionalData(credentials, hooks) {
	const { credentialTypes } = await loadPackage();
	return {
		credentialsHelper: new TestCredentialsHelper(credentialTypes, { [CREDENTIAL_TYPE]: credentials }),
		hooks,
		executionId: 'test-execution',
		currentNodeExecutionIndex: 0,
		restApiUrl: 'http://127.0.0.1/rest',
		instanceBaseUrl: 'http://127.0.0.1/',
		formBaseUrl: 'http://127.0.0.1:5678/form',
		formWaitingBaseUrl: 'http://127.0.0.1:5678/form-waiting',
		formTestBaseUrl: 'http://127.0.0.1:5678/form-test',
		webhookBaseUrl: 'http://127.0.0.1:5678/webhook',
		webhookWaitingBaseUrl: 'http://127.0.0.1:5678/webhook-waiting',
		webhookTestBaseUrl: 'http://127.0.0.1:5678/webhook-test',
		mcpBaseUrl: 'http://127.0.0.1:5678/mcp',
		mcpTestBaseUrl: 'http://127.0.0.1:5678/mcp-test',
		variables: {},
		userId: 'test-user',
		executeWorkflow: async () => { throw new Error('not supported'); },
		getRunExecutionData: async () => undefined,
		getRuntimeCredential: async () => undefined,
		logAiEvent: () => {},
		startRunnerTask: async () => { throw new Error('not supported'); },
	};
}

/**
 * Runs a workflow and returns every node's output.
 * @param {object} args
 * @param {Array<object>} args.nodes workflow nodes; nodes[0] receives `input`
 * @param {object} [args.connections] n8n connections between the nodes
 * @param {Array<object>} [args.input] items fed to nodes[0] (default: one empty item)
 * @param {object} args.credentials data of the justFlowItApi credential
 * @param {object} [args.extraNodeTypes] more node types by name (benchmarks)
 * @param {Promise<unknown>} [args.cancelWhen] when it resolves, the execution is cancelled as the
 *   editor's Stop button does (n8n aborts the execution's cancel signal)
 */
async function runWorkflow({ nodes, connections = {}, input = [{ json: {} }], credentials, extraNodeTypes, cancelWhen }) {
	const { workflow, workflowNodes } = await buildWorkflow(nodes, connections, extraNodeTypes);
	const hooks = new ExecutionLifecycleHooks('manual', 'test-execution', {
		id: 'test-workflow', name: 'test', nodes: workflowNodes, connections, active: false,
		settings: {}, createdAt: new Date(), updatedAt: new Date(), isArchived: false, activeVersionId: null,
	});
	const finished = deferred();
	hooks.addHandler('workflowExecuteAfter', (run) => finished.resolve(run));
	const additionalData = await buildAdditionalData(credentials, hooks);
	const runExecutionData = createRunExecutionData({
		executionData: {
			nodeExecutionStack: [{ node: workflowNodes[0], data: { main: [input] }, source: null }],
		},
	});
	const execute = new WorkflowExecute(additionalData, 'manual', runExecutionData);
	try {
		const execution = execute.processRunExecutionData(workflow);
		if (cancelWhen) void cancelWhen.then(() => execution.cancel());
		await execution;
	} catch (error) {
		// n8n refuses to start a workflow whose parameters have issues (as the editor shows them).
		return { run: undefined, outputs: {}, error };
	}
	const run = await finished.promise;
	const outputs = {};
	for (const [name, runs] of Object.entries(run.data.resultData.runData)) {
		const last = runs[runs.length - 1];
		outputs[name] = last?.data?.main?.[0] ?? [];
	}
	return { run, outputs, error: run.data.resultData.error };
}

/**
 * Calls one of the node's list-search methods as the editor does when a user opens a resource
 * locator's list (n8n-core's LoadOptionsContext, real HTTP).
 */
async function listSearch({ method, filter, paginationToken, parameters = {}, credentials }) {
	const { workflow, workflowNodes } = await buildWorkflow([{ name: 'Just Flow It', parameters }], {});
	const additionalData = await buildAdditionalData(credentials, undefined);
	additionalData.currentNodeParameters = parameters;
	const context = new LoadOptionsContext(workflow, workflowNodes[0], additionalData, 'parameters.diagramId');
	const nodeType = (await loadPackage()).nodeTypes[NODE_TYPE];
	return await nodeType.methods.listSearch[method].call(context, filter, paginationToken);
}

/** Runs one Just Flow It node on `input` and returns its output items (or its error). */
async function runNode({ parameters, input, credentials, onError, name = 'Just Flow It', cancelWhen }) {
	const node = { name, parameters };
	if (onError) node.onError = onError;
	const result = await runWorkflow({ nodes: [node], input, credentials, cancelWhen });
	return { items: result.outputs[name] ?? [], error: result.error, run: result.run };
}

module.exports = {
	NODE_TYPE,
	CREDENTIAL_TYPE,
	PACKAGE_ROOT,
	loadPackage,
	runWorkflow,
	runNode,
	listSearch,
	setBinaryMode,
	binaryBuffer,
};

// ============================================================================================
// Polling trigger (issue 12, branch `trigger`): runPoll. Additive block; keep other helpers out.
// ============================================================================================

const { PollContext } = require('n8n-core');

const TRIGGER_NODE_TYPE = 'n8n-nodes-justflowit.justFlowItTrigger';

/**
 * Runs the Just Flow It Trigger's poll() once, as n8n does:
 * - mode 'trigger': through n8n-core's real PollContext, as an active workflow's poll timer does
 *   (static data from `staticData`, n8n's poll budget from `pollBudgetMs` when given);
 * - mode 'manual': through WorkflowExecute, as the editor's "Fetch Test Event" does (n8n-core's
 *   executePollNode builds the PollContext in manual mode).
 * Returns the emitted items (`null` when poll() returned null), the node's static data after the
 * poll (a plain copy), and the error when the poll failed.
 * @param {object} args
 * @param {object} args.parameters the trigger's parameters
 * @param {object} [args.staticData] the node's static data before the poll (not mutated)
 * @param {'trigger'|'manual'} [args.mode]
 * @param {object} args.credentials data of the justFlowItApi credential
 * @param {number} [args.pollBudgetMs] what PollContext.getPollBudgetMs() answers (trigger mode)
 */
async function runPoll({ parameters, staticData = {}, mode = 'trigger', credentials, pollBudgetMs, name = 'Just Flow It Trigger' }) {
	const node = {
		name,
		type: TRIGGER_NODE_TYPE,
		parameters,
		credentials: { [CREDENTIAL_TYPE]: { id: 'cred-1', name: 'Just Flow It test' } },
	};
	const { workflow, workflowNodes } = await buildWorkflow([node], {});
	workflow.overrideStaticData({ [`node:${name}`]: JSON.parse(JSON.stringify(staticData)) });
	const readStaticData = () => {
		const data = workflow.staticData[`node:${name}`];
		return data === undefined ? {} : JSON.parse(JSON.stringify(data));
	};
	if (mode === 'manual') {
		const hooks = new ExecutionLifecycleHooks('manual', 'test-execution', {
			id: 'test-workflow', name: 'test', nodes: workflowNodes, connections: {}, active: false,
			settings: {}, createdAt: new Date(), updatedAt: new Date(), isArchived: false, activeVersionId: null,
		});
		const finished = deferred();
		hooks.addHandler('workflowExecuteAfter', (run) => finished.resolve(run));
		const additionalData = await buildAdditionalData(credentials, hooks);
		const runExecutionData = createRunExecutionData({
			executionData: { nodeExecutionStack: [{ node: workflowNodes[0], data: { main: [[{ json: {} }]] }, source: null }] },
		});
		await new WorkflowExecute(additionalData, 'manual', runExecutionData).processRunExecutionData(workflow);
		const run = await finished.promise;
		const task = run.data.resultData.runData[name]?.[0];
		const main = task?.data?.main?.[0];
		return { items: main ?? null, staticData: readStaticData(), error: run.data.resultData.error, run };
	}
	const additionalData = await buildAdditionalData(credentials, undefined);
	const context = new PollContext(
		workflow, workflowNodes[0], additionalData, 'trigger', 'trigger',
		undefined, undefined, undefined, undefined, undefined,
		pollBudgetMs === undefined ? undefined : () => pollBudgetMs,
	);
	const nodeType = (await loadPackage()).nodeTypes[TRIGGER_NODE_TYPE];
	try {
		const result = await nodeType.poll.call(context);
		return { items: result === null ? null : result[0], staticData: readStaticData(), error: undefined };
	} catch (error) {
		return { items: undefined, staticData: readStaticData(), error };
	}
}

/** Calls one of the trigger's list-search methods as the editor does (n8n-core's LoadOptionsContext). */
async function triggerListSearch({ method, filter, paginationToken, parameters = {}, credentials }) {
	const node = {
		name: 'Just Flow It Trigger',
		type: TRIGGER_NODE_TYPE,
		parameters,
		credentials: { [CREDENTIAL_TYPE]: { id: 'cred-1', name: 'Just Flow It test' } },
	};
	const { workflow, workflowNodes } = await buildWorkflow([node], {});
	const additionalData = await buildAdditionalData(credentials, undefined);
	additionalData.currentNodeParameters = parameters;
	const context = new LoadOptionsContext(workflow, workflowNodes[0], additionalData, 'parameters.folderId');
	const nodeType = (await loadPackage()).nodeTypes[TRIGGER_NODE_TYPE];
	return await nodeType.methods.listSearch[method].call(context, filter, paginationToken);
}

module.exports.TRIGGER_NODE_TYPE = TRIGGER_NODE_TYPE;
module.exports.runPoll = runPoll;
module.exports.triggerListSearch = triggerListSearch;
// ============================================================================================
