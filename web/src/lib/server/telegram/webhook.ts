/**
 * Telegram's webhook. The checks run in this order, before grammY sees anything: secret header
 * (401), JSON (400), then rate limit (429) and idempotency in the gateway. This is not grammY's
 * `webhookCallback` because the rate limit and the idempotency claim must answer Telegram
 * themselves; the secret check is the same constant-time comparison of the derived secret.
 */
import type { Update } from 'grammy/types';
import { processUpdate } from './gateway.ts';
import type { ConfiguredBot } from './setup.ts';
import { SECRET_HEADER, webhookSecretMatches } from './webhook-secret.ts';

const plain = (body: string, status: number) =>
	new Response(body, { status, headers: { 'content-type': 'text/plain' } });

export async function handleWebhook(
	request: Request,
	configured: ConfiguredBot | null
): Promise<Response> {
	if (!configured) return plain('Telegram is not configured', 404);
	const secret = configured.deps.config.TELEGRAM_WEBHOOK_SECRET;
	if (!secret || !webhookSecretMatches(request.headers.get(SECRET_HEADER), secret)) {
		return plain('unauthorized', 401);
	}
	let update: Update;
	try {
		update = (await request.json()) as Update;
	} catch {
		return plain('malformed JSON', 400);
	}
	if (typeof update !== 'object' || update === null || typeof update.update_id !== 'number') {
		return plain('not a Telegram update', 400);
	}
	const outcome = await processUpdate(configured.deps, configured.bot, update);
	if (outcome === 'rate-limited')
		return Response.json({ ok: false, error: 'too many requests' }, { status: 429 });
	return Response.json({ ok: true });
}
