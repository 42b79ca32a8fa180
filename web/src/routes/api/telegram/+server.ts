import { error, json, text } from '@sveltejs/kit';
import type { Update } from 'grammy/types';
import type { RequestHandler } from './$types';
import { getBot } from '$lib/server/telegram/instance';
import { processUpdate } from '$lib/server/telegram/gateway';
import { SECRET_HEADER, webhookSecretMatches } from '$lib/server/telegram/webhook-secret';

/**
 * Telegram's webhook. The checks run in this order, before grammY sees anything: secret header
 * (401), JSON (400), then rate limit (429) and idempotency in the gateway. Not grammY's
 * `webhookCallback`, because the rate limit and the idempotency claim must answer Telegram
 * themselves; the secret check is the same constant-time comparison.
 */
export const POST: RequestHandler = async ({ request }) => {
	const bot = await getBot();
	if (!bot) error(404, 'Telegram is not configured');
	if (!bot.webhookSecret || !webhookSecretMatches(request.headers.get(SECRET_HEADER), bot.webhookSecret)) {
		return text('unauthorized', { status: 401 });
	}
	let update: Update;
	try {
		update = (await request.json()) as Update;
	} catch {
		return text('malformed JSON', { status: 400 });
	}
	if (typeof update !== 'object' || update === null || typeof update.update_id !== 'number') {
		return text('not a Telegram update', { status: 400 });
	}
	const outcome = await processUpdate(bot.deps, bot.bot, update);
	if (outcome === 'rate-limited') return json({ ok: false, error: 'too many requests' }, { status: 429 });
	return json({ ok: true });
};
