import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/lib/server/config/schema.ts';
import { describeDatabaseUrl } from '../../src/lib/server/db/index.ts';
import { startRedis } from './redis-setup.ts';
import { formatStatus, localUrl, telegramMode, WEBHOOK_COMMAND } from './status.ts';

const JWT_SECRET = 'jwt-Zq8Xv2Lm4Nb6Pc1Rt3Ys5Hd7Kf9Gj0Wa';
const REST_TOKEN = 'rest-token-AbCdEfGhIjKlMnOp';
const BOT_TOKEN = '123456789:AAE-secret-bot-token-xyz_123';
const DB_PASSWORD = 'db-Pa55word-do-not-print';
const WEBHOOK_SECRET = 'webhook-secret-0123456789abcdef';

const base = {
	UPSTASH_REDIS_REST_URL: 'https://eu1-relay.upstash.io',
	UPSTASH_REDIS_REST_TOKEN: REST_TOKEN,
	AGENT_JWT_SECRET: JWT_SECRET
};

describe('telegramMode', () => {
	it('is off without a token', () => {
		expect(telegramMode(parseConfig(base))).toEqual({ kind: 'off' });
	});
	it('polls with a token but no public https address or no secret', () => {
		const token = { ...base, TELEGRAM_BOT_TOKEN: BOT_TOKEN };
		expect(telegramMode(parseConfig(token))).toEqual({ kind: 'polling' });
		expect(
			telegramMode(
				parseConfig({
					...token,
					PUBLIC_URL: 'http://localhost:3000',
					TELEGRAM_WEBHOOK_SECRET: WEBHOOK_SECRET
				})
			)
		).toEqual({ kind: 'polling' });
		expect(
			telegramMode(parseConfig({ ...token, PUBLIC_URL: 'https://relay.example.com' }))
		).toEqual({
			kind: 'polling'
		});
	});
	it('uses the webhook with token, https PUBLIC_URL and secret', () => {
		const config = parseConfig({
			...base,
			TELEGRAM_BOT_TOKEN: BOT_TOKEN,
			PUBLIC_URL: 'https://relay.example.com/',
			TELEGRAM_WEBHOOK_SECRET: WEBHOOK_SECRET
		});
		expect(telegramMode(config)).toEqual({
			kind: 'webhook',
			url: 'https://relay.example.com/api/telegram'
		});
	});
});

describe('localUrl', () => {
	it('shows loopback as bound and a wildcard bind as localhost', () => {
		expect(localUrl('127.0.0.1', 3000)).toBe('http://127.0.0.1:3000');
		expect(localUrl('0.0.0.0', 8080)).toBe('http://localhost:8080');
		expect(localUrl('::1', 3000)).toBe('http://[::1]:3000');
	});
});

describe('formatStatus', () => {
	it('shows URL, database, Redis and Telegram mode, and no credential', async () => {
		const databaseUrl = `postgresql://relay:${DB_PASSWORD}@db.example.com:5432/relay`;
		const config = parseConfig({
			...base,
			DATABASE_URL: databaseUrl,
			TELEGRAM_BOT_TOKEN: BOT_TOKEN,
			PUBLIC_URL: 'https://relay.example.com',
			TELEGRAM_WEBHOOK_SECRET: WEBHOOK_SECRET
		});
		// The describe strings the start command really uses.
		const redis = await startRedis(
			{ kind: 'upstash', restUrl: `https://default:${REST_TOKEN}@eu1-relay.upstash.io` },
			{ dataDir: '/unused', log: () => {}, onGiveUp: () => {} }
		);
		const status = formatStatus({
			url: localUrl('127.0.0.1', 3000),
			publicUrl: config.PUBLIC_URL,
			database: describeDatabaseUrl(databaseUrl),
			redis: redis.describe,
			telegram: telegramMode(config)
		});
		expect(status).toContain('URL       http://127.0.0.1:3000 (public: https://relay.example.com)');
		expect(status).toContain('Database  postgres at db.example.com:5432/relay');
		expect(status).toContain('Redis     Upstash REST at eu1-relay.upstash.io');
		expect(status).toContain(`Telegram  webhook at https://relay.example.com/api/telegram`);
		expect(status).toContain(WEBHOOK_COMMAND);
		for (const secret of [JWT_SECRET, REST_TOKEN, BOT_TOKEN, DB_PASSWORD, WEBHOOK_SECRET]) {
			expect(status).not.toContain(secret);
		}
		expect(status.split('\n').length).toBeLessThanOrEqual(7);
	});

	it('names the variable to set when Telegram is off, and no public URL when it is the local one', () => {
		const status = formatStatus({
			url: 'http://127.0.0.1:3000',
			publicUrl: 'http://localhost:3000',
			database: 'embedded database (PGlite) at /data/pglite',
			redis: 'redis-server on 127.0.0.1:6400, data in /data/redis',
			telegram: { kind: 'off' }
		});
		expect(status).toContain('Telegram  not configured — set TELEGRAM_BOT_TOKEN');
		expect(status).not.toContain('public');
		expect(
			formatStatus({ url: 'u', database: 'd', redis: 'r', telegram: { kind: 'polling' } })
		).toContain('Telegram  long polling');
	});
});
