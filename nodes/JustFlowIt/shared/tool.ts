import type { INode, NodeApiError, NodeOperationError } from 'n8n-workflow';

import { RequestFailedError, sentence } from './errors';

/**
 * Whether the node runs as an AI agent's tool: n8n derives that variant from `usableAsTool` as
 * node type `<package>.justFlowItTool`. (The hooks of a declarative node get no
 * `isToolExecution()`, and in n8n 2.41 the AI Agent v3 runs tools as ordinary nodes.)
 */
export function isToolNode(node: INode): boolean {
	return typeof node.type === 'string' && node.type.endsWith('Tool');
}

/**
 * As a tool, n8n hands the model only an error's message (n8n 2.41, AI Agent v3: `{ error:
 * message }`), not its description. So there the message also says what to do about it.
 */
export function forToolUse<E extends NodeApiError | NodeOperationError>(node: INode, error: E): E {
	if (!isToolNode(node)) return error;
	const fix = error instanceof RequestFailedError ? error.fix : String(error.description ?? '').trim();
	if (fix && !error.message.includes(fix)) error.message = `${sentence(error.message)} ${fix}`;
	return error;
}
