/**
 * Short notices to a Telegram chat (presence alerts, task ends). When Telegram is not configured
 * the notices are dropped, with a debug log line that carries no text.
 */
import type { Api } from 'grammy';
import type { InlineKeyboardMarkup } from 'grammy/types';
import type { Logger } from '../log.ts';

export interface Notifier {
	/** Returns the sent message id, or null when nothing was sent. */
	send(
		chatId: number,
		text: string,
		/** `replyTo`: the message this one answers (sent anyway if it was deleted). */
		opts?: { html?: boolean; keyboard?: InlineKeyboardMarkup; replyTo?: number | null }
	): Promise<number | null>;
	/** Replaces a message's keyboard (null: none) and, given `text`, its text. */
	edit(
		chatId: number,
		messageId: number,
		change: { text?: string; keyboard: InlineKeyboardMarkup | null }
	): Promise<void>;
}

export function telegramNotifier(api: Api, log: Logger): Notifier {
	return {
		async send(chatId, text, opts = {}) {
			try {
				const message = await api.sendMessage(chatId, text, {
					...(opts.html ? { parse_mode: 'HTML' as const } : {}),
					...(opts.keyboard ? { reply_markup: opts.keyboard } : {}),
					...(opts.replyTo
						? {
								reply_parameters: {
									message_id: opts.replyTo,
									allow_sending_without_reply: true
								}
							}
						: {}),
					link_preview_options: { is_disabled: true }
				});
				return message.message_id;
			} catch (error) {
				log.warn('telegram.send_failed', { chatId, error: describeError(error) });
				return null;
			}
		},
		async edit(chatId, messageId, { text, keyboard }) {
			const reply_markup = keyboard ?? { inline_keyboard: [] };
			try {
				if (text === undefined)
					await api.editMessageReplyMarkup(chatId, messageId, { reply_markup });
				else
					await api.editMessageText(chatId, messageId, text, {
						reply_markup,
						link_preview_options: { is_disabled: true }
					});
			} catch (error) {
				if (!isNotModified(error))
					log.warn('telegram.edit_failed', { chatId, error: describeError(error) });
			}
		}
	};
}

export function nullNotifier(log: Logger): Notifier {
	return {
		async send(chatId) {
			log.debug('telegram.not_configured', { chatId });
			return null;
		},
		async edit() {}
	};
}

export function isNotModified(error: unknown): boolean {
	return error instanceof Error && /message is not modified/i.test(error.message);
}

export function isParseError(error: unknown): boolean {
	return error instanceof Error && /can't parse entities/i.test(error.message);
}

/** Error class and Bot API error code only: descriptions may quote message text. */
export function describeError(error: unknown): string {
	const code = (error as { error_code?: number } | null)?.error_code;
	return error instanceof Error ? `${error.name}${code ? ` ${code}` : ''}` : 'unknown';
}
