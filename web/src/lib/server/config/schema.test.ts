import { describe, expect, it } from 'vitest';
import { ConfigError, parseConfig } from './schema.ts';

const valid = {
	UPSTASH_REDIS_REST_URL: 'http://127.0.0.1:8079',
	UPSTASH_REDIS_REST_TOKEN: 'local-token',
	AGENT_JWT_SECRET: 'q8Zr3Vn0xLw7Yt2Ks9Pd4Hb6Mf1Jc5Ga'
};

describe('parseConfig', () => {
	it('accepts a minimal configuration and fills defaults', () => {
		const config = parseConfig(valid);
		expect(config.DATA_DIR).toBe('.data');
		expect(config.OFFLINE_QUEUE_MS).toBe(600_000);
		expect(config.TELEGRAM_API_ROOT).toBe('https://api.telegram.org');
		expect(config.DATABASE_URL).toBeUndefined();
	});

	it('names each missing variable', () => {
		expect(() => parseConfig({})).toThrowError(/UPSTASH_REDIS_REST_URL is required/);
		expect(() => parseConfig({})).toThrowError(/AGENT_JWT_SECRET is required/);
	});

	it('rejects a short JWT secret without echoing it', () => {
		try {
			parseConfig({ ...valid, AGENT_JWT_SECRET: 'tooshort-secret' });
			expect.unreachable();
		} catch (error) {
			expect(error).toBeInstanceOf(ConfigError);
			expect(String(error)).toMatch(/AGENT_JWT_SECRET must be at least 32 random bytes/);
			expect(String(error)).not.toContain('tooshort-secret');
		}
	});

	it('rejects malformed values with the expected shape', () => {
		expect(() => parseConfig({ ...valid, DATABASE_URL: 'mysql://x' })).toThrowError(
			/DATABASE_URL must be a postgres/
		);
		expect(() => parseConfig({ ...valid, TELEGRAM_BOT_TOKEN: 'nope' })).toThrowError(
			/TELEGRAM_BOT_TOKEN must look like/
		);
		expect(() => parseConfig({ ...valid, OFFLINE_QUEUE_MS: 'soon' })).toThrowError(
			/OFFLINE_QUEUE_MS must be a number/
		);
	});

	it('treats empty strings as unset', () => {
		const config = parseConfig({ ...valid, DATABASE_URL: '', TELEGRAM_BOT_TOKEN: '' });
		expect(config.DATABASE_URL).toBeUndefined();
		expect(config.TELEGRAM_BOT_TOKEN).toBeUndefined();
	});

	it('strips the @ of the bot username', () => {
		expect(
			parseConfig({ ...valid, TELEGRAM_BOT_USERNAME: '@relay_bot' }).TELEGRAM_BOT_USERNAME
		).toBe('relay_bot');
	});
});

describe('empty values', () => {
	it('count as unset for every variable, defaults included', () => {
		const config = parseConfig({ ...valid, LOG_LEVEL: '', DATA_DIR: '', OFFLINE_AFTER_MS: '' });
		expect(config.LOG_LEVEL).toBe('info');
		expect(config.DATA_DIR).toBe('.data');
		expect(config.OFFLINE_AFTER_MS).toBe(300_000);
	});

	it('refuses an offline window no longer than the heartbeat interval, naming it', () => {
		expect(() => parseConfig({ ...valid, OFFLINE_AFTER_MS: '90000' })).toThrowError(
			/OFFLINE_AFTER_MS must be longer than the agents' heartbeat interval \(120 s\)/
		);
		expect(parseConfig({ ...valid, OFFLINE_AFTER_MS: '150000' }).OFFLINE_AFTER_MS).toBe(150_000);
	});

	describe('Stripe', () => {
		const billing = {
			...valid,
			STRIPE_SECRET_KEY: 'sk_test_51LocalKeyForTests',
			STRIPE_WEBHOOK_SECRET: 'whsec_localsecret',
			STRIPE_PRICE_SOLO: 'price_solo',
			STRIPE_PRICE_PRO: 'price_pro',
			STRIPE_PRICE_TEAM: 'price_team'
		};

		it('leaves billing off without a secret key', () => {
			expect(parseConfig(valid).STRIPE_SECRET_KEY).toBeUndefined();
		});

		it('accepts a complete test configuration, with a stand-in base', () => {
			const config = parseConfig({ ...billing, STRIPE_API_BASE: 'http://127.0.0.1:12111' });
			expect(config.STRIPE_PRICE_TEAM).toBe('price_team');
			expect(config.STRIPE_API_BASE).toBe('http://127.0.0.1:12111');
		});

		it('names every Stripe variable a secret key needs', () => {
			const error = () => parseConfig({ ...valid, STRIPE_SECRET_KEY: billing.STRIPE_SECRET_KEY });
			for (const name of [
				'STRIPE_WEBHOOK_SECRET',
				'STRIPE_PRICE_SOLO',
				'STRIPE_PRICE_PRO',
				'STRIPE_PRICE_TEAM'
			]) {
				expect(error).toThrowError(new RegExp(`${name} is required when STRIPE_SECRET_KEY is set`));
			}
		});

		it('rejects malformed values without echoing them', () => {
			try {
				parseConfig({
					...billing,
					STRIPE_SECRET_KEY: 'pk_test_publishable',
					STRIPE_PRICE_PRO: 'x'
				});
				expect.unreachable();
			} catch (error) {
				expect(String(error)).toMatch(/STRIPE_SECRET_KEY must look like sk_test_/);
				expect(String(error)).toMatch(/STRIPE_PRICE_PRO must look like price_/);
				expect(String(error)).not.toContain('pk_test_publishable');
			}
			expect(() => parseConfig({ ...billing, STRIPE_WEBHOOK_SECRET: 'secret' })).toThrowError(
				/STRIPE_WEBHOOK_SECRET must look like whsec_/
			);
		});

		it('never sends a live key anywhere but Stripe', () => {
			const live = { ...billing, STRIPE_SECRET_KEY: 'sk_live_51RealKey' };
			expect(() =>
				parseConfig({ ...live, STRIPE_API_BASE: 'http://127.0.0.1:12111' })
			).toThrowError(/STRIPE_API_BASE must be https:\/\/api.stripe.com/);
			expect(
				parseConfig({ ...live, STRIPE_API_BASE: 'https://api.stripe.com' }).STRIPE_SECRET_KEY
			).toBe('sk_live_51RealKey');
			expect(parseConfig(live).STRIPE_API_BASE).toBeUndefined();
		});
	});
});
