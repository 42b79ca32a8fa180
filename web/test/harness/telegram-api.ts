import { createServer, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { UserFromGetMe } from 'grammy/types';
import { asObject, readPayload, type Payload } from './telegram-api/body.ts';
import { Messages, type HtmlSwitches, type StoredMessage } from './telegram-api/messages.ts';
import {
	badRequest,
	METHOD_NOT_FOUND,
	ok,
	UNAUTHORIZED,
	type ApiError,
	type ApiResponse
} from './telegram-api/responses.ts';
import { Updates, type Webhook } from './telegram-api/updates.ts';
import { Files } from './telegram-api/files.ts';

/**
 * A local stand-in for the Telegram Bot API, for grammY's `client: { apiRoot }`: it speaks the
 * real wire format (`POST /bot<token>/<method>`, JSON/urlencoded/multipart bodies, `{ok, result}`
 * / `{ok:false, error_code, description, parameters}` with the HTTP status of error_code), parses
 * HTML like Telegram, records every call and can inject failures. State lives in memory per
 * instance: one instance per test file.
 */

export type { StoredMessage } from './telegram-api/messages.ts';
export type { Webhook } from './telegram-api/updates.ts';

export interface RecordedCall {
	method: string;
	payload: Payload;
	/** Date.now() when the request arrived. */
	at: number;
	/** performance.now() when the request had arrived (body read), for latency measurements. */
	receivedAt: number;
	/** Set once answered. */
	response?: ApiResponse;
}

export interface FakeTelegram {
	/** Pass as `new Bot(token, { client: { apiRoot } })`. */
	apiRoot: string;
	token: string;
	/** What getMe returns; pass as `botInfo` to skip the bot's init call. */
	botInfo: UserFromGetMe;
	calls: RecordedCall[];
	/** Calls `listener` with every call as it arrives, before it is answered; returns the unsubscribe. */
	onCall(listener: (call: RecordedCall) => void): () => void;
	/** Every message sent to the chat (deleted ones flagged), in the state after all edits. */
	messages(chatId: number | string): StoredMessage[];
	/**
	 * A sent message as the Bot API shows it, with its sender (the bot), text and buttons: what
	 * Telegram puts in `reply_to_message` when a person replies to it.
	 */
	asMessage(message: StoredMessage): Record<string, unknown>;
	/** Queues an update for getUpdates, or POSTs it to the webhook if one is set. */
	pushUpdate(
		update: Record<string, unknown>
	): Promise<{ update_id: number; webhookStatus?: number }>;
	/** The next `times` calls of `method` ('*' = any) fail with `error` instead of running. */
	failNext(method: string, error: Omit<ApiError, 'ok'>, times?: number): void;
	/** While on, every parse_mode HTML text is refused with "can't parse entities". */
	rejectHtml(on: boolean): void;
	/** The webhook set with setWebhook, including its secret_token. */
	readonly webhook: Webhook | undefined;
	/** Files users sent to the bot: `add` returns the file_id for a photo or document update. */
	files: Files;
	/** Resolves with the predicate's first truthy value; rejects after timeoutMs. */
	waitFor<T>(predicate: () => T | undefined | null | false, timeoutMs?: number): Promise<T>;
	close(): Promise<void>;
}

export interface FakeTelegramOptions {
	token?: string;
	/** Reject a bare `&` or `>` in HTML too (Telegram itself keeps them as text). */
	strictHtml?: boolean;
}

const CHAT_ACTIONS = new Set([
	'typing',
	'upload_photo',
	'record_video',
	'upload_video',
	'record_voice',
	'upload_voice',
	'upload_document',
	'choose_sticker',
	'find_location',
	'record_video_note',
	'upload_video_note'
]);

function send(res: ServerResponse, response: ApiResponse) {
	res.writeHead(response.ok ? 200 : response.error_code, { 'content-type': 'application/json' });
	res.end(JSON.stringify(response));
}

/** What `getMe` answers for a test bot: its id is the token's first part. */
export function testBotInfo(token: string, firstName: string, username: string): UserFromGetMe {
	return {
		id: Number(token.split(':')[0]) || 123456789,
		is_bot: true,
		first_name: firstName,
		username,
		can_join_groups: true,
		can_read_all_group_messages: false,
		supports_inline_queries: false,
		can_connect_to_business: false,
		has_main_web_app: false,
		has_topics_enabled: false,
		allows_users_to_create_topics: false,
		can_manage_bots: false,
		supports_join_request_queries: false
	};
}

export async function createFakeTelegram(options: FakeTelegramOptions = {}): Promise<FakeTelegram> {
	const token = options.token ?? '123456789:TEST-fake-telegram-token';
	const botInfo = testBotInfo(token, 'Test Bot', 'test_bot');
	const html: HtmlSwitches = { reject: false, strict: options.strictHtml ?? false };
	const messages = new Messages(
		{ id: botInfo.id, is_bot: true, first_name: botInfo.first_name, username: botInfo.username },
		html
	);
	const updates = new Updates();
	const files = new Files();
	const commands = new Map<string, unknown[]>();
	const failures: { method: string; error: ApiError; times: number }[] = [];
	const calls: RecordedCall[] = [];
	const listeners = new Set<(call: RecordedCall) => void>();

	const commandKey = (p: Payload) =>
		JSON.stringify([asObject(p.scope) ?? { type: 'default' }, p.language_code ?? '']);
	const methods: Record<
		string,
		(p: Payload, onAbort: (cancel: () => void) => void) => ApiResponse | Promise<ApiResponse>
	> = {
		getme: () => ok(botInfo),
		sendmessage: (p) => messages.send(p),
		editmessagetext: (p) => messages.edit(p, true),
		editmessagereplymarkup: (p) => messages.edit(p, false),
		deletemessage: (p) => messages.delete(p),
		answercallbackquery: (p) =>
			typeof p.callback_query_id === 'string' && p.callback_query_id !== ''
				? ok(true)
				: badRequest('query is too old and response timeout expired or query ID is invalid'),
		sendchataction: (p) =>
			typeof p.action === 'string' && CHAT_ACTIONS.has(p.action)
				? ok(true)
				: badRequest('wrong parameter action in request'),
		setmycommands: (p) => {
			const list = asObject(p.commands);
			if (!Array.isArray(list) || list.length > 100)
				return badRequest('parameter "commands" is required');
			for (const c of list as { command?: unknown; description?: unknown }[]) {
				if (typeof c.command !== 'string' || !/^[a-z0-9_]{1,32}$/.test(c.command))
					return badRequest('BOT_COMMAND_INVALID');
				if (
					typeof c.description !== 'string' ||
					c.description.length < 1 ||
					c.description.length > 256
				) {
					return badRequest('BOT_COMMAND_DESCRIPTION_INVALID');
				}
			}
			commands.set(commandKey(p), list);
			return ok(true);
		},
		getmycommands: (p) => ok(commands.get(commandKey(p)) ?? []),
		deletemycommands: (p) => (commands.delete(commandKey(p)), ok(true)),
		setwebhook: (p) => updates.setWebhook(p),
		deletewebhook: (p) => updates.deleteWebhook(p),
		getwebhookinfo: () => updates.getWebhookInfo(),
		getupdates: (p, onAbort) => updates.getUpdates(p, onAbort),
		getfile: (p) => files.getFile(p),
		senddocument: (p) => messages.sendDocument(p)
	};

	function injected(method: string): ApiError | undefined {
		const i = failures.findIndex((f) => f.method === '*' || f.method === method.toLowerCase());
		if (i === -1) return undefined;
		const failure = failures[i]!;
		if (--failure.times <= 0) failures.splice(i, 1);
		return failure.error;
	}

	const server = createServer(async (req, res) => {
		const url = new URL(req.url ?? '/', 'http://127.0.0.1');
		const download = /^\/file\/bot([^/]*)\/(.+)$/.exec(url.pathname);
		if (download) {
			const bytes = decodeURIComponent(download[1]!) === token && files.download(download[2]!);
			res.writeHead(bytes ? 200 : 404, { 'content-length': bytes ? bytes.length : 0 });
			return void res.end(bytes || undefined);
		}
		const route = /^\/bot([^/]*)\/(?:test\/)?([^/]+)$/.exec(url.pathname);
		if (!route) return send(res, { ok: false, error_code: 404, description: 'Not Found' });
		const method = decodeURIComponent(route[2]!);
		let payload: Payload;
		try {
			payload = await readPayload(req, url);
		} catch {
			return send(res, badRequest("can't parse request body"));
		}
		const call: RecordedCall = { method, payload, at: Date.now(), receivedAt: performance.now() };
		calls.push(call);
		for (const listener of listeners) listener(call);
		const answer = (response: ApiResponse) => {
			call.response = response;
			if (!res.writableEnded && !res.destroyed) send(res, response);
		};
		if (decodeURIComponent(route[1]!) !== token) return answer(UNAUTHORIZED);
		const failure = injected(method);
		if (failure) return answer(failure);
		const handler = methods[method.toLowerCase()];
		if (!handler) return answer(METHOD_NOT_FOUND);
		try {
			answer(
				await handler(payload, (cancel) => res.on('close', () => !res.writableEnded && cancel()))
			);
		} catch (error) {
			answer({
				ok: false,
				error_code: 500,
				description: `Internal Server Error: ${(error as Error).message}`
			});
		}
	});
	await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
	const { port } = server.address() as AddressInfo;

	return {
		apiRoot: `http://127.0.0.1:${port}`,
		token,
		botInfo,
		calls,
		onCall(listener) {
			listeners.add(listener);
			return () => listeners.delete(listener);
		},
		messages: (chatId) => messages.list(chatId),
		asMessage: (message) => messages.asMessage(message),
		pushUpdate: (update) => updates.push(update),
		files,
		failNext(method, error, times = 1) {
			failures.push({ method: method.toLowerCase(), error: { ok: false, ...error }, times });
		},
		rejectHtml(on) {
			html.reject = on;
		},
		get webhook() {
			return updates.webhook;
		},
		async waitFor(predicate, timeoutMs = 5_000) {
			const deadline = Date.now() + timeoutMs;
			for (;;) {
				const value = predicate();
				if (value) return value;
				if (Date.now() > deadline)
					throw new Error(`waitFor: condition not met within ${timeoutMs} ms`);
				await new Promise((resolve) => setTimeout(resolve, 10));
			}
		},
		async close() {
			updates.close();
			server.closeAllConnections();
			await new Promise<void>((resolve) => server.close(() => resolve()));
		}
	};
}
