/**
 * A whole relay for integration tests, built from real parts: redis-server behind the
 * Upstash-compatible REST server, PGlite in a temp directory, the Telegram Bot API stand-in, and
 * the relay's own tRPC and webhook handlers (Telegram, Stripe) served over HTTP. Only the clock is adjustable.
 * For benchmarks, a network can be put between the relay and its stores (see TestRelayOptions).
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ApiServices } from '@remoteagent/shared/api';
import { parseConfig, type Config } from '../../src/lib/server/config/schema.ts';
import { createLogger } from '../../src/lib/server/log.ts';
import { createRelay, type Relay } from '../../src/lib/server/relay.ts';
import { createServices } from '../../src/lib/server/trpc/services.ts';
import { handleTrpc, TRPC_ENDPOINT } from '../../src/lib/server/trpc/handler.ts';
import { setUpBot, type ConfiguredBot } from '../../src/lib/server/telegram/setup.ts';
import { handleWebhook } from '../../src/lib/server/telegram/webhook.ts';
import { handleStripeWebhook } from '../../src/lib/server/billing/webhook.ts';
import { handleAgentFiles } from '../../src/lib/server/review/files-endpoint.ts';
import { AGENT_FILES_PATH } from '@remoteagent/shared';
import {
	deriveWebhookSecret,
	SECRET_HEADER
} from '../../src/lib/server/telegram/webhook-secret.ts';
import {
	createUpstashRestServer,
	type UpstashRestServer
} from '../../tools/upstash-rest/server.ts';
import { startDelayingHttpProxy, type HttpExchange } from './delaying-http-proxy.ts';
import { serveFetch, type FetchServer } from './fetch-server.ts';
import { startPostgres } from './postgres.ts';
import { startRedisServer, type RedisServerHandle } from './redis.ts';
import { createFakeTelegram, type FakeTelegram } from './telegram-api.ts';
import type { WsProxyMessage } from './ws-proxy.ts';

export const TEST_BOT_TOKEN = '123456789:TEST-bot-token-for-the-relay-tests_x';
export const TEST_WEBHOOK_SECRET = 'webhook-secret-for-tests-0123456789';
export const TEST_JWT_SECRET = 'Zq8Xv2Lm4Nb6Pc1Rt3Ys5Hd7Kf9Gj0Wa';

export interface TestRelay {
	relay: Relay;
	services: ApiServices;
	bot: ConfiguredBot;
	telegram: FakeTelegram;
	/** Base URL serving /api/trpc, /api/telegram and /api/stripe/webhook. */
	url: string;
	/** The redis-server behind the REST server (`redis://…`), for baselines on the same server. */
	redisUrl: string;
	/** Move the relay's clock. */
	advance(ms: number): void;
	/**
	 * Move the relay's clock to the start of the next minute, for a test of a per-minute limit
	 * (across a boundary the sliding window weighs the earlier requests less). Returns the undo.
	 */
	atMinuteStart(): () => void;
	/** POST an update to the webhook with the right secret header (or the given one). */
	postUpdate(update: unknown, secretHeader?: string | null): Promise<Response>;
	stop(): Promise<void>;
}

export interface TestRelayOptions {
	/**
	 * Put a delaying proxy between the relay and the Redis REST server that adds this round trip
	 * time to every request (SSE messages arrive half of it later). Default: no proxy.
	 */
	redisRttMs?: number;
	/**
	 * `pglite` (default): PGlite in the data directory. `postgres`: a real PostgreSQL started for
	 * the relay, reached like Neon through the driver's WebSocket path, each message held back
	 * rttMs/2 in each direction (default 0).
	 */
	sql?: 'pglite' | { postgres: true; rttMs?: number };
	/** Told about every request through the REST proxy (only with `redisRttMs`). */
	onRestExchange?: (exchange: HttpExchange) => void;
	/** Told about every WebSocket message between the relay and PostgreSQL (only with `postgres`). */
	onSqlMessage?: (message: WsProxyMessage) => void;
}

