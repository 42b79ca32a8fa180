/**
 * The parts of a Telegram update the bot reads, checked before anything uses them. Only Telegram
 * knows the webhook secret, but a bug, a replay through a misconfigured proxy or a hostile
 * self-hosted Bot API must meet a clear 400, never a crash deep in a handler. Everything the
 * bot does not act on is stripped, so no unchecked field reaches grammY.
 */
import { z } from 'zod';
import type { Update } from 'grammy/types';

const telegramId = z.number().int().refine(Number.isSafeInteger, 'not a Telegram id');

const user = z.object({
	id: telegramId,
	is_bot: z.boolean(),
	first_name: z.string(),
	last_name: z.string().optional(),
	username: z.string().optional(),
	language_code: z.string().optional()
});

const chat = z.object({
	id: telegramId,
	type: z.enum(['private', 'group', 'supergroup', 'channel']),
	title: z.string().optional(),
	username: z.string().optional(),
	first_name: z.string().optional()
});

const entity = z.object({
	type: z.string(),
	offset: z.number().int().nonnegative(),
	length: z.number().int().nonnegative()
});

/** Inline buttons: only their callback data is read (an approval request's token). */
const inlineKeyboard = z.object({
	inline_keyboard: z
		.array(
			z.array(z.object({ text: z.string(), callback_data: z.string().max(64).optional() })).max(8)
		)
		.max(100)
});

/** The message a reply answers (a reply to an approval request denies it with a reason). */
const repliedTo = z.object({
	message_id: z.number().int(),
	date: z.number().int(),
	chat,
	from: user.optional(),
	reply_markup: inlineKeyboard.optional()
});

/** A file the bot may fetch: a photo size or a document (features/files.ts). */
const file = {
	file_id: z.string().min(1).max(512),
	file_unique_id: z.string().min(1).max(512),
	file_size: z.number().int().nonnegative().optional()
};

const message = z.object({
	message_id: z.number().int(),
	date: z.number().int(),
	chat,
	from: user.optional(),
	text: z.string().optional(),
	entities: z.array(entity).optional(),
	reply_to_message: repliedTo.optional(),
	caption: z.string().optional(),
	photo: z
		.array(z.object({ ...file, width: z.number().int(), height: z.number().int() }))
		.max(20)
		.optional(),
	document: z
		.object({
			...file,
			file_name: z.string().max(1024).optional(),
			mime_type: z.string().optional()
		})
		.optional()
});

const callbackQuery = z.object({
	id: z.string().min(1),
	from: user,
	chat_instance: z.string(),
	data: z.string().optional(),
	message: message.optional()
});

const update = z.object({
	update_id: z.number().int().nonnegative(),
	message: message.optional(),
	callback_query: callbackQuery.optional()
});

/** The update reduced to what the bot uses, or null when those parts are not well formed. */
export function parseUpdate(raw: unknown): Update | null {
	const parsed = update.safeParse(raw);
	return parsed.success ? (parsed.data as Update) : null;
}
