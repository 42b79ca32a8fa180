/**
 * Registering the relay's Telegram webhook: `setWebhook` with the HMAC-derived secret (the same
 * value `/api/telegram` expects, never the configured secret itself) and the bot's command menu.
 */
import { Api } from 'grammy';
import { ConfigError, configFields } from '../../src/lib/server/config/schema.ts';
import { deriveWebhookSecret } from '../../src/lib/server/telegram/webhook-secret.ts';
import type { Env } from './settings.ts';

export const BOT_COMMANDS = [
	{ command: 'start', description: 'What this bot does and how to pair an agent' },
	{ command: 'help', description: 'What you can send' },
	{ command: 'agents', description: 'Your agents and whether they are online' },
	{ command: 'projects', description: 'Switch the active agent' },
	{ command: 'history', description: 'Your last 10 tasks' },
	{ command: 'diff', description: 'What the last task changed' },
	{ command: 'undo', description: 'Put the files the last task changed back' },
	{ command: 'login', description: 'A one-time link to sign in to the dashboard' }
];

/** Only what the update types handled by the bot need. */
export const ALLOWED_UPDATES = ['message', 'callback_query'] as const;

const webhookSchema = configFields.pick({
	TELEGRAM_BOT_TOKEN: true,
	PUBLIC_URL: true,
	TELEGRAM_WEBHOOK_SECRET: true,
	TELEGRAM_API_ROOT: true
});

const REQUIRED = {
	TELEGRAM_BOT_TOKEN: 'is required: the token from @BotFather, e.g. 123456:ABC-DEF…',
	PUBLIC_URL: 'is required: the https address Telegram will call, e.g. https://relay.example.com',
	TELEGRAM_WEBHOOK_SECRET: 'is required: at least 16 random characters, e.g. `openssl rand -hex 32`'
};

export interface WebhookSettings {
	token: string;
	apiRoot: string;
	/** Absent when only deleting. */
	url?: string;
	secret?: string;
}

/** Validates the variables this needs; throws ConfigError naming each bad one (never its value). */
export function webhookSettings(env: Env, opts: { deleting: boolean }): WebhookSettings {
	const result = webhookSchema.safeParse(env);
	const bad = new Map<string, string>();
	if (!result.success) {
		for (const issue of result.error.issues) bad.set(String(issue.path[0]), issue.message);
	}
	const data = result.success ? result.data : undefined;
	const needed = opts.deleting
		? (['TELEGRAM_BOT_TOKEN'] as const)
		: (['TELEGRAM_BOT_TOKEN', 'PUBLIC_URL', 'TELEGRAM_WEBHOOK_SECRET'] as const);
	for (const name of needed) if (!env[name] && !bad.has(name)) bad.set(name, REQUIRED[name]);
	if (
		!opts.deleting &&
		env.PUBLIC_URL &&
		!bad.has('PUBLIC_URL') &&
		!/^https:\/\//.test(env.PUBLIC_URL)
	) {
		bad.set('PUBLIC_URL', 'must be an https:// URL: Telegram delivers webhooks over HTTPS only');
	}
	if (bad.size > 0 || !data?.TELEGRAM_BOT_TOKEN) {
		const lines = [...bad].map(([name, message]) => `  ${name} ${message}`);
		throw new ConfigError(`invalid configuration:\n${lines.join('\n')}`);
	}
	return {
		token: data.TELEGRAM_BOT_TOKEN,
		apiRoot: data.TELEGRAM_API_ROOT,
		url: data.PUBLIC_URL && `${data.PUBLIC_URL.replace(/\/+$/, '')}/api/telegram`,
		secret: data.TELEGRAM_WEBHOOK_SECRET
	};
}

/** Registers the webhook and the command menu; returns what to print (no secret in it). */
export async function registerWebhook(settings: WebhookSettings): Promise<string> {
	if (!settings.url || !settings.secret)
		throw new Error('registerWebhook: url and secret are required');
	const api = new Api(settings.token, { apiRoot: settings.apiRoot });
	await api.setWebhook(settings.url, {
		secret_token: deriveWebhookSecret(settings.secret),
		allowed_updates: [...ALLOWED_UPDATES]
	});
	await api.setMyCommands(BOT_COMMANDS);
	return `webhook set: ${settings.url} (secret derived from TELEGRAM_WEBHOOK_SECRET); ${BOT_COMMANDS.length} commands set`;
}

export async function removeWebhook(settings: WebhookSettings): Promise<string> {
	const api = new Api(settings.token, { apiRoot: settings.apiRoot });
	await api.deleteWebhook({ drop_pending_updates: false });
	return 'webhook removed: the bot gets no updates until it is set again or `pnpm start` polls';
}
