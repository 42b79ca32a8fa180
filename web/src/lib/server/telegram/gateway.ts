/**
 * What happens to an update before the bot sees it, shared by the webhook and long polling:
 * rate limit per Telegram user, then idempotency by `update_id` (Telegram redelivers anything
 * that did not get a 2xx). The authorisation gate is the bot's first middleware.
 */
import type { Bot } from 'grammy';
import type { Update } from 'grammy/types';
import type { BotContext, BotDeps } from './context.ts';
import { describeError } from './notifier.ts';

export type Outcome = 'handled' | 'ignored' | 'duplicate' | 'rate-limited';

/** Update kinds the bot acts on; anything else is acknowledged and dropped. */
function senderOf(update: Update): number | null {
	if (update.message?.text !== undefined) return update.message.from?.id ?? null;
	if (update.callback_query) return update.callback_query.from.id;
	return null;
}

const PROCESSING_TTL_S = 120;
const DONE_TTL_S = 24 * 3600;

export async function processUpdate(
	deps: BotDeps,
	bot: Bot<BotContext>,
	update: Update
): Promise<Outcome> {
	const sender = senderOf(update);
	if (sender === null) return 'ignored';
	const limit = await deps.limits.telegramUser.limit(String(sender));
	if (!limit.success) {
		deps.log.warn('telegram.rate_limited', { updateId: update.update_id });
		return 'rate-limited';
	}
	const key = `tg:update:${update.update_id}`;
	// Claimed while it runs, released if it fails so Telegram's redelivery is processed.
	const claimed = await deps.redis.set(key, 'processing', { nx: true, ex: PROCESSING_TTL_S });
	if (claimed !== 'OK') return 'duplicate';
	try {
		await bot.handleUpdate(update);
	} catch (error) {
		await deps.redis.del(key);
		deps.log.error('telegram.update_failed', {
			updateId: update.update_id,
			error: describeError((error as { error?: unknown }).error ?? error)
		});
		throw error;
	}
	await deps.redis.set(key, 'done', { ex: DONE_TTL_S });
	return 'handled';
}
