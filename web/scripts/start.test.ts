// `pnpm start` end to end: the real script under tsx, the real build, a real redis-server.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../tools/local-redis.ts';
import {
	ensureBuild,
	redisPortOf,
	refuses,
	start,
	waitForOutput,
	type Started
} from '../test/harness/start-script.ts';
import { createFakeTelegram, type FakeTelegram } from '../test/harness/telegram-api.ts';
import { createStripe } from '../src/lib/server/billing/stripe.ts';
import { STAMP_FILE } from './lib/build.ts';
import { LOCK_FILE } from './lib/instance-lock.ts';
import { SETTING_NAMES } from './lib/settings.ts';
import { PID_FILE } from './lib/redis-supervisor.ts';
import { SECRETS_FILE } from './lib/secrets.ts';

const BOT_TOKEN = '123456789:TEST-start-script-token_abcdefgh';
const buildDir = join(import.meta.dirname, '..', 'build');

describe('pnpm start', () => {
	let dataDir: string;
	let telegram: FakeTelegram;
	let started: Started | undefined;

	beforeAll(async () => {
		await ensureBuild();
		telegram = await createFakeTelegram({ token: BOT_TOKEN });
	}, 200_000);
	afterEach(async () => {
		if (started && started.child.exitCode === null) started.child.kill('SIGKILL');
		started = undefined;
		if (dataDir) await rm(dataDir, { recursive: true, force: true });
	});
	afterAll(() => telegram?.close());

	it('runs redis-server, REST server, database, app and polling; Ctrl-C stops them all', async () => {
		dataDir = await mkdtemp(join(tmpdir(), 'start-test-'));
		const port = await freePort();
		started = start({
			DATA_DIR: dataDir,
			PORT: String(port),
			TELEGRAM_BOT_TOKEN: BOT_TOKEN,
			TELEGRAM_API_ROOT: telegram.apiRoot,
			LOG_LEVEL: 'warn'
		});
		await waitForOutput(started, 'Ctrl-C stops everything.');
		const out = started.stdout();
		expect(out).toContain(`URL       http://127.0.0.1:${port}\n`);
		expect(out).toContain(`Database  embedded database (PGlite) at ${join(dataDir, 'pglite')}`);
		expect(out).toContain('Telegram  long polling');
		expect(out).toContain('Bot       https://t.me/test_bot (message it to send a prompt)');
		expect(out).not.toContain('Sign in');
		const redisPort = redisPortOf(started);
		expect(redisPort).toBeGreaterThan(0);

		const health = await fetch(`http://127.0.0.1:${port}/healthz`);
		expect(health.status).toBe(200);
		// Public: the state of each store and nothing else (no data directory, no Redis port).
		const healthText = await health.text();
		expect(JSON.parse(healthText)).toEqual({
			service: 'remoteagent',
			status: 'ok',
			database: { ok: true, driver: 'pglite' },
			redis: { ok: true },
			telegram: 'configured',
			bot: null
		});
		expect(healthText).not.toContain(dataDir);
		expect(healthText).not.toContain(String(redisPort));
		await telegram.waitFor(() => telegram.calls.some((c) => c.method === 'getUpdates'), 15_000);
		// A form post from the page's own origin passes SvelteKit's cross-site check (ORIGIN is
		// set), and the signed-in-only action answers as the app, not with 403.
		const form = await fetch(`http://127.0.0.1:${port}/login?/telegram`, {
			method: 'POST',
			headers: {
				origin: `http://127.0.0.1:${port}`,
				'content-type': 'application/x-www-form-urlencoded'
			},
			body: 'id=1&first_name=x&auth_date=1&hash=00'
		});
		expect(form.status).not.toBe(403);
		expect(await form.text()).toContain('signed by Telegram');
		// Long polling, no webhook secret: every webhook call is refused, before the app.
		const webhook = await fetch(`http://127.0.0.1:${port}/api/telegram`, {
			method: 'POST',
			headers: { 'content-type': 'application/json' },
			body: '{"update_id":1}'
		});
		expect(webhook.status).toBe(401);
		expect(await webhook.text()).toBe('unauthorized');

		const secrets = JSON.parse(await readFile(join(dataDir, SECRETS_FILE), 'utf8')) as Record<
			string,
			string
		>;
		for (const secret of [...Object.values(secrets), BOT_TOKEN]) {
			expect(started.stdout() + started.stderr()).not.toContain(secret);
		}

		started.child.kill('SIGINT');
		expect(await started.exit).toBe(0);
		expect(await refuses(redisPort)).toBe(true);
		expect(await refuses(port)).toBe(true);
		// Nothing left that would make the next start look for a running instance.
		expect(existsSync(join(dataDir, LOCK_FILE))).toBe(false);
		expect(existsSync(join(dataDir, 'redis', PID_FILE))).toBe(false);
	}, 120_000);

	it('a malformed variable stops it with exit 1, naming the variable but not its value', async () => {
		dataDir = await mkdtemp(join(tmpdir(), 'start-test-'));
		started = start({
			DATA_DIR: dataDir,
			DATABASE_URL: 'mysql://relay:hunter2-secret@db.example/relay'
		});
		expect(await started.exit).toBe(1);
		const err = started.stderr();
		expect(err).toContain('DATABASE_URL must be a postgres:// or postgresql:// URL');
		expect(err).toContain('.env.example');
		expect(err + started.stdout()).not.toContain('hunter2-secret');
		expect(err).not.toContain('mysql://');
		// Validated before anything started: no redis-server data, no database.
		expect(existsSync(join(dataDir, 'redis'))).toBe(false);
		expect(existsSync(join(dataDir, 'pglite'))).toBe(false);
	}, 60_000);

	it('validates before building: a stale build is not rebuilt for a bad PORT or PUBLIC_URL', async () => {
		dataDir = await mkdtemp(join(tmpdir(), 'start-test-'));
		const stamp = join(buildDir, STAMP_FILE);
		const current = await readFile(stamp, 'utf8');
		await writeFile(stamp, 'stale\n');
		try {
			started = start({ DATA_DIR: dataDir, PORT: '99999', PUBLIC_URL: 'example.com' });
			expect(await started.exit).toBe(1);
			const err = started.stderr();
			expect(err).toContain('PORT must be a port number from 0 to 65535, e.g. 3000');
			expect(err).toContain('PUBLIC_URL');
			expect(started.stdout()).not.toContain('Building');
			expect(existsSync(join(dataDir, 'build.log'))).toBe(false);
			expect(await readFile(stamp, 'utf8')).toBe('stale\n');
		} finally {
			await writeFile(stamp, current);
		}
	}, 60_000);

	it('without a bot: no build when nothing changed, a one-time local sign-in link that signs in once', async () => {
		dataDir = await mkdtemp(join(tmpdir(), 'start-test-'));
		const port = await freePort();
		started = start({ DATA_DIR: dataDir, PORT: String(port), LOG_LEVEL: 'warn' });
		await waitForOutput(started, 'Ctrl-C stops everything.');
		const out = started.stdout();
		expect(out).not.toContain('Building');
		expect(out).not.toContain('vite');
		expect(out).toContain('Telegram  not configured');
		const link = /Sign in {3}(http:\/\/\S+)/.exec(out)?.[1];
		expect(link).toMatch(new RegExp(`^http://127\\.0\\.0\\.1:${port}/login/link\\?token=`));
		const token = new URL(link!).searchParams.get('token')!;
		const signIn = () =>
			fetch(`http://127.0.0.1:${port}/login/link`, {
				method: 'POST',
				redirect: 'manual',
				headers: {
					origin: `http://127.0.0.1:${port}`,
					accept: 'text/html',
					'content-type': 'application/x-www-form-urlencoded'
				},
				body: new URLSearchParams({ token })
			});
		const first = await signIn();
		expect(first.status).toBe(303);
		expect(first.headers.get('location')).toBe('/agents');
		const cookie = first.headers.get('set-cookie')!.split(';')[0]!;
		const agents = await fetch(`http://127.0.0.1:${port}/agents`, {
			headers: { cookie },
			redirect: 'manual'
		});
		expect(agents.status).toBe(200);
		// Once only.
		const again = await signIn();
		expect(again.headers.get('location')).toBeNull();
		expect(await again.text()).toContain('already used');

		started.child.kill('SIGINT');
		expect(await started.exit).toBe(0);
		expect(started.stderr()).not.toContain('forced exit');
	}, 120_000);

	it('Ctrl-C under `pnpm start` on a terminal: stops cleanly, exit 0, no pnpm noise', async () => {
		dataDir = await mkdtemp(join(tmpdir(), 'start-test-'));
		const port = await freePort();
		const unset = Object.fromEntries(SETTING_NAMES.map((name) => [name, '']));
		// util-linux `script` gives it a terminal, so Ctrl-C reaches pnpm and the script together.
		// `exec`: pnpm is the terminal's foreground job, as under an interactive shell. Without it,
		// `script` runs `$SHELL -c`, and dash (Debian's /bin/sh, CI's shell) dies of the Ctrl-C
		// itself with 130 while pnpm is still stopping.
		const child = spawn('script', ['-qfec', 'exec pnpm start', '/dev/null'], {
			cwd: join(import.meta.dirname, '..', '..'),
			env: {
				...process.env,
				...unset,
				DATA_DIR: dataDir,
				PORT: String(port),
				LOG_LEVEL: 'warn',
				COREPACK_INTEGRITY_KEYS: '0'
			},
			stdio: ['pipe', 'pipe', 'pipe']
		});
		let out = '';
		child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
		child.stderr.on('data', (chunk: Buffer) => (out += chunk.toString()));
		const exit = new Promise<number | null>((resolve) => child.once('exit', resolve));
		try {
			await waitForOutput(
				{ child, stdout: () => out, stderr: () => '', exit },
				'Ctrl-C stops everything.'
			);
			child.stdin.write('\x03');
			expect(await exit, out).toBe(0);
			expect(out).toContain('stopping…');
			for (const noise of ['ELIFECYCLE', 'ERR_PNPM', 'forced exit', 'Command failed']) {
				expect(out).not.toContain(noise);
			}
			expect(await refuses(port)).toBe(true);
		} finally {
			if (child.exitCode === null) child.kill('SIGKILL');
		}
	}, 120_000);

	it('refuses an unknown option in one line', async () => {
		dataDir = await mkdtemp(join(tmpdir(), 'start-test-'));
		started = start({ DATA_DIR: dataDir }, ['--verbos']);
		expect(await started.exit).toBe(1);
		expect(started.stderr()).toContain('unknown option --verbos: pnpm start takes only --verbose');
	}, 60_000);

	it('runs the Stripe stand-in for a test key and a local STRIPE_API_BASE, wired to the webhook', async () => {
		dataDir = await mkdtemp(join(tmpdir(), 'start-test-'));
		const [port, stripePort] = [await freePort(), await freePort()];
		const billing = {
			STRIPE_SECRET_KEY: 'sk_test_start_script_key_0123456789',
			STRIPE_WEBHOOK_SECRET: 'whsec_start_script_secret_0123456789',
			STRIPE_PRICE_SOLO: 'price_local_solo',
			STRIPE_PRICE_PRO: 'price_local_pro',
			STRIPE_PRICE_TEAM: 'price_local_team',
			STRIPE_API_BASE: `http://127.0.0.1:${stripePort}`
		};
		started = start({ DATA_DIR: dataDir, PORT: String(port), LOG_LEVEL: 'info', ...billing });
		await waitForOutput(started, 'Ctrl-C stops everything.');
		expect(started.stdout()).toContain(
			`Billing   Stripe stand-in at http://127.0.0.1:${stripePort} (test mode)`
		);
		// The real SDK, as the app uses it: a checkout paid on the stand-in's page sends its
		// signed events to this app, which verifies them (no account has this customer).
		const stripe = (await createStripe(billing))!;
		const customer = await stripe.customers.create({});
		const session = await stripe.checkout.sessions.create({
			mode: 'subscription',
			customer: customer.id,
			line_items: [{ price: 'price_local_pro', quantity: 1 }],
			success_url: `http://127.0.0.1:${port}/billing?checkout=done`
		});
		const paid = await fetch(session.url!, { method: 'POST', redirect: 'manual' });
		expect(paid.headers.get('location')).toBe(`http://127.0.0.1:${port}/billing?checkout=done`);
		await waitForOutput(
			started,
			'"type":"checkout.session.completed","outcome":"unknown_customer"'
		);
		for (const secret of [billing.STRIPE_SECRET_KEY, billing.STRIPE_WEBHOOK_SECRET]) {
			expect(started.stdout() + started.stderr()).not.toContain(secret);
		}
		started.child.kill('SIGINT');
		expect(await started.exit).toBe(0);
		expect(await refuses(stripePort)).toBe(true);
	}, 120_000);
});
