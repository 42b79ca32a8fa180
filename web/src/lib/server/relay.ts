/**
 * The relay's dependencies, built once per process from a validated config: the database
 * (migrated), Redis, rate limits, the command queue, the Telegram and Stripe clients. Everything it
 * holds is a connection or a client; no request state lives here.
 */
import { Redis } from '@upstash/redis';
import type { Api } from 'grammy';
import type Stripe from 'stripe';
import { createStripe } from './billing/stripe.ts';
import type { Config } from './config/schema.ts';
import { createDb, type DbHandle } from './db/index.ts';
import { migrate } from './db/migrate.ts';
import type { Deps } from './deps.ts';
import { createLogger, type Logger } from './log.ts';
import { createSealer } from './crypto/seal.ts';
import { createLimits, type Limits } from './ratelimit/limits.ts';
import { AgentChannels } from './relay/agent-channels.ts';
import { IdentityCache } from './agents/identity-cache.ts';
import { Presence } from './agents/presence.ts';
import { CommandQueue } from './relay/command-queue.ts';
import type { SessionDeps } from './sessions/sessions.ts';
import { createTelegramApi } from './telegram/api.ts';
import { UpdateClaims } from './telegram/update-claim.ts';
import { nullNotifier, telegramNotifier } from './telegram/notifier.ts';

export interface Relay extends SessionDeps {
	limits: Limits;
	/** Update claims and the per-sender rate limit, one round trip each. */
	claims: UpdateClaims;
	/** The process's one subscriber to every agent's channel. */
	channels: AgentChannels;
	/** Agents authenticated recently, trusted while `channels` would hear their revocation. */
	identities: IdentityCache;
	/** Null when billing is off (no STRIPE_SECRET_KEY): nothing may call Stripe then. */
	stripe: Stripe | null;
	database: DbHandle;
	close(): Promise<void>;
}

export interface RelayOptions {
	now?: () => Date;
	log?: Logger;
	/** Replace the Bot API client (tests point grammY at a stand-in through TELEGRAM_API_ROOT instead). */
	telegram?: Api | null;
	/** How often a command subscription checks Redis on its own (default 15 minutes). */
	pollMs?: number;
}

export async function createRelay(config: Config, opts: RelayOptions = {}): Promise<Relay> {
	const log = opts.log ?? createLogger(config.LOG_LEVEL);
	const database = await createDb({
		databaseUrl: config.DATABASE_URL,
		dataDir: config.DATA_DIR,
		neon: config.DATABASE_WS_PROXY
			? { wsProxy: config.DATABASE_WS_PROXY, insecure: true }
			: undefined,
		onPoolError: (error) => log.warn('database.idle_connection_failed', { error: error.name })
	});
	await migrate(database);
	const redis = new Redis({
		url: config.UPSTASH_REDIS_REST_URL,
		token: config.UPSTASH_REDIS_REST_TOKEN,
		enableTelemetry: false
	});
	const telegram =
		opts.telegram !== undefined
			? opts.telegram
			: config.TELEGRAM_BOT_TOKEN
				? createTelegramApi(config.TELEGRAM_BOT_TOKEN, config.TELEGRAM_API_ROOT)
				: null;
	const now = opts.now ?? (() => new Date());
	const deps: Deps = { config, db: database.db, redis, log, now };
	// The sealing keys are derived (HKDF, one per purpose) from the server's one secret.
	const sealer = createSealer(config.AGENT_JWT_SECRET);
	const identities = new IdentityCache();
	const channels = new AgentChannels({
		url: config.UPSTASH_REDIS_REST_URL,
		token: config.UPSTASH_REDIS_REST_TOKEN,
		log,
		// Any revocation or change of an agent heard here ends what this process believes of it.
		onSignal: (agentId, signal) => {
			if (signal.kind === 'revoked' || signal.kind === 'changed') identities.evict(agentId);
		},
		onGap: () => identities.clear()
	});
	return {
		...deps,
		database,
		sealer,
		limits: createLimits(redis),
		claims: new UpdateClaims(redis, config.AGENT_JWT_SECRET),
		stripe: await createStripe(config),
		channels,
		identities,
		presence: new Presence(redis),
		queue: new CommandQueue(redis, sealer, channels, {
			queueTtlMs: config.OFFLINE_QUEUE_MS,
			pollMs: opts.pollMs
		}),
		telegram,
		notifier: telegram ? telegramNotifier(telegram, log) : nullNotifier(log),
		close: async () => {
			channels.close();
			await database.close();
		}
	};
}
