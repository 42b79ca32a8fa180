/**
 * What happens to an update before the bot sees it, shared by the webhook and long polling:
 * shape check, then idempotency by `update_id` (Telegram redelivers anything that did not get a
 * 2xx; long polling re-reads from its offset). An update being handled elsewhere (or by a
 * process that died) is `busy`: its redelivery is asked to come back later, not dropped. The authorisation gate and the per-user rate
 * limit are the bot's first middleware (bot.ts): nothing is stored for a sender who is not
 * authorised. A failure (Redis or the database down) throws, after releasing the claim, so
 * the update is delivered again.
 */
import type { Bot } from 'grammy';
import type { Update } from 'grammy/types';
import type { BotContext, BotDeps } from './context.ts';
import { describeError } from './notifier.ts';
import { parseUpdate } from './update-shape.ts';

/** `busy`: another delivery of the same update is being handled, or died doing so: try later. */
export type Outcome = 'handled' | 'ignored' | 'duplicate' | 'malformed' | 'busy';

/** Update kinds the bot acts on; anything else is acknowledged and dropped. */
function senderOf(update: Update): number | null {
	if (update.message?.text !== undefined) return update.message.from?.id ?? null;
	if (update.message?.photo || update.message?.document) return update.message.from?.id ?? null;
	if (update.callback_query) return update.callback_query.from.id;
	return null;
}

/** A delivery that died while handling an update blocks its redelivery at most this long. */
const PROCESSING_TTL_S = 30;
const DONE_TTL_S = 24 * 3600;

export async function processUpdate(
	deps: BotDeps,
	bot: Bot<BotContext>,
	raw: unknown
): Promise<Outcome> {
	const update = parseUpdate(raw);
	if (!update) return 'malformed';
	if (senderOf(update) === null) return 'ignored';
	const key = `tg:update:${update.update_id}`;
	// Claimed while it runs, released if it fails so Telegram's redelivery is processed.
	const claimed = await deps.redis.set(key, 'processing', { nx: true, ex: PROCESSING_TTL_S });
	if (claimed !== 'OK') {
		return (await deps.redis.get<string>(key)) === 'done' ? 'duplicate' : 'busy';
	}
	try {
		await bot.handleUpdate(update);
	} catch (error) {
		await deps.redis.del(key).catch(() => {});
		deps.log.error('telegram.update_failed', {
			updateId: update.update_id,
			error: describeError((error as { error?: unknown }).error ?? error)
		});
		throw error;
	}
	await deps.redis.set(key, 'done', { ex: DONE_TTL_S });
	return 'handled';
}
