/**
 * Benchmark (not a test): what a forged Telegram webhook call (wrong secret → 401) costs
 * `pnpm start`'s server, against a bare grammY `webhookCallback(bot, 'http', { secretToken })` on
 * `node:http`, same machine, same run. The server is the real one: `serveApp` (its webhook guard)
 * in front of the built SvelteKit handler, configured through `parseStartSettings` like start.ts.
 * For context, the same built app without the guard. What every number means: bench/README.md.
 *
 *   cd web && npx tsx bench/forgery.ts       (needs web/build: pnpm --filter @remoteagent/web build)
 */
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, type RequestListener, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { availableParallelism, cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Bot, webhookCallback } from 'grammy';
import { deriveWebhookSecret, SECRET_HEADER } from '../src/lib/server/telegram/webhook-secret.ts';
import { testBotInfo } from '../test/harness/telegram-api.ts';
import { BuildMissingError, handlerFile, loadHandler, serveApp } from '../scripts/lib/app.ts';
import { parseStartSettings } from '../scripts/lib/settings.ts';
import { rps, startLoadWorker, type LoadResult } from './load.ts';
import { abortAfter, median, runCleanups } from './support.ts';

const CONCURRENCY = 8; // requests in flight: 8 lanes on their own keep-alive connections
const ROUNDS = 3; // timed rounds per path, paths alternating; the median counts
const REQUESTS = 40_000; // per round, at most
const ROUND_MAX_MS = 4_000; // a round also ends after this long
const DEADLINE_MS = 120_000;

const buildDir = fileURLToPath(new URL('../build/', import.meta.url));

/** What Telegram would send, give or take: the forger's body is never read on the fast paths. */
const UPDATE = JSON.stringify({
	update_id: 100_000_001,
	message: {
		message_id: 7,
		date: 1_700_000_000,
		chat: { id: 4242, type: 'private', first_name: 'Mallory' },
		from: { id: 4242, is_bot: false, first_name: 'Mallory', username: 'mallory' },
		text: 'run rm -rf / please'
	}
});
const FORGED = { 'content-type': 'application/json', [SECRET_HEADER]: 'forged-secret' };

