import { asInt, asObject, type Payload, type UploadedFile } from './body.ts';
import type { Entity } from './html.ts';
import { badRequest, NOT_MODIFIED, ok, type ApiResponse } from './responses.ts';
import { formatMessageText, type FormattedText } from './text.ts';

/** The harness's view of one message: what was sent, and what Telegram would show. */
export interface StoredMessage {
	message_id: number;
	chat_id: number | string;
	date: number;
	edit_date?: number;
	/** The `text` parameter as last sent or edited (HTML source when parse_mode is HTML). */
	text: string;
	parse_mode?: string;
	reply_markup?: unknown;
	/** The message this one answers (`reply_parameters.message_id`). */
	reply_to?: number;
	/** The text Telegram would display (markup parsed, trimmed) and its entities. */
	visible: string;
	entities: Entity[];
	/** Successful edits so far. */
	edits: number;
	deleted: boolean;
	/** Set for sendDocument: the uploaded file as received. */
	document?: UploadedFile;
}

export interface HtmlSwitches {
	/** Reject every parse_mode HTML text, as if the markup were broken. */
	reject: boolean;
	/** Also reject a bare `&` or `>` (see html.ts). */
	strict: boolean;
}

interface Chat {
	next: number;
	messages: Map<number, StoredMessage>;
}

function chatObject(id: number | string): Record<string, unknown> {
	if (typeof id === 'string')
		return {
			id: -1_000_000_000_000 - id.length,
			type: 'channel',
			title: id,
			username: id.slice(1)
		};
	if (id > 0) return { id, type: 'private', first_name: 'Test', username: `user${id}` };
	return id <= -1_000_000_000_000
		? { id, type: 'supergroup', title: 'Test group' }
		: { id, type: 'group', title: 'Test group' };
}

function chatId(value: unknown): number | string | undefined {
	const n = asInt(value);
	if (n !== undefined && n !== 0) return n;
	return typeof value === 'string' && /^@\w{4,}$/.test(value) ? value : undefined;
}

const now = () => Math.floor(Date.now() / 1000);

export class Messages {
	private readonly chats = new Map<string, Chat>();

	constructor(
		private readonly from: Record<string, unknown>,
		private readonly html: HtmlSwitches
	) {}

	list(id: number | string): StoredMessage[] {
		const chat = this.chats.get(String(id));
		return chat ? [...chat.messages.values()].map((m) => structuredClone(m)) : [];
	}

	private format(payload: Payload): FormattedText {
		const mode = typeof payload.parse_mode === 'string' ? payload.parse_mode : undefined;
		if (this.html.reject && mode?.toLowerCase() === 'html') {
			return {
				ok: false,
				description: "Bad Request: can't parse entities: Unexpected end tag at byte offset 0"
			};
		}
		return formatMessageText(payload.text, mode, { strict: this.html.strict });
	}

	/** The message as the Bot API shows it: a method's result, a reply's `reply_to_message`. */
	asMessage(m: StoredMessage): Record<string, unknown> {
		const markup = m.reply_markup as { inline_keyboard?: unknown } | undefined;
		return {
			message_id: m.message_id,
			from: this.from,
			chat: chatObject(m.chat_id),
			date: m.date,
			...(m.edit_date ? { edit_date: m.edit_date } : {}),
			text: m.visible,
			...(m.entities.length > 0 ? { entities: m.entities } : {}),
			...(markup?.inline_keyboard ? { reply_markup: markup } : {})
		};
	}

