/**
 * `pnpm start`: the whole relay on one machine. Redis (our own redis-server unless one is
 * configured) behind the Upstash-compatible REST server, the migrated database, the web app on
 * HOST:PORT, the sweep timer, Telegram long polling and, for a Stripe test key with a local
 * STRIPE_API_BASE, the Stripe stand-in; one status block; Ctrl-C stops it all.
 * One instance per data directory (start.lock); a redis-server that dies is restarted.
 * Configuration comes from the environment and `<repo>/.env`, validated once before anything
 * starts, even the build; the app is rebuilt only when its sources changed, behind one progress
 * line (`--verbose` shows vite's output; it is always in DATA_DIR/build.log). Without a bot
 * token it prints a one-time local sign-in link. Secrets are never printed.
 */
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ConfigError } from '../src/lib/server/config/schema.ts';
import { createRelay, type Relay } from '../src/lib/server/relay.ts';
import { freePort } from '../tools/local-redis.ts';
import { createLoginLink } from '../src/lib/server/auth/login-link.ts';
import { handlerFile, handOverRelay, loadHandler, serveApp } from './lib/app.ts';
import { build, buildIsCurrent, sourceHash } from './lib/build.ts';
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
import {
	formatStatus,
	LOCAL_OWNER,
	LOCAL_SIGN_IN_TTL_MS,
	localUrl,
	signInLink,
	telegramMode
} from './lib/status.ts';
import { describeBilling, standInBase, startStripeStandIn } from './lib/stripe-standin.ts';

const repoRoot = fileURLToPath(new URL('../../', import.meta.url));
const webDir = fileURLToPath(new URL('../', import.meta.url));
const buildDir = fileURLToPath(new URL('../build/', import.meta.url));

const cleanups: (() => Promise<unknown>)[] = [];
let stopping = false;
let firstSignalAt = 0;
let signalsSeen = 0;
// `pnpm start` on a terminal: one Ctrl-C reaches this process twice, from the terminal and
// from pnpm, which passes it on.
const signalsPerPress = process.env.npm_lifecycle_event && process.stdin.isTTY ? 2 : 1;

async function stopAll(): Promise<void> {
	for (const cleanup of cleanups.splice(0).reverse()) {
		await cleanup().catch((error: unknown) =>
			console.error(`while stopping: ${error instanceof Error ? error.message : String(error)}`)
		);
	}
}

function onSignal(): void {
	signalsSeen += 1;
	if (stopping) {
		// Only a second press is a request to force. The copy of the first can be handled late:
		// closing the database may hold the event loop for longer than any time window.
		if (signalsSeen <= signalsPerPress || Date.now() - firstSignalAt < 1000) return;
		console.error('forced exit');
		process.exit(130);
	}
	stopping = true;
	firstSignalAt = Date.now();
	console.log('\nstopping… (Ctrl-C again to force)');
	stopAll().then(
		() => process.exit(0),
		() => process.exit(1)
	);
}

async function main(): Promise<void> {
	process.on('SIGINT', onSignal);
	process.on('SIGTERM', onSignal);
	const verbose = parseFlags(process.argv.slice(2));

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

	// Before the build: a second start on this data directory must not rebuild under the first.
	const lock = await lockDataDir(dataDir);
	cleanups.push(() => lock.release());
	await ensureBuild(dataDir, verbose);
	const app = handlerFile(buildDir);
	const redis = await startRedis(plan, {
		dataDir,
		log: (line) => console.error(line),
		onGiveUp: (error) => void fail(error)
	});
	cleanups.push(() => redis.stop());
	const relay = await createRelay(config);
	cleanups.push(() => relay.close());
	handOverRelay(relay);

	const server = await serveApp(await loadHandler(app), host, port, config.TELEGRAM_WEBHOOK_SECRET);
	cleanups.push(() => server.close());

	const telegram = telegramMode(config);
	const bot = await botUsername(relay);
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
			billing: describeBilling(config, stripeBase),
			bot,
			signIn: relay.telegram ? undefined : await localSignIn(relay, localUrl(host, server.port))
		},
		process.stdout.isTTY
	);
	console.log(status);
}

/** `--verbose` (vite's output on the terminal) is the one option; anything else is refused. */
function parseFlags(args: string[]): boolean {
	const unknown = args.filter((a) => a !== '--verbose' && a !== '-v');
	if (unknown.length > 0) {
		throw new Error(`unknown option ${unknown[0]}: pnpm start takes only --verbose`);
	}
	return args.length > 0;
}

/** Build when the sources changed since the last build; one progress line meanwhile. */
async function ensureBuild(dataDir: string, verbose: boolean): Promise<void> {
	const hash = sourceHash(webDir);
	if (await buildIsCurrent(buildDir, hash)) return;
	const logFile = join(dataDir, 'build.log');
	const tty = process.stdout.isTTY && !verbose;
	const what = `Building the web app (sources changed since the last build; log: ${logFile})`;
	console.log(tty ? '' : `${what}…`);
	const line = (text: string) => process.stdout.write(`\r\x1b[2K${text}`);
	const started = Date.now();
	await build({
		webDir,
		buildDir,
		hash,
		logFile,
		verbose,
		progress: tty ? (seconds) => line(`${what}… ${seconds} s`) : undefined
	});
	const done = `Built the web app in ${Math.round((Date.now() - started) / 1000)} s.`;
	if (tty) line(done + '\n');
	else console.log(done);
}

/** The bot's username for its t.me link: configured, or asked from Telegram (3 s at most). */
async function botUsername(relay: Relay): Promise<string | undefined> {
	if (!relay.telegram) return undefined;
	if (relay.config.TELEGRAM_BOT_USERNAME) return relay.config.TELEGRAM_BOT_USERNAME;
	const asked = relay.telegram.getMe().then(
		(me) => me.username,
		() => undefined
	);
	const late = new Promise<undefined>((resolve) => void setTimeout(resolve, 3000));
	return await Promise.race([asked, late]);
}

/** Without a bot nobody can sign in with Telegram: a one-time link for this machine's owner. */
async function localSignIn(relay: Relay, url: string): Promise<string> {
	const token = await createLoginLink(relay, LOCAL_OWNER, LOCAL_SIGN_IN_TTL_MS);
	return signInLink(url, token);
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
