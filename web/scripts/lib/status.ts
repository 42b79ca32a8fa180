/**
 * The one status block `pnpm start` prints once everything is up. It shows where things are,
 * never a credential: the database and Redis lines come from describe strings built without
 * user, password or token.
 */
import type { Config } from '../../src/lib/server/config/schema.ts';

export type TelegramMode = { kind: 'webhook'; url: string } | { kind: 'polling' } | { kind: 'off' };

export const WEBHOOK_COMMAND = 'pnpm --filter @remoteagent/web telegram:webhook';

/** Webhook needs a public https address and a secret; a token alone means long polling. */
export function telegramMode(
	config: Pick<Config, 'TELEGRAM_BOT_TOKEN' | 'PUBLIC_URL' | 'TELEGRAM_WEBHOOK_SECRET'>
): TelegramMode {
	if (!config.TELEGRAM_BOT_TOKEN) return { kind: 'off' };
	const publicUrl = config.PUBLIC_URL?.replace(/\/+$/, '');
	if (publicUrl?.startsWith('https://') && config.TELEGRAM_WEBHOOK_SECRET) {
		return { kind: 'webhook', url: `${publicUrl}/api/telegram` };
	}
	return { kind: 'polling' };
}

/** The address to open locally: a wildcard bind is reached through localhost. */
export function localUrl(host: string, port: number): string {
	const shown = host === '0.0.0.0' || host === '::' || host === '' ? 'localhost' : host;
	return `http://${shown.includes(':') ? `[${shown}]` : shown}:${port}`;
}

/**
 * Who the one-time local sign-in link of `pnpm start` signs in when there is no bot: the owner
 * of this machine, as a user no Telegram account can be (Telegram ids start at 1).
 */
export const LOCAL_OWNER = { id: 0, firstName: 'Local owner', username: null };

/** The local sign-in link is valid this long (and works once). */
export const LOCAL_SIGN_IN_TTL_MS = 60 * 60_000;

export function signInLink(url: string, token: string): string {
	const link = new URL('/login/link', url);
	link.searchParams.set('token', token);
	return link.href;
}

export interface Status {
	url: string;
	/** The bot's username, when a token is set: its t.me link is shown. */
	bot?: string;
	/** One-time sign-in link for this machine (no bot configured). */
	signIn?: string;
	/** Shown when it differs from `url` (e.g. a tunnel). */
	publicUrl?: string;
	database: string;
	redis: string;
	telegram: TelegramMode;
	/** Whether and how billing runs (see stripe-standin.ts). */
	billing?: string;
}

export function formatStatus(status: Status, color = false): string {
	const bold = (s: string) => (color ? `\x1b[1m${s}\x1b[22m` : s);
	const green = (s: string) => (color ? `\x1b[32m${s}\x1b[39m` : s);
	const showPublic = status.publicUrl && !sameOrigin(status.publicUrl, status.url);
	const rows: [string, string][] = [
		['URL', status.url + (showPublic ? ` (public: ${status.publicUrl})` : '')],
		['Database', status.database],
		['Redis', status.redis],
		['Telegram', describeTelegram(status.telegram)],
		...(status.billing ? [['Billing', status.billing] as [string, string]] : [])
	];
	if (status.bot) rows.push(['Bot', `https://t.me/${status.bot} (message it to send a prompt)`]);
	if (status.signIn) {
		rows.push([
			'Sign in',
			`${status.signIn}\n            (one-time link for this machine, valid ${LOCAL_SIGN_IN_TTL_MS / 60_000} minutes: pair an agent and use the dashboard before creating a bot)`
		]);
	}
	return [
		green(bold('RemoteAgent relay is running')),
		...rows.map(([label, value]) => `  ${label.padEnd(9)} ${value}`),
		'Ctrl-C stops everything.'
	].join('\n');
}

function describeTelegram(mode: TelegramMode): string {
	if (mode.kind === 'off') return 'not configured — set TELEGRAM_BOT_TOKEN';
	if (mode.kind === 'polling') return 'long polling';
	return `webhook at ${mode.url} (register it once: ${WEBHOOK_COMMAND})`;
}

function sameOrigin(a: string, b: string): boolean {
	try {
		const [x, y] = [new URL(a), new URL(b)];
		const local = (h: string) =>
			h === 'localhost' || h === '127.0.0.1' || h === '[::1]' ? 'local' : h;
		return (
			x.protocol === y.protocol && x.port === y.port && local(x.hostname) === local(y.hostname)
		);
	} catch {
		return false;
	}
}
