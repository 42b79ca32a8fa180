/**
 * The Telegram side of the system tests: updates as Telegram sends them, and the chat as the
 * person sees it in the Bot API stand-in (the relay's notices apart from the runner's output).
 */
import type { FakeTelegram, StoredMessage } from '../../web/test/harness/telegram-api.ts';
import type { TelegramUser } from './telegram-login.ts';

let updateId = 500_000;

/** A private-chat text message from `user`, as Telegram delivers it. */
export function textUpdate(user: TelegramUser, text: string, id = ++updateId) {
	return {
		update_id: id,
		message: {
			message_id: id,
			date: Math.floor(Date.now() / 1000),
			chat: { id: user.id, type: 'private', first_name: user.first_name, username: user.username },
			from: { id: user.id, is_bot: false, first_name: user.first_name, username: user.username },
			text
		}
	};
}

export const isWorking = (agentName: string) => (m: StoredMessage) =>
	m.visible.startsWith(`▶ ${agentName}: working…`);
export const isDone = (m: StoredMessage) => /^✅ Done in /.test(m.visible);
export const isAborted = (m: StoredMessage) => m.visible === '⏹ Aborted';
export const isFailed = (m: StoredMessage) => m.visible.startsWith('❌');
/** Messages the relay writes itself (status, queue, end notices, change summaries), not runner output. */
export const isNotice = (m: StoredMessage) => /^(▶|✅|❌|⏹|⏳|○|⚠️|⌛|📝|↩)/.test(m.visible);

/** The runner output among `messages`, as one text. */
export function outputText(messages: StoredMessage[]): string {
	return messages
		.filter((m) => !isNotice(m))
		.map((m) => m.visible)
		.join('\n');
}

/** The chat, for failure messages. */
export function describeChat(telegram: FakeTelegram, user: TelegramUser): string {
	const lines = telegram
		.messages(user.id)
		.map(
			(m) =>
				`  #${m.message_id}${m.edits ? ` (${m.edits} edits)` : ''}: ${JSON.stringify(m.visible).slice(0, 300)}`
		);
	return lines.length ? lines.join('\n') : '  (no messages)';
}

/** Polls the chat (messages not deleted) until `predicate` holds; the error shows the chat. */
export async function waitForChat<T>(
	telegram: FakeTelegram,
	user: TelegramUser,
	what: string,
	predicate: (messages: StoredMessage[]) => T | undefined | null | false,
	timeoutMs = 15_000
): Promise<T> {
	const deadline = Date.now() + timeoutMs;
	for (;;) {
		const value = predicate(telegram.messages(user.id).filter((m) => !m.deleted));
		if (value) return value;
		if (Date.now() > deadline) {
			throw new Error(
				`e2e: waited ${timeoutMs} ms for ${what}; the chat has:\n${describeChat(telegram, user)}`
			);
		}
		await new Promise((resolve) => setTimeout(resolve, 50));
	}
}

/** Waits until the chat holds `count` end notices (done, aborted or failed); returns the chat. */
export function waitForEnds(
	telegram: FakeTelegram,
	user: TelegramUser,
	count: number,
	timeoutMs = 20_000
): Promise<StoredMessage[]> {
	return waitForChat(
		telegram,
		user,
		`end notice #${count}`,
		(ms) => ms.filter((m) => isDone(m) || isAborted(m) || isFailed(m)).length >= count && ms,
		timeoutMs
	);
}
