/**
 * The webhook's shared secret. Telegram echoes the `secret_token` given to `setWebhook` in
 * `X-Telegram-Bot-Api-Secret-Token` on every delivery. We never register the configured secret
 * itself but an HMAC-SHA-256 derivation of it (hex: within Telegram's `[A-Za-z0-9_-]{1,256}`),
 * and compare in constant time.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';

export const SECRET_HEADER = 'x-telegram-bot-api-secret-token';

export function deriveWebhookSecret(configured: string): string {
	return createHmac('sha256', configured).update('remoteagent telegram webhook v1').digest('hex');
}

/** The derived secret of the configured one, computed once: this check runs on every request. */
let derived: { configured: string; expected: Buffer } | null = null;

export function webhookSecretMatches(header: string | null, configured: string): boolean {
	if (!header) return false;
	if (derived?.configured !== configured) {
		derived = { configured, expected: Buffer.from(deriveWebhookSecret(configured)) };
	}
	const { expected } = derived;
	const given = Buffer.from(header);
	return given.length === expected.length && timingSafeEqual(given, expected);
}
