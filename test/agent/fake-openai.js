'use strict';
/**
 * A deterministic fake of OpenAI's chat-completions API, for running n8n's AI Agent against a
 * scripted "model". Node built-ins only; listens on 127.0.0.1 on a free port.
 *
 *   const llm = await startFakeOpenAi();
 *   llm.baseUrl;                         // http://127.0.0.1:<port>/v1 — the openAiApi credential's `url`
 *   llm.script([                         // one step per chat request, in order
 *     () => toolCalls({ name: 'List_diagrams', arguments: { limit: 5 } }),
 *     (turn) => finalText(`Found ${turn.toolResults[0].json.length} diagrams`),
 *   ]);
 *   … run the workflow …
 *   llm.requests;                        // every request: { method, path, headers, body (parsed) }
 *   llm.turns;                           // every chat request as the script saw it, with the reply
 *   llm.reset(); await llm.close();
 *
 * A step gets the turn as the model would see it:
 *   { index, messages, tools: [{ name, description, parameters }], toolResults, request }
 * where `toolResults` are the tool answers the agent sent since the model's last tool calls:
 *   [{ toolCallId, name, arguments, content (the raw string), json (parsed, or undefined) }].
 * A step returns `toolCalls(...)` or `finalText(...)`. A step that throws, a missing step, or a
 * call to a tool the request did not offer answers HTTP 500 with the reason (n8n then fails the
 * agent with that message), so a broken script shows up in the test, never as a hang.
 *
 * Both plain JSON answers and `stream: true` (server-sent events) are supported. Tool call ids
 * are `call_<turn>_<n>`; ids, timestamps and usage are fixed, so answers are deterministic.
 */
const http = require('node:http');

const CREATED = 1767225600; // 2026-01-01T00:00:00Z

/** A reply that asks the agent to call tools: each `{ name, arguments }` (arguments an object). */
function toolCalls(...calls) {
	return { type: 'tool_calls', calls: calls.flat() };
}

/** A reply that ends the conversation with this text. */
function finalText(text) {
	return { type: 'text', text: String(text) };
}

function contentText(content) {
	if (typeof content === 'string') return content;
	if (Array.isArray(content)) {
		return content.map((part) => (typeof part === 'string' ? part : part?.text ?? '')).join('');
	}
	return content == null ? '' : JSON.stringify(content);
}

function tryJson(text) {
	try {
		return JSON.parse(text);
	} catch {
		return undefined;
	}
}

/** The tool answers after the last assistant message that asked for tools. */
function readToolResults(messages) {
	let lastAsk = -1;
	for (let i = messages.length - 1; i >= 0; i--) {
		if (messages[i].role === 'assistant' && Array.isArray(messages[i].tool_calls) && messages[i].tool_calls.length) {
			lastAsk = i;
			break;
		}
	}
	if (lastAsk < 0) return [];
	const asked = new Map();
	for (const call of messages[lastAsk].tool_calls) asked.set(call.id, call);
	return messages
		.slice(lastAsk + 1)
		.filter((message) => message.role === 'tool')
		.map((message) => {
			const call = asked.get(message.tool_call_id);
			const content = contentText(message.content);
			return {
				toolCallId: message.tool_call_id,
				name: call?.function?.name,
				arguments: call ? tryJson(call.function?.arguments ?? '') : undefined,
				content,
				json: tryJson(content),
			};
		});
}

function readTools(body) {
	return (Array.isArray(body.tools) ? body.tools : []).map((tool) => ({
		name: tool.function?.name,
		description: tool.function?.description,
		parameters: tool.function?.parameters,
	}));
}

function completion(index, model, reply) {
	const message = { role: 'assistant', content: null };
	let finishReason = 'stop';
	if (reply.type === 'tool_calls') {
		message.tool_calls = reply.calls.map((call, n) => ({
			id: `call_${index}_${n}`,
			type: 'function',
			function: { name: call.name, arguments: JSON.stringify(call.arguments ?? {}) },
		}));
		finishReason = 'tool_calls';
	} else {
		message.content = reply.text;
	}
	return {
		id: `chatcmpl-fake-${index}`,
		object: 'chat.completion',
		created: CREATED,
		model,
		choices: [{ index: 0, message, logprobs: null, finish_reason: finishReason }],
		usage: { prompt_tokens: 10, completion_tokens: 10, total_tokens: 20 },
		system_fingerprint: 'fp_fake',
	};
}