async function main(): Promise<void> {
	const started = performance.now();
	const loadBefore = loadavg()[0]!;
	const cleanups: (() => unknown)[] = [];
	const stopDeadline = abortAfter(DEADLINE_MS, cleanups);
	try {
		const app = handlerFile(buildDir); // throws, saying how to build, when there is no build
		const secret = randomBytes(24).toString('hex');
		const dataDir = await mkdtemp(join(tmpdir(), 'bench-forgery-'));
		cleanups.push(() => rm(dataDir, { recursive: true, force: true }));
		// The app's configuration, as start.ts sets it before loading the app. Nothing here is
		// contacted: a forged call never reaches Redis, the database or Telegram.
		Object.assign(process.env, {
			DATA_DIR: dataDir,
			PUBLIC_URL: 'http://127.0.0.1:3000',
			ORIGIN: 'http://127.0.0.1:3000',
			UPSTASH_REDIS_REST_URL: 'http://127.0.0.1:9',
			UPSTASH_REDIS_REST_TOKEN: 'bench-never-used',
			AGENT_JWT_SECRET: randomBytes(48).toString('base64'),
			TELEGRAM_WEBHOOK_SECRET: secret,
			LOG_LEVEL: 'error'
		});
		const { config } = parseStartSettings(process.env);
		const handler = await loadHandler(app);

		const grammy = await listen(grammyServer(deriveWebhookSecret(secret)));
		cleanups.push(() => grammy.close());
		const production = await serveApp(handler, '127.0.0.1', 0, config.TELEGRAM_WEBHOOK_SECRET);
		cleanups.push(() => production.close());
		const unguarded = await listen(
			createServer((req, res) =>
				handler(req, res, () => {
					res.statusCode = 404;
					res.end('Not Found');
				})
			)
		);
		cleanups.push(() => unguarded.close());

		const load = startLoadWorker();
		cleanups.push(() => load.stop());
		const webhook = (port: number) => `http://127.0.0.1:${port}/api/telegram`;
		const paths = {
			grammy: webhook(grammy.port),
			production: webhook(production.port),
			unguarded: webhook(unguarded.port)
		};
		const lanes = (total: number) =>
			Array.from({ length: CONCURRENCY }, () =>
				Array.from({ length: Math.ceil(total / CONCURRENCY) }, () => UPDATE)
			);
		const rates = { grammy: [] as number[], production: [] as number[], unguarded: [] as number[] };
		for (let round = -1; round < ROUNDS; round++) {
			for (const name of Object.keys(paths) as (keyof typeof paths)[]) {
				// Round -1 is the warm-up: a quarter of the requests and time, not counted.
				const share = round < 0 ? 4 : 1;
				const result = await load.run(
					ROUND_MAX_MS / share,
					paths[name],
					FORGED,
					lanes(REQUESTS / share)
				);
				expectOnly401(name, result);
				if (round >= 0) rates[name].push(result.requests / (result.elapsedMs / 1000));
			}
		}

		const a = median(rates.grammy);
		const b = median(rates.production);
		const c = median(rates.unguarded);
		console.log('\nforgery benchmark — wrong-secret POST /api/telegram → 401, one run\n');
		console.log('| path | req/s | rounds (req/s) | vs (a) |');
		console.log('|---|---:|---|---:|');
		const row = (label: string, value: number, all: number[]) =>
			console.log(
				`| ${label} | ${rps(value)} | ${all.map((r) => Math.round(r)).join(', ')} | ${(value / a).toFixed(2)}× |`
			);
		row(
			"(a) bare grammY webhookCallback(bot, 'http', { secretToken }) on node:http",
			a,
			rates.grammy
		);
		row('(b) pnpm start: serveApp (webhook guard) + built SvelteKit app', b, rates.production);
		row(
			'(c) the same built app without the guard (SvelteKit route → handleWebhook)',
			c,
			rates.unguarded
		);
		console.log(`\n(b) / (a) = ${(b / a).toFixed(2)} (goal ≥ 0.80)`);
		console.log(
			`\nmachine: ${availableParallelism()} cores (${cpus()[0]?.model.trim() ?? 'unknown cpu'}), node ${process.version}; ` +
				`${CONCURRENCY} requests in flight on keep-alive connections, load generator in a worker thread; ` +
				`median of ${ROUNDS} rounds per path (${REQUESTS.toLocaleString('en-US')} requests or ${ROUND_MAX_MS / 1000} s) after a warm-up round, paths alternating; ` +
				`load average ${loadBefore.toFixed(1)} at start, ${loadavg()[0]!.toFixed(1)} at end; ` +
				`total run time ${((performance.now() - started) / 1000).toFixed(1)} s.`
		);
	} finally {
		stopDeadline();
		await runCleanups(cleanups);
	}
}

/** grammY's own webhook handler, as its documentation sets it up for `node:http`. */
function grammyServer(secretToken: string): Server {
	const token = '123456789:bench-token-never-used-abcdef';
	const botInfo = testBotInfo(token, 'Bench Bot', 'bench_bot');
	const bot = new Bot(token, { botInfo });
	bot.on('message', () => {});
	const callback = webhookCallback(bot, 'http', { secretToken });
	const listener: RequestListener = (req, res) => void callback(req, res);
	return createServer(listener);
}

async function listen(server: Server): Promise<{ port: number; close: () => Promise<void> }> {
	await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
	return {
		port: (server.address() as AddressInfo).port,
		close: () =>
			new Promise<void>((resolve) => {
				server.close(() => resolve());
				server.closeAllConnections();
			})
	};
}

function expectOnly401(path: string, result: LoadResult): void {
	const wrong = Object.keys(result.statuses).filter((status) => status !== '401');
	if (wrong.length > 0 || result.requests === 0) {
		throw new Error(`${path}: expected only 401, got ${JSON.stringify(result.statuses)}`);
	}
}

main().catch((error: unknown) => {
	// No build: the message says how to make one; anything else: where it broke.
	const detail =
		error instanceof BuildMissingError
			? error.message
			: error instanceof Error
				? (error.stack ?? error.message)
				: String(error);
	console.error(`error: ${detail}`);
	process.exit(1);
});
