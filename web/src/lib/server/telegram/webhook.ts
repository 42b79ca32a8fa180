/**
 * Telegram's webhook. The secret header is checked first, against configuration alone: a forged
 * request gets 401 at once, before the bot, Redis or the Bot API are touched. Then JSON (400),
 * the update's shape (400), and the gateway (idempotency; the bot's gate and rate limit). When
 * the relay cannot take the update (Redis or the database down) the answer is 503, so Telegram
 * delivers it again; the `update_id` claim makes that safe. This is not grammY's
 * `webhookCallback` because those answers must be ours.
 */
import { processUpdate } from './gateway.ts';
import type { ConfiguredBot } from './setup.ts';
import { SECRET_HEADER, webhookSecretMatches } from './webhook-secret.ts';

const plain = (body: string, status: number) =>
	new Response(body, { status, headers: { 'content-type': 'text/plain' } });

export interface WebhookTarget {
	/** `TELEGRAM_WEBHOOK_SECRET`; unset refuses every request. */
	secret: string | undefined;
	/** The bot, built on first use (null when Telegram is not configured). */
	bot: () => Promise<ConfiguredBot | null>;
}

export async function handleWebhook(request: Request, target: WebhookTarget): Promise<Response> {
	if (!target.secret || !webhookSecretMatches(request.headers.get(SECRET_HEADER), target.secret)) {
		return plain('unauthorized', 401);
	}
	let update: unknown;
	try {
		update = await request.json();
	} catch {
		return plain('malformed JSON', 400);
	}
	let configured: ConfiguredBot | null;
	try {
		configured = await target.bot();
	} catch {
		return plain('the relay is not ready: try again', 503);
	}
	if (!configured) return plain('Telegram is not configured', 404);
	try {
		const outcome = await processUpdate(configured.deps, configured.bot, update);
		if (outcome === 'malformed') return plain('not a Telegram update', 400);
		if (outcome === 'busy') return plain('this update is being handled: try again', 503);
	} catch {
		// Logged by the gateway. Telegram retries non-2xx answers.
		return plain('the relay could not take this update now: try again', 503);
	}
	return Response.json({ ok: true });
}
