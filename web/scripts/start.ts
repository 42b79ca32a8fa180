/**
 * `pnpm start`: the whole relay on one machine. Redis (our own redis-server unless one is
 * configured) behind the Upstash-compatible REST server, the migrated database, the web app on
 * HOST:PORT, the sweep timer, Telegram long polling and, for a Stripe test key with a local
 * STRIPE_API_BASE, the Stripe stand-in; one status block; Ctrl-C stops it all.
 * One instance per data directory (start.lock); a redis-server that dies is restarted.
 * Configuration comes from the environment and `<repo>/.env`, validated once before anything
 * starts. Secrets are never printed.
 */
import { fileURLToPath } from 'node:url';
import { ConfigError } from '../src/lib/server/config/schema.ts';
import { createRelay } from '../src/lib/server/relay.ts';
import { freePort } from '../tools/local-redis.ts';
import { handlerFile, handOverRelay, loadHandler, serveApp } from './lib/app.ts';
import { startLongPolling, startSweepTimer } from './lib/background.ts';
import { lockDataDir } from './lib/instance-lock.ts';
import { planRedis, redisEnv, startRedis } from './lib/redis-setup.ts';
import { loadLocalSecrets } from './lib/secrets.ts';
import {
	dropEmptySettings,
	type Env,
	loadDotEnv,
	parseStartSettings,
	resolveDataDir,
	resolveFromRepo,
	withLocalDefaults
} from './lib/settings.ts';
import { formatStatus, localUrl, telegramMode } from './lib/status.ts';
import { describeBilling, standInBase, startStripeStandIn } from './lib/stripe-standin.ts';

const repoRoot = fileURLToPath(new URL('../../', import.meta.url));
const buildDir = fileURLToPath(new URL('../build/', import.meta.url));

const cleanups: (() => Promise<unknown>)[] = [];
let stopping = false;

async function stopAll(): Promise<void> {
	for (const cleanup of cleanups.splice(0).reverse()) {
		await cleanup().catch((error: unknown) =>
			console.error(`while stopping: ${error instanceof Error ? error.message : String(error)}`)
		);
	}
}

function onSignal(): void {
	if (stopping) {
		console.error('forced exit');
		process.exit(130);
	}
	stopping = true;
	console.log('\nstopping… (Ctrl-C again to force)');
	stopAll().then(
		() => process.exit(0),
		() => process.exit(1)
	);
}

async function main(): Promise<void> {
	process.on('SIGINT', onSignal);
	process.on('SIGTERM', onSignal);

	loadDotEnv(repoRoot);
	dropEmptySettings(process.env);
	const dataDir = resolveDataDir(process.env.DATA_DIR, repoRoot);
	const secrets = await loadLocalSecrets(dataDir);
	const plan = await planRedis(process.env, secrets);
	const given: Env = { ...process.env, DATA_DIR: dataDir, ...redisEnv(plan) };
	if (given.DOWNLOADS_DIR) given.DOWNLOADS_DIR = resolveFromRepo(given.DOWNLOADS_DIR, repoRoot);
	given.AGENT_JWT_SECRET ||= secrets.agentJwtSecret;
	// PORT=0: pick the port now, so the default PUBLIC_URL names the real one.
	if (given.PORT === '0') given.PORT = String(await freePort());
	const env = withLocalDefaults(given);
	// The app reads process.env itself (adapter-node): it must see what was validated here.
	Object.assign(process.env, env);
	const { config, host, port } = parseStartSettings(process.env);
	const app = handlerFile(buildDir);

	const lock = await lockDataDir(dataDir);
	cleanups.push(() => lock.release());
	const redis = await startRedis(plan, {
		dataDir,
		log: (line) => console.error(line),
		onGiveUp: (error) => void fail(error)
	});
	cleanups.push(() => redis.stop());
	const relay = await createRelay(config);
	cleanups.push(() => relay.close());
	handOverRelay(relay);

	const server = await serveApp(await loadHandler(app), host, port);
	cleanups.push(() => server.close());

	const telegram = telegramMode(config);
	if (telegram.kind === 'polling') {
		const polling = startLongPolling(relay);
		cleanups.push(() => polling.stop());
	}
	const sweep = startSweepTimer(relay);
	cleanups.push(() => sweep.stop());
	const stripeBase = standInBase(config);
	if (stripeBase) {
		const standIn = await startStripeStandIn(config, stripeBase, localUrl(host, server.port));
		cleanups.push(() => standIn.stop());
	}

	const status = formatStatus(
		{
			url: localUrl(host, server.port),
			publicUrl: config.PUBLIC_URL,
			database: relay.database.describe,
			redis: redis.describe,
			telegram,
			billing: describeBilling(config, stripeBase)
		},
		process.stdout.isTTY
	);
	console.log(status);
}

/** Startup failed, or something it started cannot go on: one red line, stop the rest, exit 1. */
async function fail(error: unknown): Promise<void> {
	if (stopping) return;
	stopping = true;
	const red = (s: string) => (process.stderr.isTTY ? `\x1b[31m${s}\x1b[39m` : s);
	if (error instanceof ConfigError) {
		console.error(red(error.message));
		console.error('See .env.example at the repository root for every variable and its format.');
	} else {
		console.error(red(`error: ${error instanceof Error ? error.message : String(error)}`));
	}
	await stopAll();
	process.exit(1);
}

main().catch(fail);
