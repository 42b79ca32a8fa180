/**
 * `pnpm --filter @remoteagent/web telegram:webhook [--delete]`: registers (or removes) the
 * relay's Telegram webhook at `${PUBLIC_URL}/api/telegram` and the bot's command menu.
 * Reads the environment and `<repo>/.env` (TELEGRAM_BOT_TOKEN, PUBLIC_URL,
 * TELEGRAM_WEBHOOK_SECRET, TELEGRAM_API_ROOT). Prints neither the token nor the secret.
 */
import { fileURLToPath } from 'node:url';
import { ConfigError } from '../src/lib/server/config/schema.ts';
import { loadDotEnv } from './lib/settings.ts';
import { registerWebhook, removeWebhook, webhookSettings } from './lib/webhook.ts';

const USAGE = 'usage: set-webhook.ts [--delete]';

async function main(args: string[]): Promise<void> {
	const unknown = args.filter((arg) => arg !== '--delete');
	if (unknown.length > 0) throw new Error(`unknown argument ${unknown[0]} (${USAGE})`);
	const deleting = args.includes('--delete');
	loadDotEnv(fileURLToPath(new URL('../../', import.meta.url)));
	const settings = webhookSettings(process.env, { deleting });
	console.log(deleting ? await removeWebhook(settings) : await registerWebhook(settings));
}

main(process.argv.slice(2)).catch((error: unknown) => {
	// grammY's messages name the method and Telegram's description, never the token.
	const message = error instanceof Error ? error.message : String(error);
	console.error(error instanceof ConfigError ? message : `error: ${message.split('\n')[0]}`);
	process.exit(1);
});
