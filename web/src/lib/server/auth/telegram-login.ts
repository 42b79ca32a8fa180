/**
 * Telegram Login Widget verification, exactly as Telegram specifies:
 * data-check-string = every received field but `hash`, sorted by key, `key=value` joined by "\n";
 * secret key = SHA-256(bot token); valid when hex HMAC-SHA-256(data-check-string) equals `hash`.
 * Freshness of `auth_date` is ours to check.
 */
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';

export interface TelegramLogin {
	id: number;
	firstName: string;
	lastName: string | null;
	username: string | null;
	photoUrl: string | null;
	authDate: number;
}

export type LoginCheck =
	| { ok: true; login: TelegramLogin }
	| { ok: false; reason: 'missing-fields' | 'bad-signature' | 'stale' | 'from-the-future' };

const KNOWN_FIELDS = new Set([
	'id',
	'first_name',
	'last_name',
	'username',
	'photo_url',
	'auth_date',
	'hash'
]);

/** A hex HMAC-SHA-256, as Telegram sends it. */
const HASH_HEX = /^[0-9a-f]{64}$/i;

/** Seconds of clock skew tolerated for an `auth_date` in the future. */
const FUTURE_TOLERANCE_S = 60;

export function dataCheckString(fields: Record<string, string>): string {
	return Object.keys(fields)
		.filter((key) => key !== 'hash')
		.sort()
		.map((key) => `${key}=${fields[key]}`)
		.join('\n');
}

export function signLoginFields(fields: Record<string, string>, botToken: string): string {
	const secret = createHash('sha256').update(botToken).digest();
	return createHmac('sha256', secret).update(dataCheckString(fields)).digest('hex');
}

/**
 * Check a login payload (query parameters of the widget's redirect).
 * Unknown extra fields are part of the signed data, as Telegram signs every field it sends.
 */
export function verifyTelegramLogin(
	params: URLSearchParams | Record<string, string>,
	botToken: string,
	opts: { nowS: number; maxAgeS: number }
): LoginCheck {
	const fields: Record<string, string> =
		params instanceof URLSearchParams ? Object.fromEntries(params) : { ...params };
	const { hash, id, first_name: firstName, auth_date: authDate } = fields;
	if (!hash || !id || !firstName || !authDate || !/^\d+$/.test(id) || !/^\d+$/.test(authDate)) {
		return { ok: false, reason: 'missing-fields' };
	}
	// Only the widget's own fields are signed; anything else (e.g. our `next=`) is dropped first.
	for (const key of Object.keys(fields)) if (!KNOWN_FIELDS.has(key)) delete fields[key];

	// Exactly 64 hex digits first: Buffer.from(…, 'hex') silently stops at the first non-hex
	// character and drops a lone last digit, so `<valid hash>zz` would otherwise pass.
	if (!HASH_HEX.test(hash)) return { ok: false, reason: 'bad-signature' };
	const expected = Buffer.from(signLoginFields(fields, botToken), 'hex');
	const given = Buffer.from(hash, 'hex');
	if (!timingSafeEqual(given, expected)) {
		return { ok: false, reason: 'bad-signature' };
	}
	const age = opts.nowS - Number(authDate);
	if (age < -FUTURE_TOLERANCE_S) return { ok: false, reason: 'from-the-future' };
	if (age > opts.maxAgeS) return { ok: false, reason: 'stale' };
	return {
		ok: true,
		login: {
			id: Number(id),
			firstName,
			lastName: fields.last_name ?? null,
			username: fields.username ?? null,
			photoUrl: fields.photo_url ?? null,
			authDate: Number(authDate)
		}
	};
}
