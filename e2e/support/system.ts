/**
 * The whole product on one machine, for the agent system tests: redis-server (persistent)
 * behind the project's Upstash-compatible REST server, the Bot API stand-in, the built app on
 * a fixed port, and fake model APIs for the HTTP runners. Unlike stack.ts (browser tests),
 * the app and Redis can be killed and restarted in place; agents are in system-agent.ts.
 */
import { randomBytes } from 'node:crypto';
import { mkdirSync, rmSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from '../../web/test/harness/ports.ts';
import { createFakeTelegram, type FakeTelegram } from '../../web/test/harness/telegram-api.ts';
import {
	deriveWebhookSecret,
	SECRET_HEADER
} from '../../web/src/lib/server/telegram/webhook-secret.ts';
import { createUpstashRestServer } from '../../web/tools/upstash-rest/server.ts';
import { copyDatabaseTemplate } from './database-template.ts';
import {
	startFakeAnthropic,
	startFakeOpenAI,
	type ChatRequestBody,
	type FakeModelApi,
	type MessagesRequestBody,
	type ModelReply
} from './system-fakes.ts';
import {
	persistentRedis,
	restartableApp,
	type PersistentRedis,
	type RestartableApp
} from './system-services.ts';
import { startTelegramGate, type TelegramGate } from './system-telegram-gate.ts';
import { signedPayload, type TelegramUser } from './telegram-login.ts';
import { startPostgres } from '../../web/test/harness/postgres.ts';
import { startRoundRobin } from './round-robin.ts';

export const BOT_TOKEN = '7000000002:E2E-system-bot-token-0123456789';
const WEBHOOK_SECRET = 'e2e-system-webhook-secret-0123456789';
const REST_TOKEN = 'e2e-system-upstash-rest-token';

/** Distinctive fake keys: the recording proxy must never see any of them. */
export const SECRETS = {
	anthropic: 'sk-ant-TEST-SECRET-anthropic-5d1f7e2b9c',
	openai: 'sk-openai-TEST-SECRET-gateway-8a4c1e6f0b'
} as const;

export interface SystemOptions {
	/** A migrated DATA_DIR to start from (database-template.ts, made by global-setup). */
	databaseTemplate?: string;
	anthropicReply: (body: MessagesRequestBody) => ModelReply;
	openaiReply: (body: ChatRequestBody) => { pieces: string[]; delayMs?: number };
	/** More settings of the app (e.g. a higher TELEGRAM_RATE_PER_MINUTE). */
	env?: Record<string, string>;
	/**
	 * Instances of the app behind a round-robin load balancer, sharing Redis and a real
	 * PostgreSQL (through the Neon driver's WebSocket path). Default 1: PGlite in DATA_DIR.
	 */
	instances?: number;
}

export interface System {
	/**
	 * Logs of the app, redis and every agent. A temp dir (removed by stop(): attach what a failed
	 * test needs), or $E2E_SYSTEM_LOGS to keep them.
	 */
	logDir: string;
	/** The app's DATA_DIR (PGlite files and WAL). */
	dataDir: string;
	/** The app (the first instance when there are several). */
	app: RestartableApp;
	/** Every instance of the app. */
	apps: RestartableApp[];
	/** Where agents, Telegram and browsers reach the relay: the app, or the load balancer. */
	entry: { baseURL: string; port: number; served?: readonly number[] };
	redis: PersistentRedis;
	telegram: FakeTelegram;
	/** Between the app and `telegram`: holds one request on demand (fault injection). */
	telegramGate: TelegramGate;
	anthropic: FakeModelApi<MessagesRequestBody>;
	openai: FakeModelApi<ChatRequestBody>;
	/** POST an update to the webhook as Telegram would; the Response, or the network error. */
	postUpdate(update: unknown): Promise<Response>;
	/**
	 * As Telegram delivers an update: re-sent every 250 ms (also while the app is down) until the
	 * webhook answers 2xx; throws after `timeoutMs`.
	 */
	deliver(update: unknown, timeoutMs?: number): Promise<void>;
	/** Sign `user` in on the dashboard (Telegram Login) and create a pairing code there. */
	pairingCode(user: TelegramUser): Promise<string>;
	stop(): Promise<void>;
}

export async function startSystem(opts: SystemOptions): Promise<System> {
	const cleanups: (() => Promise<unknown>)[] = [];
	const stop = async () => {
		for (const cleanup of cleanups.splice(0).reverse()) await cleanup().catch(() => {});
	};
	try {
		const dir = await mkdtemp(join(tmpdir(), 'e2e-system-'));
		const removeOnExit = () => rmSync(dir, { recursive: true, force: true });
		process.once('exit', removeOnExit);
		cleanups.push(async () => {
			process.off('exit', removeOnExit);
			await rm(dir, { recursive: true, force: true });
		});
		const logDir = process.env.E2E_SYSTEM_LOGS ?? join(dir, 'logs');
		mkdirSync(logDir, { recursive: true });

		const redis = persistentRedis({
			port: await freePort(),
			dir: join(dir, 'redis'),
			logFile: join(logDir, 'redis.log')
		});
		cleanups.push(() => redis.stop());
		await redis.start();
		const rest = await createUpstashRestServer({ redisUrl: redis.url, token: REST_TOKEN });
		cleanups.push(() => rest.close());
		const telegram = await createFakeTelegram({ token: BOT_TOKEN });
		cleanups.push(() => telegram.close());
		const telegramGate = await startTelegramGate(telegram.apiRoot);
		cleanups.push(() => telegramGate.close());
		const anthropic = await startFakeAnthropic({
			apiKey: SECRETS.anthropic,
			reply: opts.anthropicReply
		});
		cleanups.push(() => anthropic.close());
		const openai = await startFakeOpenAI({ apiKey: SECRETS.openai, reply: opts.openaiReply });
		cleanups.push(() => openai.close());

		const instances = opts.instances ?? 1;
		let database: Record<string, string> = { DATA_DIR: join(dir, 'data') };
		if (instances > 1) {
			const postgres = await startPostgres();
			cleanups.push(() => postgres.stop());
			database = {
				...database,
				DATABASE_URL: postgres.databaseUrl,
				DATABASE_WS_PROXY: postgres.wsProxy
			};
		} else if (opts.databaseTemplate) {
			copyDatabaseTemplate(opts.databaseTemplate, join(dir, 'data'));
		}
		const ports = await Promise.all(Array.from({ length: instances }, () => freePort()));
		const balancer = instances > 1 ? await startRoundRobin(ports) : null;
		if (balancer) cleanups.push(() => balancer.close());
		const env = {
			PATH: process.env.PATH ?? '/usr/bin:/bin',
			HOME: process.env.HOME ?? tmpdir(),
			NODE_ENV: 'production',
			...database,
			UPSTASH_REDIS_REST_URL: rest.url,
			UPSTASH_REDIS_REST_TOKEN: REST_TOKEN,
			AGENT_JWT_SECRET: randomBytes(36).toString('base64'),
			TELEGRAM_BOT_TOKEN: BOT_TOKEN,
			TELEGRAM_BOT_USERNAME: 'e2e_system_bot',
			TELEGRAM_WEBHOOK_SECRET: WEBHOOK_SECRET,
			TELEGRAM_API_ROOT: telegramGate.apiRoot,
			LOG_LEVEL: 'info',
			...opts.env
		};
		const apps = ports.map((port, i) =>
			restartableApp({
				port,
				logFile: join(logDir, instances > 1 ? `app-${i + 1}.log` : 'app.log'),
				publicURL: balancer?.baseURL,
				env
			})
		);
		for (const app of apps) {
			cleanups.push(() => app.stop());
			await app.start();
		}
		const app = apps[0]!;
		const entry = balancer ?? { baseURL: app.baseURL, port: app.port };

		const secretHeader = deriveWebhookSecret(WEBHOOK_SECRET);
		const postUpdate = (update: unknown) =>
			fetch(`${entry.baseURL}/api/telegram`, {
				method: 'POST',
				headers: { 'content-type': 'application/json', [SECRET_HEADER]: secretHeader },
				body: JSON.stringify(update)
			});
		return {
			logDir,
			dataDir: join(dir, 'data'),
			app,
			apps,
			entry,
			redis,
			telegram,
			telegramGate,
			anthropic,
			openai,
			postUpdate,
			async deliver(update, timeoutMs = 100_000) {
				for (const deadline = Date.now() + timeoutMs; Date.now() < deadline;) {
					const answer = await postUpdate(update).catch(() => null);
					if (answer?.ok) return;
					await new Promise((resolve) => setTimeout(resolve, 250));
				}
				throw new Error(`e2e: the webhook did not take an update within ${timeoutMs} ms`);
			},
			pairingCode: (user) => pairingCode(entry.baseURL, user),
			stop
		};
	} catch (error) {
		await stop();
		throw error;
	}
}

/**
 * What a person does on the dashboard, as plain HTTP: the Login Widget's form post to
 * `/login?/telegram` (session cookie), then the "Create pairing code" form on `/agents/new`,
 * whose action result SvelteKit sends as JSON when asked with `accept: application/json`.
 */
async function pairingCode(baseURL: string, user: TelegramUser): Promise<string> {
	const cookie = await signInCookie(baseURL, user, BOT_TOKEN);
	const created = await fetch(`${baseURL}/agents/new`, {
		method: 'POST',
		headers: {
			origin: baseURL,
			cookie,
			accept: 'application/json',
			'content-type': 'application/x-www-form-urlencoded'
		},
		body: ''
	});
	const text = await created.text();
	let code: unknown;
	try {
		// `data` is devalue's flat array: [ {code: <index>, …}, …values ].
		const values = JSON.parse((JSON.parse(text) as { data: string }).data) as [
			Record<string, number>,
			...unknown[]
		];
		code = values[values[0].code!];
	} catch {
		code = undefined;
	}
	if (created.status !== 200 || typeof code !== 'string') {
		throw new Error(`e2e: no pairing code: ${created.status} ${text.slice(0, 300)}`);
	}
	return code;
}

/** Sign in as `user` with the Login Widget's form post; returns the session cookie. */
export async function signInCookie(
	baseURL: string,
	user: TelegramUser,
	botToken: string
): Promise<string> {
	const login = await fetch(`${baseURL}/login?/telegram`, {
		method: 'POST',
		redirect: 'manual',
		headers: {
			origin: baseURL,
			accept: 'text/html',
			'content-type': 'application/x-www-form-urlencoded'
		},
		body: new URLSearchParams(signedPayload(user, botToken))
	});
	const cookie = login.headers
		.getSetCookie()
		.map((c) => c.split(';')[0]!)
		.find((c) => c.startsWith('ra_session='));
	if (login.status !== 303 || !cookie) {
		throw new Error(`e2e: sign-in failed: ${login.status} ${(await login.text()).slice(0, 300)}`);
	}
	return cookie;
}
