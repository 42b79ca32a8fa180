import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigError } from '../src/lib/server/config/schema.ts';
import { deriveWebhookSecret } from '../src/lib/server/telegram/webhook-secret.ts';
import { createFakeTelegram, type FakeTelegram } from '../test/harness/telegram-api.ts';
import { BOT_COMMANDS, registerWebhook, removeWebhook, webhookSettings } from './lib/webhook.ts';

const BOT_TOKEN = '123456789:TEST-set-webhook-token_abcdefgh';
const SECRET = 'configured-webhook-secret-0123456789';
const webDir = fileURLToPath(new URL('../', import.meta.url));
const tsx = fileURLToPath(new URL('../node_modules/.bin/tsx', import.meta.url));

function run(args: string[], env: Record<string, string>) {
	// A clean environment: the developer's own .env or shell must not leak into the test.
	const clean = Object.fromEntries(
		Object.entries(process.env).filter(([k]) => !/^(TELEGRAM_|PUBLIC_URL)/.test(k))
	);
	return promisify(execFile)(tsx, ['scripts/set-webhook.ts', ...args], {
		cwd: webDir,
		env: { ...clean, ...env }
	}).then(
		(r) => ({ code: 0, ...r }),
		(e: { code: number; stdout: string; stderr: string }) => e
	);
}

describe('set-webhook', () => {
	let telegram: FakeTelegram;
	let env: Record<string, string>;
	beforeAll(async () => {
		telegram = await createFakeTelegram({ token: BOT_TOKEN });
		env = {
			TELEGRAM_BOT_TOKEN: BOT_TOKEN,
			TELEGRAM_WEBHOOK_SECRET: SECRET,
			TELEGRAM_API_ROOT: telegram.apiRoot,
			PUBLIC_URL: 'https://relay.example.com/'
		};
	});
	afterAll(() => telegram?.close());

	it('registers /api/telegram with the derived secret (not the configured one) and the commands', async () => {
		const message = await registerWebhook(webhookSettings(env, { deleting: false }));
		expect(telegram.webhook).toMatchObject({
			url: 'https://relay.example.com/api/telegram',
			secret_token: deriveWebhookSecret(SECRET),
			allowed_updates: ['message', 'callback_query']
		});
		expect(telegram.webhook?.secret_token).not.toBe(SECRET);
		const commands = telegram.calls.findLast((c) => c.method === 'setMyCommands')?.payload.commands;
		expect(JSON.parse(JSON.stringify(commands))).toEqual(BOT_COMMANDS);
		expect(BOT_COMMANDS.map((c) => c.command)).toEqual([
			'start',
			'help',
			'agents',
			'projects',
			'history',
			'diff',
			'undo',
			'login'
		]);
		expect(message).not.toContain(SECRET);
		expect(message).not.toContain(deriveWebhookSecret(SECRET));

		await removeWebhook(webhookSettings(env, { deleting: true }));
		expect(telegram.webhook).toBeUndefined();
	});

	it('names each missing or malformed variable, never its value', () => {
		try {
			webhookSettings(
				{ TELEGRAM_BOT_TOKEN: 'not-a-token-value', PUBLIC_URL: 'http://relay.example.com' },
				{ deleting: false }
			);
			expect.unreachable();
		} catch (error) {
			expect(error).toBeInstanceOf(ConfigError);
			const message = (error as Error).message;
			expect(message).toContain('TELEGRAM_BOT_TOKEN must look like 123456:ABC-DEF');
			expect(message).toContain('PUBLIC_URL must be an https:// URL');
			expect(message).toContain('TELEGRAM_WEBHOOK_SECRET is required');
			expect(message).not.toContain('not-a-token-value');
		}
		// Deleting needs the token only.
		expect(webhookSettings({ TELEGRAM_BOT_TOKEN: BOT_TOKEN }, { deleting: true }).token).toBe(
			BOT_TOKEN
		);
	});

	it('as a script: sets and deletes the webhook, prints neither token nor secret', async () => {
		const set = await run([], env);
		expect(set.stderr).toBe('');
		expect(set.code).toBe(0);
		expect(set.stdout).toContain('webhook set: https://relay.example.com/api/telegram');
		expect(telegram.webhook?.secret_token).toBe(deriveWebhookSecret(SECRET));
		for (const secret of [BOT_TOKEN, SECRET, deriveWebhookSecret(SECRET)]) {
			expect(set.stdout).not.toContain(secret);
		}

		const removed = await run(['--delete'], env);
		expect(removed.code).toBe(0);
		expect(removed.stdout).toContain('webhook removed');
		expect(telegram.webhook).toBeUndefined();
	});

	it('as a script: a bad setting exits 1 with one line per variable, and Telegram errors are reported', async () => {
		const bad = await run([], { ...env, TELEGRAM_WEBHOOK_SECRET: 'short' });
		expect(bad.code).toBe(1);
		expect(bad.stderr).toContain('TELEGRAM_WEBHOOK_SECRET must be at least 16 characters');
		expect(bad.stderr).not.toContain('short\n');

		telegram.failNext('setWebhook', {
			error_code: 400,
			description: 'Bad Request: bad webhook: Failed to resolve host'
		});
		const refused = await run([], env);
		expect(refused.code).toBe(1);
		expect(refused.stderr).toMatch(
			/^error: Call to 'setWebhook' failed! \(400: Bad Request: bad webhook/
		);
		expect(refused.stderr).not.toContain(BOT_TOKEN);
	});
});
