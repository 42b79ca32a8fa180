import { asBool, asInt, asObject, type Payload } from './body.ts';
import { badRequest, conflict, ok, type ApiResponse } from './responses.ts';

/**
 * Incoming updates: queued for getUpdates (long polling, with Telegram's offset/limit/timeout
 * rules and its 409 conflicts), or POSTed to the webhook when one is set.
 */

export type Update = { update_id: number } & Record<string, unknown>;

export interface Webhook {
	url: string;
	secret_token?: string;
	max_connections: number;
	allowed_updates?: string[];
	last_error_date?: number;
	last_error_message?: string;
}

/** Sent unless asked for explicitly (Bot API docs of allowed_updates). */
const OPT_IN = new Set(['chat_member', 'message_reaction', 'message_reaction_count']);
const SECRET = /^[A-Za-z0-9_-]{1,256}$/;

interface Poller {
	resolve(response: ApiResponse): void;
	timer: ReturnType<typeof setTimeout>;
	offset: number;
	limit: number;
}

export class Updates {
	private queue: Update[] = [];
	private nextId = 1;
	private allowed: string[] = [];
	private poller: Poller | undefined;
	webhook: Webhook | undefined;

	private wanted(update: Update): boolean {
		const type = Object.keys(update).find((k) => k !== 'update_id') ?? '';
		return this.allowed.length === 0 ? !OPT_IN.has(type) : this.allowed.includes(type);
	}

	private take(offset: number, limit: number): Update[] {
		if (offset < 0) this.queue = this.queue.slice(offset);
		else this.queue = this.queue.filter((u) => u.update_id >= offset);
		this.queue = this.queue.filter((u) => this.wanted(u));
		return this.queue.slice(0, limit);
	}

	/** Adds an update (numbered if it has no update_id); delivers it if a webhook is set. */
	async push(
		input: Record<string, unknown>
	): Promise<{ update_id: number; webhookStatus?: number }> {
		const update_id = asInt(input.update_id) ?? this.nextId;
		this.nextId = Math.max(this.nextId, update_id + 1);
		const update = { ...input, update_id } as Update;
		this.queue.push(update);
		if (this.webhook) return { update_id, webhookStatus: await this.deliver(update, this.webhook) };
		const poller = this.poller;
		if (poller) {
			const ready = this.take(poller.offset, poller.limit);
			if (ready.length > 0) this.finishPoll(poller, ok(ready));
		}
		return { update_id };
	}

	/** One delivery attempt, like Telegram's: a 2xx removes the update, anything else keeps it. */
	private async deliver(update: Update, webhook: Webhook): Promise<number> {
		const headers: Record<string, string> = { 'content-type': 'application/json' };
		if (webhook.secret_token) headers['x-telegram-bot-api-secret-token'] = webhook.secret_token;
		let status = 0;
		try {
			const res = await fetch(webhook.url, {
				method: 'POST',
				headers,
				body: JSON.stringify(update)
			});
			status = res.status;
			await res.arrayBuffer();
		} catch (error) {
			webhook.last_error_message = `Connection refused: ${(error as Error).message}`;
		}
		if (status >= 200 && status < 300) {
			this.queue = this.queue.filter((u) => u !== update);
		} else if (status !== 0) {
			webhook.last_error_message = `Wrong response from the webhook: ${status}`;
		}
		if (status < 200 || status >= 300) webhook.last_error_date = Math.floor(Date.now() / 1000);
		return status;
	}

	getUpdates(
		payload: Payload,
		onAbort: (cancel: () => void) => void
	): ApiResponse | Promise<ApiResponse> {
		if (this.webhook) {
			return conflict(
				"can't use getUpdates method while webhook is active; use deleteWebhook to delete the webhook first"
			);
		}
		if (this.poller)
			this.finishPoll(
				this.poller,
				conflict(
					'terminated by other getUpdates request; make sure that only one bot instance is running'
				)
			);
		const allowed = asObject(payload.allowed_updates);
		if (Array.isArray(allowed)) this.allowed = allowed.map(String);
		const offset = asInt(payload.offset) ?? 0;
		const limit = Math.min(100, Math.max(1, asInt(payload.limit) ?? 100));
		const timeout = Math.max(0, asInt(payload.timeout) ?? 0);
		const ready = this.take(offset, limit);
		if (ready.length > 0 || timeout === 0) return ok(ready);
		return new Promise<ApiResponse>((resolve) => {
			const poller: Poller = {
				resolve,
				offset,
				limit,
				timer: setTimeout(() => this.finishPoll(poller, ok([])), timeout * 1000)
			};
			this.poller = poller;
			onAbort(() => this.finishPoll(poller, ok([])));
		});
	}

	private finishPoll(poller: Poller, response: ApiResponse) {
		clearTimeout(poller.timer);
		if (this.poller === poller) this.poller = undefined;
		poller.resolve(response);
	}

	setWebhook(payload: Payload): ApiResponse {
		const url = typeof payload.url === 'string' ? payload.url : '';
		const secret = payload.secret_token;
		if (
			secret !== undefined &&
			secret !== '' &&
			(typeof secret !== 'string' || !SECRET.test(secret))
		) {
			return badRequest('secret token contains unallowed characters');
		}
		const maxConnections = asInt(payload.max_connections) ?? 40;
		if (maxConnections < 1 || maxConnections > 100)
			return badRequest('invalid max_connections specified');
		if (url !== '' && !/^https?:\/\/\S+$/.test(url))
			return badRequest('bad webhook: invalid webhook URL specified');
		if (asBool(payload.drop_pending_updates)) this.queue = [];
		if (this.poller) this.finishPoll(this.poller, conflict('terminated by setWebhook request'));
		const allowed = asObject(payload.allowed_updates);
		if (Array.isArray(allowed)) this.allowed = allowed.map(String);
		this.webhook =
			url === ''
				? undefined
				: {
						url,
						max_connections: maxConnections,
						...(typeof secret === 'string' && secret !== '' ? { secret_token: secret } : {}),
						...(Array.isArray(allowed) ? { allowed_updates: allowed.map(String) } : {})
					};
		return ok(true, url === '' ? 'Webhook was deleted' : 'Webhook was set');
	}

	deleteWebhook(payload: Payload): ApiResponse {
		if (asBool(payload.drop_pending_updates)) this.queue = [];
		const had = this.webhook !== undefined;
		this.webhook = undefined;
		return ok(true, had ? 'Webhook was deleted' : 'Webhook is already deleted');
	}

	getWebhookInfo(): ApiResponse {
		const w = this.webhook;
		return ok({
			url: w?.url ?? '',
			has_custom_certificate: false,
			pending_update_count: this.queue.length,
			...(w
				? {
						max_connections: w.max_connections,
						...(w.allowed_updates ? { allowed_updates: w.allowed_updates } : {}),
						...(w.last_error_date
							? { last_error_date: w.last_error_date, last_error_message: w.last_error_message }
							: {})
					}
				: {})
		});
	}

	/** Ends a pending long poll (server shutdown). */
	close() {
		if (this.poller) this.finishPoll(this.poller, ok([]));
	}
}
