/**
 * Node stand-ins for the model APIs the agent's HTTP runners call, speaking the wire formats of
 * shared/FORMATS.md: the Anthropic Messages API (`POST /v1/messages`, SSE) for `claude-sdk`, and
 * an OpenAI-compatible gateway (`POST /v1/chat/completions`, SSE; `GET /v1/models`) for
 * `openclaw`. Unlike agent/test/fake_anthropic.ts (a Deno module), these pace their stream, so a
 * reply can take seconds and show up in Telegram as a growing, edited message.
 */
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** A content block of a scripted reply: text in the given pieces, or one tool call. */
export type ReplyBlock =
	| { type: 'text'; pieces: string[] }
	| { type: 'tool_use'; name: string; input: Record<string, unknown> };

/** One scripted reply; `delayMs` is the pause before each streamed piece. */
export interface ModelReply {
	blocks: ReplyBlock[];
	delayMs?: number;
}

export interface MessagesRequestBody {
	model: string;
	stream?: boolean;
	messages: { role: string; content: string | { type: string; [key: string]: unknown }[] }[];
}

export interface FakeModelApi<Body> {
	url: string;
	/** Every well-formed, authorised request, in arrival order. */
	requests: Body[];
	/** Requests refused for a wrong or missing key. */
	unauthorised: number;
	close(): Promise<void>;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function readJson(req: IncomingMessage): Promise<unknown> {
	const chunks: Buffer[] = [];
	for await (const chunk of req) chunks.push(chunk as Buffer);
	const text = Buffer.concat(chunks).toString('utf8');
	return text ? JSON.parse(text) : null;
}

function json(res: ServerResponse, status: number, body: unknown): void {
	res.writeHead(status, { 'content-type': 'application/json' });
	res.end(JSON.stringify(body));
}

async function listen(server: Server): Promise<string> {
	await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
	return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

function closer(server: Server): () => Promise<void> {
	return () =>
		new Promise((resolve) => {
			server.closeAllConnections();
			server.close(() => resolve());
		});
}

/** Stops writing once the client went away (an aborted task). */
function open(res: ServerResponse): boolean {
	return !res.destroyed && !res.writableEnded;
}

/**
 * The Anthropic Messages API: requests must carry the key (`x-api-key` or a bearer token); `reply` picks the
 * answer for each request (it sees the whole conversation, so it can tell a first turn from a
 * turn after a tool_result).
 */
export async function startFakeAnthropic(opts: {
	apiKey: string;
	reply: (body: MessagesRequestBody) => ModelReply;
}): Promise<FakeModelApi<MessagesRequestBody>> {
	const api: FakeModelApi<MessagesRequestBody> = {
		url: '',
		requests: [],
		unauthorised: 0,
		close: async () => {}
	};
	const server = createServer(async (req, res) => {
		const body = (await readJson(req).catch(() => null)) as MessagesRequestBody | null;
		if (req.method !== 'POST' || !req.url?.startsWith('/v1/messages')) {
			return json(res, 404, {
				type: 'error',
				error: { type: 'not_found_error', message: 'Not found' }
			});
		}
		// SDK 1.x sends the key as a bearer token; older ones as x-api-key.
		const key = req.headers['x-api-key'] ?? req.headers.authorization?.replace(/^Bearer /, '');
		if (key !== opts.apiKey) {
			api.unauthorised++;
			return json(res, 401, {
				type: 'error',
				error: { type: 'authentication_error', message: 'invalid x-api-key' }
			});
		}
		if (!body || !Array.isArray(body.messages) || body.stream !== true) {
			return json(res, 400, {
				type: 'error',
				error: { type: 'invalid_request_error', message: 'fake: stream: true only' }
			});
		}
		api.requests.push(body);
		const reply = opts.reply(body);
		res.writeHead(200, {
			'content-type': 'text/event-stream; charset=utf-8',
			'cache-control': 'no-cache'
		});
		const send = (event: string, data: unknown) => {
			if (open(res)) res.write(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
		};
		const usage = {
			input_tokens: 100,
			cache_creation_input_tokens: 0,
			cache_read_input_tokens: 0,
			output_tokens: 1
		};
		send('message_start', {
			type: 'message_start',
			message: {
				id: `msg_${randomUUID().replaceAll('-', '')}`,
				type: 'message',
				role: 'assistant',
				model: body.model,
				content: [],
				stop_reason: null,
				stop_sequence: null,
				usage
			}
		});
		send('ping', { type: 'ping' });
		let toolUse = false;
		for (const [index, block] of reply.blocks.entries()) {
			if (block.type === 'text') {
				send('content_block_start', {
					type: 'content_block_start',
					index,
					content_block: { type: 'text', text: '' }
				});
				for (const piece of block.pieces) {
					await sleep(reply.delayMs ?? 0);
					send('content_block_delta', {
						type: 'content_block_delta',
						index,
						delta: { type: 'text_delta', text: piece }
					});
				}
			} else {
				toolUse = true;
				const id = `toolu_${randomUUID().replaceAll('-', '').slice(0, 24)}`;
				send('content_block_start', {
					type: 'content_block_start',
					index,
					content_block: { type: 'tool_use', id, name: block.name, input: {} }
				});
				const input = JSON.stringify(block.input);
				const cut = Math.ceil(input.length / 2);
				for (const partial of ['', input.slice(0, cut), input.slice(cut)]) {
					send('content_block_delta', {
						type: 'content_block_delta',
						index,
						delta: { type: 'input_json_delta', partial_json: partial }
					});
				}
			}
			send('content_block_stop', { type: 'content_block_stop', index });
		}
		send('message_delta', {
			type: 'message_delta',
			delta: { stop_reason: toolUse ? 'tool_use' : 'end_turn', stop_sequence: null },
			usage: { output_tokens: 20 }
		});
		send('message_stop', { type: 'message_stop' });
		if (open(res)) res.end();
	});
	api.url = await listen(server);
	api.close = closer(server);
	return api;
}

export interface ChatRequestBody {
	model: string;
	stream: boolean;
	messages: { role: string; content: string }[];
}

/**
 * An OpenAI-compatible chat completions gateway: requests must carry `Authorization: Bearer
 * <apiKey>`; every prompt is answered with `reply(body)`, streamed piece by piece.
 */
export async function startFakeOpenAI(opts: {
	apiKey: string;
	reply: (body: ChatRequestBody) => { pieces: string[]; delayMs?: number };
}): Promise<FakeModelApi<ChatRequestBody>> {
	const api: FakeModelApi<ChatRequestBody> = {
		url: '',
		requests: [],
		unauthorised: 0,
		close: async () => {}
	};
	const server = createServer(async (req, res) => {
		const body = (await readJson(req).catch(() => null)) as ChatRequestBody | null;
		if (req.headers.authorization !== `Bearer ${opts.apiKey}`) {
			api.unauthorised++;
			return json(res, 401, {
				error: {
					message: 'Incorrect API key provided.',
					type: 'invalid_request_error',
					code: 'invalid_api_key'
				}
			});
		}
		if (req.method === 'GET' && req.url === '/v1/models') {
			return json(res, 200, {
				object: 'list',
				data: [{ id: 'openclaw', object: 'model', created: 1700000000, owned_by: 'openclaw' }]
			});
		}
		if (
			req.method !== 'POST' ||
			req.url !== '/v1/chat/completions' ||
			!body ||
			!Array.isArray(body.messages)
		) {
			return json(res, 404, {
				error: { message: 'Not found', type: 'invalid_request_error', code: null }
			});
		}
		api.requests.push(body);
		const reply = opts.reply(body);
		res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
		const id = `chatcmpl-${randomUUID()}`;
		const chunk = (delta: Record<string, unknown>, finish: string | null) =>
			`data: ${JSON.stringify({ id, object: 'chat.completion.chunk', created: Math.floor(Date.now() / 1000), model: body.model, choices: [{ index: 0, delta, finish_reason: finish }] })}\n\n`;
		res.write(chunk({ role: 'assistant' }, null));
		for (const piece of reply.pieces) {
			await sleep(reply.delayMs ?? 0);
			if (open(res)) res.write(chunk({ content: piece }, null));
		}
		if (open(res)) res.end(chunk({}, 'stop') + 'data: [DONE]\n\n');
	});
	api.url = await listen(server);
	api.close = closer(server);
	return api;
}

/** The text of the last user message (a string, or its text blocks), for picking a reply. */
export function lastUserText(messages: MessagesRequestBody['messages']): string {
	const last = [...messages].reverse().find((m) => m.role === 'user');
	if (!last) return '';
	if (typeof last.content === 'string') return last.content;
	return last.content
		.filter((b) => b.type === 'text')
		.map((b) => String(b.text))
		.join('\n');
}
