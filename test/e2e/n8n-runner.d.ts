// Types for n8n-runner.js (plain CommonJS), so TypeScript tests can import it:
//   import { prepareN8n, type N8nHandle } from '../e2e/n8n-runner';

export interface N8nInstall {
	/** Cache folder: ${JFI_E2E_CACHE:-~/.cache/n8n-nodes-justflowit}/n8n-<v>-node-<v> */
	dir: string;
	nodeBin: string;
	nodeBinDir: string;
	n8nBin: string;
	n8nVersion: string;
	/** The n8n line this install belongs to: '2' or '1'. */
	line: N8nLine;
}

/** '2' = n8n 2.41.1 on Node 24.21.0; '1' = n8n 1.123.81 on Node 22.23.3 (see install-n8n.sh). */
export type N8nLine = '1' | '2';

export interface CommandResult {
	code: number | null;
	signal: string | null;
	timedOut: boolean;
	stdout: string;
	stderr: string;
	ms: number;
}

export interface BinaryRef {
	data: string;
	id?: string;
	mimeType?: string;
	fileName?: string;
	fileExtension?: string;
	fileSize?: string;
	[key: string]: unknown;
}

export interface RunItem {
	json: Record<string, any>;
	binary?: Record<string, BinaryRef>;
	pairedItem?: unknown;
	[key: string]: unknown;
}

/** The IRun n8n prints (only the parts tests usually read are typed). */
export interface N8nRun {
	status?: string;
	finished?: boolean;
	mode?: string;
	startedAt?: string;
	stoppedAt?: string;
	data: {
		resultData: {
			runData: Record<string, Array<{ data?: { main?: Array<RunItem[] | null> }; error?: any; [key: string]: any }>>;
			error?: { message: string; description?: string; httpCode?: string; name?: string; node?: any; [key: string]: any };
			lastNodeExecuted?: string;
		};
		[key: string]: any;
	};
	[key: string]: any;
}

export interface CredentialImport {
	id: string;
	name: string;
	/** Credential type name, e.g. 'justFlowItApi'. */
	type: string;
	/** Plain object: n8n encrypts it on import. */
	data: Record<string, unknown>;
	[key: string]: unknown;
}

export interface WorkflowImport {
	id: string;
	name: string;
	nodes: Array<Record<string, any>>;
	connections: Record<string, any>;
	active?: boolean;
	settings?: Record<string, any>;
	[key: string]: unknown;
}

export interface BatchResult {
	status: 'success' | 'error' | 'warning' | 'missing' | string;
	error?: string;
	/** Full IRun; present for successful runs only. */
	run?: N8nRun;
}

export interface N8nHandle {
	userFolder: string;
	n8nFolder: string;
	nodesDir: string;
	env: Record<string, string>;
	/** Name of the installed community package, e.g. 'n8n-nodes-justflowit'. */
	packageName?: string;
	n8nVersion: string;
	line: N8nLine;
	installDir: string;
	n8n(args: string[], options?: { timeoutMs?: number }): Promise<CommandResult>;
	importCredentials(credentials: CredentialImport | CredentialImport[]): Promise<CommandResult>;
	importWorkflow(workflows: WorkflowImport | WorkflowImport[]): Promise<CommandResult>;
	execute(workflowId: string, options?: { allowError?: boolean; timeoutMs?: number }): Promise<N8nRun>;
	executeBatch(
		workflowIds: string[],
		options?: { concurrency?: number; timeoutMs?: number },
	): Promise<Record<string, BatchResult>>;
	readExecution(query?: { executionId?: string | number; workflowId?: string }): Promise<N8nRun | undefined>;
	readBinary(binary: BinaryRef): Promise<Buffer>;
	binaryPath(binary: BinaryRef): string;
	nodeOutput(run: N8nRun, nodeName: string, options?: { outputIndex?: number; runIndex?: number }): RunItem[];
	runError(run: N8nRun): N8nRun['data']['resultData']['error'];
	cleanup(): Promise<void>;
}

export interface PrepareOptions {
	/** `npm pack` tarball of the community package; omit for n8n-nodes-base only. */
	packageTarball?: string;
	/** Use this folder as N8N_USER_FOLDER (not deleted by cleanup). */
	userFolder?: string;
	/** Extra environment for every n8n command. */
	env?: Record<string, string>;
	/** Run install-n8n.sh when n8n is missing (default true unless JFI_E2E_NO_INSTALL=1). */
	install?: boolean;
	/** Keep the temp user folder on cleanup (also JFI_E2E_KEEP=1). */
	keep?: boolean;
	/** n8n line (default JFI_E2E_N8N_LINE, else '2'). */
	line?: N8nLine;
}

export function prepareN8n(options?: PrepareOptions): Promise<N8nHandle>;
export const LINES: N8nLine[];
/** Lines an e2e suite runs on: JFI_E2E_LINES ("2,1"), else JFI_E2E_N8N_LINE, else `defaults`. */
export function selectedLines(defaults?: N8nLine[]): N8nLine[];
export function ensureN8nInstalled(options?: { install?: boolean; line?: N8nLine }): Promise<N8nInstall>;
export function installDir(line?: N8nLine): string;
export function parseRunJson(stdout: string): N8nRun | undefined;
export function nodeOutput(
	run: N8nRun,
	nodeName: string,
	options?: { outputIndex?: number; runIndex?: number },
): RunItem[];
export function runError(run: N8nRun): N8nRun['data']['resultData']['error'];
export function freePort(): Promise<number>;
