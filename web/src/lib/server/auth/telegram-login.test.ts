import { describe, expect, it } from 'vitest';
import { dataCheckString, signLoginFields, verifyTelegramLogin } from './telegram-login.ts';

const BOT_TOKEN = '123456:TEST-token-for-login-widget-checks';
const NOW = 1_790_000_000;
const opts = { nowS: NOW, maxAgeS: 86_400 };

function signed(fields: Record<string, string>, token = BOT_TOKEN): Record<string, string> {
	return { ...fields, hash: signLoginFields(fields, token) };
}

const alice = {
	id: '4242',
	first_name: 'Alice',
	username: 'alice',
	photo_url: 'https://t.me/i/userpic/320/alice.jpg',
	auth_date: String(NOW - 60)
};

describe('verifyTelegramLogin', () => {
	it('builds the data-check-string from sorted fields without hash', () => {
		expect(dataCheckString({ username: 'a', id: '1', hash: 'x', auth_date: '2' })).toBe(
			'auth_date=2\nid=1\nusername=a'
		);
	});

	it('accepts a correctly signed, fresh payload', () => {
		const check = verifyTelegramLogin(signed(alice), BOT_TOKEN, opts);
		expect(check).toEqual({
			ok: true,
			login: {
				id: 4242,
				firstName: 'Alice',
				lastName: null,
				username: 'alice',
				photoUrl: alice.photo_url,
				authDate: NOW - 60
			}
		});
	});

	it('accepts URLSearchParams and ignores our own extra parameters', () => {
		const params = new URLSearchParams({ ...signed(alice), next: '/agents' });
		expect(verifyTelegramLogin(params, BOT_TOKEN, opts).ok).toBe(true);
	});

	it('rejects a tampered field', () => {
		const payload = { ...signed(alice), id: '4243' };
		expect(verifyTelegramLogin(payload, BOT_TOKEN, opts)).toEqual({
			ok: false,
			reason: 'bad-signature'
		});
	});

	it('rejects a payload signed with another bot token', () => {
		const payload = signed(alice, '999:another-bots-token-xxxxxxxxxxx');
		expect(verifyTelegramLogin(payload, BOT_TOKEN, opts)).toEqual({
			ok: false,
			reason: 'bad-signature'
		});
	});

	it('rejects a stale payload', () => {
		const payload = signed({ ...alice, auth_date: String(NOW - 86_401) });
		expect(verifyTelegramLogin(payload, BOT_TOKEN, opts)).toEqual({ ok: false, reason: 'stale' });
	});

	it('rejects a payload from the future', () => {
		const payload = signed({ ...alice, auth_date: String(NOW + 3600) });
		expect(verifyTelegramLogin(payload, BOT_TOKEN, opts)).toEqual({
			ok: false,
			reason: 'from-the-future'
		});
	});

	it('rejects a missing hash or missing required fields', () => {
		expect(verifyTelegramLogin(alice, BOT_TOKEN, opts)).toEqual({
			ok: false,
			reason: 'missing-fields'
		});
		const { first_name: _drop, ...partial } = alice;
		expect(verifyTelegramLogin(signed(partial), BOT_TOKEN, opts)).toEqual({
			ok: false,
			reason: 'missing-fields'
		});
	});

	it('rejects a hash of the wrong length or not hex', () => {
		expect(verifyTelegramLogin({ ...alice, hash: 'abc' }, BOT_TOKEN, opts).ok).toBe(false);
		expect(verifyTelegramLogin({ ...alice, hash: 'zz'.repeat(32) }, BOT_TOKEN, opts).ok).toBe(
			false
		);
	});

	it('accepts exactly the 64 hex characters of the signature, nothing around or instead', () => {
		const { hash } = signed(alice);
		const withHash = (h: string) => verifyTelegramLogin({ ...alice, hash: h }, BOT_TOKEN, opts);
		expect(withHash(hash!).ok).toBe(true);
		// Buffer.from(…, 'hex') stops at the first non-hex character and drops a lone last digit:
		// each of these decodes to the right 32 bytes, or a prefix of them.
		const variants = {
			'valid + zz': `${hash}zz`,
			'valid + one hex digit (65)': `${hash}a`,
			'valid + newline': `${hash}\n`,
			'63 characters': hash!.slice(0, 63),
			truncated: hash!.slice(0, 40),
			'non-hex inside': `${hash!.slice(0, 30)}g${hash!.slice(31)}`
		};
		for (const [name, variant] of Object.entries(variants)) {
			expect(withHash(variant), name).toEqual({ ok: false, reason: 'bad-signature' });
		}
	});
});