/** The same answer as server-sent events, the way OpenAI streams it. */
function streamChunks(answer) {
	const { message, finish_reason: finishReason } = answer.choices[0];
	const base = { id: answer.id, object: 'chat.completion.chunk', created: answer.created, model: answer.model };
	const chunks = [{ ...base, choices: [{ index: 0, delta: { role: 'assistant', content: message.content ?? '' }, finish_reason: null }] }];
	if (message.tool_calls) {
		chunks.push({
			...base,
			choices: [
				{
					index: 0,
					delta: { tool_calls: message.tool_calls.map((call, n) => ({ index: n, ...call })) },
					finish_reason: null,
				},
			],
		});
	}
	chunks.push({ ...base, choices: [{ index: 0, delta: {}, finish_reason: finishReason }], usage: answer.usage });
	return `${chunks.map((chunk) => `data: ${JSON.stringify(chunk)}\n\n`).join('')}data: [DONE]\n\n`;
}

function sendJson(res, status, body) {
	const text = JSON.stringify(body);
	res.writeHead(status, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(text) });
	res.end(text);
}

function openAiError(message, type = 'invalid_request_error') {
	return { error: { message, type, param: null, code: null } };
}

async function startFakeOpenAi(options = {}) {
	const state = { steps: [], requests: [], turns: [], errors: [] };

	const server = http.createServer((req, res) => {
		const chunks = [];
		req.on('data', (chunk) => chunks.push(chunk));
		req.on('end', () => {
			const raw = Buffer.concat(chunks).toString('utf8');
			const url = new URL(req.url, 'http://127.0.0.1');
			const body = raw ? tryJson(raw) ?? raw : undefined;
			state.requests.push({ method: req.method, path: url.pathname, headers: { ...req.headers }, body });

			if (req.method === 'GET' && url.pathname === '/v1/models') {
				sendJson(res, 200, { object: 'list', data: [{ id: 'fake-model', object: 'model', created: CREATED, owned_by: 'fake' }] });
				return;
			}
			if (req.method !== 'POST' || url.pathname !== '/v1/chat/completions') {
				sendJson(res, 404, openAiError(`The fake serves POST /v1/chat/completions only, not ${req.method} ${url.pathname}`));
				return;
			}
			if (!body || typeof body !== 'object' || !Array.isArray(body.messages)) {
				sendJson(res, 400, openAiError('The body must be JSON with a messages array'));
				return;
			}

			const index = state.turns.length;
			const turn = {
				index,
				messages: body.messages,
				tools: readTools(body),
				toolResults: readToolResults(body.messages),
				request: body,
			};
			state.turns.push(turn);
			let reply;
			try {
				const step = state.steps[index];
				if (!step) throw new Error(`the script has no step for chat request #${index + 1}`);
				reply = step(turn);
				if (!reply || (reply.type !== 'tool_calls' && reply.type !== 'text')) {
					throw new Error(`step ${index + 1} returned neither toolCalls(...) nor finalText(...)`);
				}
				if (reply.type === 'tool_calls') {
					const offered = new Set(turn.tools.map((tool) => tool.name));
					for (const call of reply.calls) {
						if (!offered.has(call.name)) {
							throw new Error(`step ${index + 1} calls tool "${call.name}", but the agent offered only: ${[...offered].join(', ') || 'none'}`);
						}
					}
				}
			} catch (error) {
				const message = `Fake model script failed: ${error.message}`;
				state.errors.push(message);
				turn.error = message;
				sendJson(res, 500, openAiError(message, 'server_error'));
				return;
			}
			turn.reply = reply;
			const answer = completion(index, body.model ?? 'fake-model', reply);
			if (body.stream === true) {
				res.writeHead(200, { 'Content-Type': 'text/event-stream', 'Cache-Control': 'no-cache' });
				res.end(streamChunks(answer));
				return;
			}
			sendJson(res, 200, answer);
		});
	});
	server.keepAliveTimeout = 1000;

	await new Promise((resolve, reject) => {
		server.once('error', reject);
		server.listen(options.port ?? 0, '127.0.0.1', resolve);
	});
	const { port } = server.address();
	const sockets = new Set();
	server.on('connection', (socket) => {
		sockets.add(socket);
		socket.on('close', () => sockets.delete(socket));
	});

	return {
		port,
		origin: `http://127.0.0.1:${port}`,
		baseUrl: `http://127.0.0.1:${port}/v1`,
		/** Sets the steps for the next conversation (and forgets earlier turns and requests). */
		script(steps) {
			state.steps = Array.isArray(steps) ? steps : [steps];
			state.requests = [];
			state.turns = [];
			state.errors = [];
		},
		get requests() {
			return state.requests;
		},
		get chatRequests() {
			return state.requests.filter((r) => r.method === 'POST' && r.path === '/v1/chat/completions');
		},
		get turns() {
			return state.turns;
		},
		/** Messages of scripts that failed (a test should expect this to be empty). */
		get errors() {
			return state.errors;
		},
		reset() {
			this.script([]);
		},
		async close() {
			for (const socket of sockets) socket.destroy();
			await new Promise((resolve) => server.close(() => resolve()));
		},
	};
}

module.exports = { startFakeOpenAi, toolCalls, finalText, readToolResults };