export async function startTestRelay(
	overrides: Partial<Record<keyof Config, string>> = {},
	options: TestRelayOptions = {}
): Promise<TestRelay> {
	const cleanups: (() => Promise<unknown>)[] = [];
	try {
		const redisServer: RedisServerHandle = await startRedisServer();
		cleanups.push(() => redisServer.stop());
		const token = 'rest-token-for-tests';
		const rest: UpstashRestServer = await createUpstashRestServer({
			redisUrl: redisServer.url,
			token
		});
		cleanups.push(() => rest.close());
		let restUrl = rest.url;
		if (options.redisRttMs !== undefined) {
			const proxy = await startDelayingHttpProxy({
				target: rest.url,
				rttMs: options.redisRttMs,
				onExchange: options.onRestExchange
			});
			cleanups.push(() => proxy.close());
			restUrl = proxy.url;
		}
		const database: Partial<Record<keyof Config, string>> = {};
		if (typeof options.sql === 'object') {
			const postgres = await startPostgres({
				rttMs: options.sql.rttMs,
				onMessage: options.onSqlMessage
			});
			cleanups.push(() => postgres.stop());
			database.DATABASE_URL = postgres.databaseUrl;
			database.DATABASE_WS_PROXY = postgres.wsProxy;
		}
		const telegram = await createFakeTelegram({ token: TEST_BOT_TOKEN });
		cleanups.push(() => telegram.close());
		const dataDir = await mkdtemp(join(tmpdir(), 'relay-test-'));
		cleanups.push(() => rm(dataDir, { recursive: true, force: true }));

		const config = parseConfig({
			UPSTASH_REDIS_REST_URL: restUrl,
			UPSTASH_REDIS_REST_TOKEN: token,
			AGENT_JWT_SECRET: TEST_JWT_SECRET,
			DATA_DIR: dataDir,
			TELEGRAM_BOT_TOKEN: TEST_BOT_TOKEN,
			TELEGRAM_BOT_USERNAME: 'relay_test_bot',
			TELEGRAM_WEBHOOK_SECRET: TEST_WEBHOOK_SECRET,
			TELEGRAM_API_ROOT: telegram.apiRoot,
			PUBLIC_URL: 'http://relay.test',
			LOG_LEVEL: 'error',
			...database,
			...overrides
		});
		let offset = 0;
		const relay = await createRelay(config, {
			now: () => new Date(Date.now() + offset),
			log: createLogger('error'),
			pollMs: 300
		});
		cleanups.push(() => relay.close());
		const services = createServices(relay);
		const bot = await setUpBot(relay);
		if (!bot) throw new Error('bot not configured');
		const server: FetchServer = await serveFetch(async (request, clientAddress) => {
			const path = new URL(request.url).pathname;
			if (path.startsWith(TRPC_ENDPOINT)) {
				return handleTrpc(request, { services, user: null, clientAddress, log: relay.log });
			}
			if (path === AGENT_FILES_PATH) return handleAgentFiles(request, { relay, services });
			if (path === '/api/telegram' && request.method === 'POST') {
				return handleWebhook(request, {
					secret: config.TELEGRAM_WEBHOOK_SECRET,
					bot: async () => bot
				});
			}
			if (path === '/api/stripe/webhook' && request.method === 'POST') {
				return handleStripeWebhook(request, relay);
			}
			return new Response('not found', { status: 404 });
		});
		cleanups.push(() => server.close());
		const secret = deriveWebhookSecret(TEST_WEBHOOK_SECRET);
		return {
			relay,
			services,
			bot,
			telegram,
			url: server.url,
			redisUrl: redisServer.url,
			advance: (ms) => {
				offset += ms;
			},
			atMinuteStart: () => {
				const ms = 60_000 - (relay.now().getTime() % 60_000);
				offset += ms;
				return () => (offset -= ms);
			},
			postUpdate: (update, secretHeader = secret) =>
				fetch(`${server.url}/api/telegram`, {
					method: 'POST',
					headers: {
						'content-type': 'application/json',
						...(secretHeader === null ? {} : { [SECRET_HEADER]: secretHeader })
					},
					body: typeof update === 'string' ? update : JSON.stringify(update)
				}),
			stop: () => runCleanups(cleanups)
		};
	} catch (error) {
		await runCleanups(cleanups);
		throw error;
	}
}

async function runCleanups(cleanups: (() => Promise<unknown>)[]): Promise<void> {
	for (const cleanup of cleanups.reverse()) await cleanup().catch(() => {});
}
