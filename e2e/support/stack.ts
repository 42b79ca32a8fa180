/**
 * One running relay for browser tests, built from the real parts: redis-server behind the
 * project's Upstash-compatible REST server, the Bot API stand-in, a temp DATA_DIR (embedded
 * PGlite), and the built app itself (`node web/build/index.js`) on a free port.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createWriteStream, mkdirSync, readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { freePort } from '../../web/test/harness/ports.ts';
import { startRedisServer } from '../../web/test/harness/redis.ts';
import { createFakeTelegram, type FakeTelegram } from '../../web/test/harness/telegram-api.ts';
import {
	deriveWebhookSecret,
	SECRET_HEADER
} from '../../web/src/lib/server/telegram/webhook-secret.ts';
import { createUpstashRestServer } from '../../web/tools/upstash-rest/server.ts';
import { SERVER_ENTRY, WEB_DIR } from './build.ts';
import { copyDatabaseTemplate } from './database-template.ts';

export const BOT_TOKEN = '7000000001:E2E-bot-token-for-browser-tests_x';
export const BOT_USERNAME = 'e2e_relay_bot';
const WEBHOOK_SECRET = 'e2e-webhook-secret-0123456789abcdef';
const REST_TOKEN = 'e2e-upstash-rest-token';
const HEALTH_TIMEOUT_MS = 30_000;
/** The app's graceful shutdown can hang on open handles; its data is thrown away anyway. */
const STOP_GRACE_MS = 500;

export interface RelayStack {
	/** `http://127.0.0.1:<port>`, also the app's PUBLIC_URL and ORIGIN. */
	baseURL: string;
	botToken: string;
	botUsername: string;
	/** The Bot API stand-in the app talks to: recorded calls, sent messages, injected failures. */
	telegram: FakeTelegram;
	upstash: { url: string; token: string };
	dataDir: string;
	/** Where the app's stdout/stderr go (structured JSON lines). */
	logFile: string;
	/** POST an update to the app's webhook as Telegram would (correct secret header). */
	postUpdate(update: unknown): Promise<Response>;
	stop(): Promise<void>;
}

// Children of a worker that dies without teardown must not outlive it.
const children = new Set<ChildProcess>();
process.once('exit', () => {
	for (const child of children) child.kill('SIGKILL');
});

export interface RelayStackOptions {
	logFile: string;
	/** A migrated DATA_DIR to start from (see database-template.ts); without it PGlite runs initdb. */
	databaseTemplate?: string;
	/** More settings for the app (e.g. the Stripe stand-in's, a DATABASE_URL). */
	env?: Record<string, string>;
}

export async function startRelayStack(opts: RelayStackOptions): Promise<RelayStack> {
	const cleanups: (() => Promise<unknown>)[] = [];
	const stop = async () => {
		for (const cleanup of cleanups.splice(0).reverse()) await cleanup().catch(() => {});
	};
	try {
		const redis = await startRedisServer();
		cleanups.push(() => redis.stop());
		const rest = await createUpstashRestServer({ redisUrl: redis.url, token: REST_TOKEN });
		cleanups.push(() => rest.close());
		const telegram = await createFakeTelegram({ token: BOT_TOKEN });
		cleanups.push(() => telegram.close());
		const dataDir = await mkdtemp(join(tmpdir(), 'e2e-data-'));
		cleanups.push(() => rm(dataDir, { recursive: true, force: true }));
		if (opts.databaseTemplate) copyDatabaseTemplate(opts.databaseTemplate, dataDir);

		const port = await freePort();
		const baseURL = `http://127.0.0.1:${port}`;
		const env: Record<string, string> = {
			PATH: process.env.PATH ?? '/usr/bin:/bin',
			HOME: process.env.HOME ?? tmpdir(),
			NODE_ENV: 'production',
			HOST: '127.0.0.1',
			PORT: String(port),
			ORIGIN: baseURL,
			PUBLIC_URL: baseURL,
			DATA_DIR: dataDir,
			UPSTASH_REDIS_REST_URL: rest.url,
			UPSTASH_REDIS_REST_TOKEN: REST_TOKEN,
			AGENT_JWT_SECRET: randomBytes(36).toString('base64'),
			TELEGRAM_BOT_TOKEN: BOT_TOKEN,
			TELEGRAM_BOT_USERNAME: BOT_USERNAME,
			TELEGRAM_WEBHOOK_SECRET: WEBHOOK_SECRET,
			TELEGRAM_API_ROOT: telegram.apiRoot,
			LOG_LEVEL: 'info',
			...opts.env
		};
		const app = await startApp(env, opts.logFile);
		cleanups.push(() => stopChild(app));
		await waitForHealth(baseURL, app, opts.logFile);

		const secretHeader = deriveWebhookSecret(WEBHOOK_SECRET);
		return {
			baseURL,
			botToken: BOT_TOKEN,
			botUsername: BOT_USERNAME,
			telegram,
			upstash: { url: rest.url, token: REST_TOKEN },
			dataDir,
			logFile: opts.logFile,
			postUpdate: (update) =>
				fetch(`${baseURL}/api/telegram`, {
					method: 'POST',
					headers: { 'content-type': 'application/json', [SECRET_HEADER]: secretHeader },
					body: JSON.stringify(update)
				}),
			stop
		};
	} catch (error) {
		await stop();
		throw error;
	}
}

async function startApp(env: Record<string, string>, logFile: string): Promise<ChildProcess> {
	mkdirSync(dirname(logFile), { recursive: true });
	const log = createWriteStream(logFile);
	await new Promise((resolve, reject) => log.once('open', resolve).once('error', reject));
	const child = spawn(process.execPath, [SERVER_ENTRY], {
		cwd: WEB_DIR,
		env,
		stdio: ['ignore', log, log]
	});
	children.add(child);
	child.once('exit', () => {
		children.delete(child);
		log.end();
	});
	return child;
}

/** Resolves once the app answers /healthz with 200; fails early if it exits. */
export async function waitForHealth(
	baseURL: string,
	app: ChildProcess,
	logFile: string
): Promise<void> {
	const deadline = Date.now() + HEALTH_TIMEOUT_MS;
	let last = 'no answer';
	while (Date.now() < deadline) {
		if (app.exitCode !== null || app.signalCode !== null) {
			throw new Error(
				`e2e: the app exited during start (${app.exitCode ?? app.signalCode})${tail(logFile)}`
			);
		}
		try {
			const response = await fetch(`${baseURL}/healthz`);
			if (response.status === 200) return;
			last = `${response.status} ${await response.text()}`;
		} catch (error) {
			last = (error as Error).message;
		}
		await new Promise((resolve) => setTimeout(resolve, 100));
	}
	throw new Error(
		`e2e: ${baseURL}/healthz not 200 within ${HEALTH_TIMEOUT_MS} ms (${last})${tail(logFile)}`
	);
}

/** The last lines of a log file, as a suffix for an error message ('' when there are none). */
export function tail(file: string, lines = 15): string {
	try {
		const text = readFileSync(file, 'utf8').trim().split('\n').slice(-lines).join('\n');
		return text ? `\n--- ${file} ---\n${text}` : '';
	} catch {
		return '';
	}
}

function stopChild(child: ChildProcess): Promise<void> {
	if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
	return new Promise((resolve) => {
		const force = setTimeout(() => child.kill('SIGKILL'), STOP_GRACE_MS);
		child.once('exit', () => {
			clearTimeout(force);
			resolve();
		});
		child.kill('SIGTERM');
	});
}
