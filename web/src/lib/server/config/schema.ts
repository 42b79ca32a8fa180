/**
 * Every setting of the web app, validated once at start. A bad value stops the process with a
 * message naming the variable and the expected shape; values are never echoed (they may be secrets).
 */
import { z } from 'zod';
import {
	DEFAULT_APPROVAL_TIMEOUT_MS,
	HEARTBEAT_INTERVAL_MS,
	OFFLINE_AFTER_MS
} from '@remoteagent/shared';

const optional = <T extends z.ZodTypeAny>(schema: T) =>
	z.preprocess((v) => (v === '' ? undefined : v), schema.optional());

const url = (what: string) => z.url({ message: `must be a URL (${what})`, protocol: /^https?$/ });

const duration = (fallback: number) =>
	z.preprocess(
		(v) => (v === '' || v === undefined ? fallback : Number(v)),
		z.number({ message: 'must be a number of milliseconds' }).int().positive()
	);

const stripeId = (prefix: string, example: string) =>
	optional(z.string().regex(new RegExp(`^${prefix}_\\w+$`), `must look like ${example}`));

/** Stripe's own API; STRIPE_API_BASE may point elsewhere only for a test key (the local stand-in). */
export const STRIPE_API = 'https://api.stripe.com';

/** The variables one by one; {@link configSchema} adds the rules that span several. */
export const configFields = z.object({
	PUBLIC_URL: optional(url('the address people open, e.g. https://relay.example.com')),
	DATABASE_URL: optional(
		z.string().regex(/^postgres(ql)?:\/\//, 'must be a postgres:// or postgresql:// URL')
	),
	/** Local WebSocket-to-TCP proxy for the Neon driver when DATABASE_URL is a plain PostgreSQL. */
	DATABASE_WS_PROXY: optional(
		z.string().regex(/^[\w.-]+:\d+(\/.*)?$/, 'must look like host:port/v1')
	),
	DATA_DIR: z.string().default('.data'),
	/**
	 * Where /download finds the agent binaries of `deno task compile` and their SHA256SUMS.
	 * Unset: the repository's agent/dist, found from the web package (see downloads/downloads.ts).
	 */
	DOWNLOADS_DIR: optional(z.string()),
	UPSTASH_REDIS_REST_URL: url('the Upstash REST endpoint, e.g. https://xyz.upstash.io'),
	UPSTASH_REDIS_REST_TOKEN: z.string().min(1, 'is required'),
	AGENT_JWT_SECRET: z
		.string({ message: 'is required: at least 32 random bytes, e.g. `openssl rand -base64 48`' })
		.refine((s) => new TextEncoder().encode(s).length >= 32, {
			message: 'must be at least 32 random bytes, e.g. `openssl rand -base64 48`'
		})
		.refine((s) => new Set(s).size >= 12, { message: 'looks too regular to be random' }),
	TELEGRAM_BOT_TOKEN: optional(
		z.string().regex(/^\d+:[\w-]{20,}$/, 'must look like 123456:ABC-DEF… (from @BotFather)')
	),
	TELEGRAM_BOT_USERNAME: optional(
		z.string().regex(/^@?\w{3,32}$/, 'must be the bot username, e.g. my_relay_bot')
	).transform((v) => v?.replace(/^@/, '')),
	TELEGRAM_WEBHOOK_SECRET: optional(z.string().min(16, 'must be at least 16 characters')),
	TELEGRAM_API_ROOT: z.preprocess(
		(v) => (v === '' ? undefined : v),
		url('the Bot API root').default('https://api.telegram.org')
	),
	/** Oldest accepted Telegram Login Widget `auth_date`, in seconds. */
	LOGIN_MAX_AGE_S: z.preprocess(
		(v) => (v === '' || v === undefined ? 86_400 : Number(v)),
		z.number({ message: 'must be a number of seconds' }).int().positive()
	),
	/** Messages per minute one Telegram user may send to the webhook. */
	TELEGRAM_RATE_PER_MINUTE: z.preprocess(
		(v) => (v === '' || v === undefined ? 10 : Number(v)),
		z.number({ message: 'must be a whole number' }).int().positive()
	),
	OFFLINE_QUEUE_MS: duration(10 * 60_000),
	OFFLINE_AFTER_MS: duration(OFFLINE_AFTER_MS).refine((ms) => ms > HEARTBEAT_INTERVAL_MS, {
		message: `must be longer than the agents' heartbeat interval (${HEARTBEAT_INTERVAL_MS / 1000} s)`
	}),
	/** How long a tool call waits for a person's approval before it is denied, in milliseconds. */
	APPROVAL_TIMEOUT: duration(DEFAULT_APPROVAL_TIMEOUT_MS),
	CRON_SECRET: optional(z.string().min(16, 'must be at least 16 characters')),
	LOG_LEVEL: z.enum(['debug', 'info', 'warn', 'error']).default('info'),
	/** Billing is on when this is set; without it every account is unlimited (self-host). */
	STRIPE_SECRET_KEY: optional(
		z
			.string()
			.regex(/^(sk|rk)_(test|live)_\w+$/, 'must look like sk_test_… or sk_live_… (Stripe API key)')
	),
	STRIPE_WEBHOOK_SECRET: stripeId('whsec', "whsec_… (the webhook endpoint's signing secret)"),
	STRIPE_PRICE_SOLO: stripeId('price', "price_… (the Solo plan's Price id)"),
	STRIPE_PRICE_PRO: stripeId('price', "price_… (the Pro plan's Price id)"),
	STRIPE_PRICE_TEAM: stripeId('price', "price_… (the Team plan's Price id)"),
	/** Only for the local Stripe stand-in (tests, `pnpm start`); unset means Stripe itself. */
	STRIPE_API_BASE: optional(url('the Stripe API base, e.g. http://127.0.0.1:12111'))
});

/** Billing's variables come together, and a live key only ever goes to Stripe itself. */
export function stripeRules(
	config: Pick<
		z.infer<typeof configFields>,
		| 'STRIPE_SECRET_KEY'
		| 'STRIPE_WEBHOOK_SECRET'
		| 'STRIPE_PRICE_SOLO'
		| 'STRIPE_PRICE_PRO'
		| 'STRIPE_PRICE_TEAM'
		| 'STRIPE_API_BASE'
	>,
	ctx: z.RefinementCtx
): void {
	if (!config.STRIPE_SECRET_KEY) return;
	for (const name of [
		'STRIPE_WEBHOOK_SECRET',
		'STRIPE_PRICE_SOLO',
		'STRIPE_PRICE_PRO',
		'STRIPE_PRICE_TEAM'
	] as const) {
		if (!config[name]) {
			ctx.addIssue({
				code: 'custom',
				path: [name],
				message: 'is required when STRIPE_SECRET_KEY is set'
			});
		}
	}
	const base = config.STRIPE_API_BASE;
	if (/_live_/.test(config.STRIPE_SECRET_KEY) && base && new URL(base).origin !== STRIPE_API) {
		ctx.addIssue({
			code: 'custom',
			path: ['STRIPE_API_BASE'],
			message: `must be ${STRIPE_API} (or unset) with a live key: a live key is never sent elsewhere`
		});
	}
}

export const configSchema = configFields.superRefine(stripeRules);

export type Config = z.infer<typeof configSchema>;

export class ConfigError extends Error {
	override readonly name = 'ConfigError';
}

/** Parse the environment; throws ConfigError naming every bad variable (never its value). */
export function parseConfig(given: Record<string, string | undefined>): Config {
	// `NAME=` (as in a copied .env.example) means unset, for every variable.
	const source = Object.fromEntries(Object.entries(given).filter(([, value]) => value !== ''));
	const result = configSchema.safeParse(source);
	if (result.success) return result.data;
	const lines = result.error.issues.map((issue) => {
		const name = String(issue.path[0] ?? 'config');
		const message =
			issue.code === 'invalid_type' && source[name] === undefined ? 'is required' : issue.message;
		return `  ${name} ${message}`;
	});
	throw new ConfigError(`invalid configuration:\n${lines.join('\n')}`);
}
