/**
 * What happens to an update before the bot sees it, shared by the webhook and long polling:
 * shape check, then one Redis round trip for the idempotency claim by `update_id` (Telegram
 * redelivers anything that did not get a 2xx; long polling re-reads from its offset) together
 * with the sender's rate limit (update-claim.ts). An update being handled elsewhere (or by a
 * process that died) is `busy`: its redelivery is asked to come back later, not dropped.
 *
 * A plain prompt then takes the hot path (prompt-path.ts); everything else goes to the bot, whose
 * first middleware is the authorisation gate (bot.ts): nothing is stored for a sender who is not
 * authorised, and what their update counted is taken back. A failure (Redis or the database
 * down) throws, after releasing the claim, so the update is delivered again.
 */
import type { Bot } from 'grammy';
import type { Update } from 'grammy/types';
import type { BotContext, BotDeps } from './context.ts';
import { describeError } from './notifier.ts';
import { parseUpdate } from './update-shape.ts';
import { plainPrompt, relayPrompt } from './prompt-path.ts';
import { updateKey, type Claim } from './update-claim.ts';

/** `busy`: another delivery of the same update is being handled, or died doing so: try later. */
export type Outcome = 'handled' | 'ignored' | 'duplicate' | 'malformed' | 'busy';

/** Update kinds the bot acts on; anything else is acknowledged and dropped. */
function senderOf(update: Update): number | null {
	if (update.message?.text !== undefined) return update.message.from?.id ?? null;
	if (update.message?.photo || update.message?.document) return update.message.from?.id ?? null;
	if (update.callback_query) return update.callback_query.from.id;
	return null;
}

/** Sign-up commands are limited in memory before the gate (rate-limit.ts), not counted here. */
const SIGN_UP = /^\/(login|start)(@\w+)?(\s|$)/;

/** A delivery that died while handling an update blocks its redelivery at most this long. */
const PROCESSING_TTL_S = 30;
const DONE_TTL_S = 24 * 3600;

/** The claim of the update being handled, for the bot's rate-limit middleware. */
const claimsOfUpdates = new WeakMap<Update, Claim & { claimed: true }>();

export function claimOf(update: Update): (Claim & { claimed: true }) | undefined {
	return claimsOfUpdates.get(update);
}

export async function processUpdate(
	deps: BotDeps,
	bot: Bot<BotContext>,
	raw: unknown
): Promise<Outcome> {
	const update = parseUpdate(raw);
	if (!update) return 'malformed';
	const sender = senderOf(update);
	if (sender === null) return 'ignored';
	const signUp = SIGN_UP.test(update.message?.text ?? '');
	const claim = await deps.claims.claim({
		updateId: update.update_id,
		limitedSender: signUp ? null : sender,
		perMinute: deps.config.TELEGRAM_RATE_PER_MINUTE,
		claimTtlS: PROCESSING_TTL_S,
		now: deps.now().getTime()
	});
	if (!claim.claimed) return claim.state === 'done' ? 'duplicate' : 'busy';
	try {
		const prompt = claim.allowed ? plainPrompt(update) : null;
		const outcome = prompt
			? await relayPrompt(deps, bot.api, update.update_id, prompt, DONE_TTL_S)
			: 'elsewhere';
		if (outcome === 'relayed') return 'handled';
		if (outcome === 'unauthorised') {
			deps.log.info('telegram.unauthorised', { updateId: update.update_id });
			await deps.claims.forgetSender(claim);
		} else {
			claimsOfUpdates.set(update, claim);
			await bot.handleUpdate(update);
		}
	} catch (error) {
		await deps.redis.del(updateKey(update.update_id)).catch(() => {});
		deps.log.error('telegram.update_failed', {
			updateId: update.update_id,
			error: describeError((error as { error?: unknown }).error ?? error)
		});
		throw error;
	}
	await deps.redis.set(updateKey(update.update_id), 'done', { ex: DONE_TTL_S });
	return 'handled';
}