	send(payload: Payload): ApiResponse {
		const id = chatId(payload.chat_id);
		if (id === undefined)
			return badRequest(payload.chat_id === undefined ? 'chat_id is empty' : 'chat not found');
		const formatted = this.format(payload);
		if (!formatted.ok) return { ok: false, error_code: 400, description: formatted.description };
		const key = String(id);
		const chat = this.chats.get(key) ?? { next: 1, messages: new Map() };
		this.chats.set(key, chat);
		const message: StoredMessage = {
			message_id: chat.next++,
			chat_id: id,
			date: now(),
			text: payload.text as string,
			...(typeof payload.parse_mode === 'string' ? { parse_mode: payload.parse_mode } : {}),
			...(payload.reply_markup !== undefined
				? { reply_markup: asObject(payload.reply_markup) }
				: {}),
			...replyTo(payload),
			visible: formatted.text,
			entities: formatted.entities,
			edits: 0,
			deleted: false
		};
		chat.messages.set(message.message_id, message);
		return ok(this.asMessage(message));
	}

	/** sendDocument with an uploaded file (multipart); the caption is the message's text. */
	sendDocument(payload: Payload): ApiResponse {
		const id = chatId(payload.chat_id);
		if (id === undefined) return badRequest('chat not found');
		// grammY names the file part and passes `attach://<part>`.
		const attached = /^attach:\/\/(.+)$/.exec(String(payload.document ?? ''));
		const document = (attached ? payload[attached[1]!] : payload.document) as
			UploadedFile | undefined;
		if (!document || typeof document !== 'object' || document.size === 0) {
			return badRequest('file must be non-empty');
		}
		const chat = this.chats.get(String(id)) ?? { next: 1, messages: new Map() };
		this.chats.set(String(id), chat);
		const caption = typeof payload.caption === 'string' ? payload.caption : '';
		const message: StoredMessage = {
			message_id: chat.next++,
			chat_id: id,
			date: now(),
			text: caption,
			...replyTo(payload),
			visible: caption,
			entities: [],
			edits: 0,
			deleted: false,
			document
		};
		chat.messages.set(message.message_id, message);
		return ok({
			...this.asMessage(message),
			document: { file_id: `doc-${message.message_id}`, file_name: document.filename }
		});
	}

	private find(payload: Payload, what: 'edit' | 'delete'): StoredMessage | ApiResponse {
		const id = chatId(payload.chat_id);
		const messageId = asInt(payload.message_id);
		if (id === undefined)
			return badRequest(payload.chat_id === undefined ? 'chat_id is empty' : 'chat not found');
		if (messageId === undefined) return badRequest('message identifier is not specified');
		const message = this.chats.get(String(id))?.messages.get(messageId);
		if (!message || message.deleted) return badRequest(`message to ${what} not found`);
		return message;
	}

	/** editMessageText and editMessageReplyMarkup (a missing reply_markup removes the keyboard). */
	edit(payload: Payload, textToo: boolean): ApiResponse {
		const found = this.find(payload, 'edit');
		if ('ok' in found) return found;
		let formatted: FormattedText = { ok: true, text: found.visible, entities: found.entities };
		if (textToo) formatted = this.format(payload);
		if (!formatted.ok) return { ok: false, error_code: 400, description: formatted.description };
		const markup = asObject(payload.reply_markup);
		const same =
			formatted.text === found.visible &&
			JSON.stringify(formatted.entities) === JSON.stringify(found.entities) &&
			JSON.stringify(markup) === JSON.stringify(found.reply_markup);
		if (same) return NOT_MODIFIED;
		if (textToo) {
			found.text = payload.text as string;
			if (typeof payload.parse_mode === 'string') found.parse_mode = payload.parse_mode;
			else delete found.parse_mode;
		}
		found.visible = formatted.text;
		found.entities = formatted.entities;
		if (markup === undefined) delete found.reply_markup;
		else found.reply_markup = markup;
		found.edits++;
		found.edit_date = now();
		return ok(this.asMessage(found));
	}

	delete(payload: Payload): ApiResponse {
		const found = this.find(payload, 'delete');
		if ('ok' in found) return found;
		found.deleted = true;
		return ok(true);
	}
}

function replyTo(payload: Payload): { reply_to?: number } {
	const parameters = asObject(payload.reply_parameters) as { message_id?: unknown } | undefined;
	const id = asInt(parameters?.message_id);
	return id === undefined ? {} : { reply_to: id };
}
