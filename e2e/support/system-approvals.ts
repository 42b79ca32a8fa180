/**
 * Approvals in the system tests: a fake model that runs the prompt's `$ command` lines one by
 * one with the claude-sdk runner's run_command tool and then reports what each tool call
 * returned, and the Telegram side of an approval request (its message, a tap on a button, a
 * reply to it).
 */
import type { FakeTelegram, StoredMessage } from '../../web/test/harness/telegram-api.ts';
import type { MessagesRequestBody, ModelReply } from './system-fakes.ts';
import { waitForChat } from './system-chat.ts';
import type { TelegramUser } from './telegram-login.ts';
import { signInCookie } from './system.ts';

/** The tool results the model received so far in this conversation, oldest first. */
export function toolResults(body: MessagesRequestBody): string[] {
	return body.messages.flatMap((m) =>
		typeof m.content === 'string'
			? []
			: m.content
					.filter((b) => b.type === 'tool_result')
					.map((b) => (typeof b.content === 'string' ? b.content : JSON.stringify(b.content)))
	);
}

/**
 * For a prompt of `$ command` lines: one run_command call per line, in order, then a text that
 * quotes every result ("Results: 1) … 2) …"). Null for any other prompt.
 */
export function approvalsScript(body: MessagesRequestBody): ModelReply | null {
	const first = body.messages[0];
	const prompt = typeof first?.content === 'string' ? first.content : '';
	const commands = prompt
		.split('\n')
		.filter((l) => l.startsWith('$ '))
		.map((l) => l.slice(2));
	if (commands.length === 0) return null;
	const results = toolResults(body);
	const next = commands[results.length];
	if (next !== undefined) {
		return { blocks: [{ type: 'tool_use', name: 'run_command', input: { command: next } }] };
	}
	const quoted = results.map((r, i) => `${i + 1}) ${r.replace(/\s+/g, ' ').trim()}`).join(' ');
	return { blocks: [{ type: 'text', pieces: ['Results: ', quoted] }] };
}

export const isApproval = (m: StoredMessage) => m.visible.includes(' asks to use ');

/** The approval request about `what` in the user's chat, and its buttons' callback data. */
export async function approvalRequest(
	telegram: FakeTelegram,
	user: TelegramUser,
	what: string,
	timeoutMs = 20_000
): Promise<{ message: StoredMessage; buttons: Record<string, string> }> {
	const message = await waitForChat(
		telegram,
		user,
		`an approval request for ${what}`,
		(ms) => ms.find((m) => isApproval(m) && m.visible.includes(what)),
		timeoutMs
	);
	const markup = message.reply_markup as
		{ inline_keyboard: { text: string; callback_data: string }[][] } | undefined;
	const buttons = Object.fromEntries(
		(markup?.inline_keyboard ?? []).flat().map((b) => [b.text, b.callback_data])
	);
	return { message, buttons };
}

let updateId = 900_000;

/** A tap on an inline button of `messageId`, as Telegram delivers it. */
export function callbackUpdate(user: TelegramUser, data: string, messageId: number) {
	const id = ++updateId;
	return {
		update_id: id,
		callback_query: {
			id: `cb${id}`,
			chat_instance: 'ci',
			data,
			from: { id: user.id, is_bot: false, first_name: user.first_name, username: user.username },
			message: {
				message_id: messageId,
				date: Math.floor(Date.now() / 1000),
				chat: { id: user.id, type: 'private', first_name: user.first_name }
			}
		}
	};
}

/** A text message that replies to `repliedTo` (a bot message in the user's chat). */
export function replyUpdate(
	telegram: FakeTelegram,
	user: TelegramUser,
	text: string,
	repliedTo: StoredMessage
) {
	const id = ++updateId;
	const chat = { id: user.id, type: 'private', first_name: user.first_name };
	return {
		update_id: id,
		message: {
			message_id: id,
			date: Math.floor(Date.now() / 1000),
			chat,
			from: { id: user.id, is_bot: false, first_name: user.first_name, username: user.username },
			text,
			// Whole, as Telegram sends it: sender, text and buttons.
			reply_to_message: telegram.asMessage(repliedTo)
		}
	};
}

/** What the bot answered to a callback query (its toast), if it answered. */
export function callbackAnswer(telegram: FakeTelegram, callbackId: string): string | undefined {
	const call = telegram.calls.find(
		(c) => c.method === 'answerCallbackQuery' && c.payload.callback_query_id === callbackId
	);
	return call ? String(call.payload.text ?? '') : undefined;
}

/** The dashboard's agents page as `user` sees it (signed in with a Login Widget form post). */
export async function agentsPage(baseURL: string, user: TelegramUser, botToken: string) {
	const cookie = await signInCookie(baseURL, user, botToken);
	const page = await fetch(`${baseURL}/agents`, { headers: { cookie } });
	return page.text();
}
