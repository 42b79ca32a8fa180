/**
 * `pnpm start`'s settings: the app's own config schema plus the variables only the start command
 * reads (PORT, HOST, REDIS_URL), validated in one zod parse so every bad variable is named at
 * once. Like parseConfig: a message names the variable and the expected shape, never the value.
 */
import { existsSync } from 'node:fs';
import { isAbsolute, join, resolve } from 'node:path';
import { z } from 'zod';
import {
	ConfigError,
	configFields,
	stripeRules,
	type Config
} from '../../src/lib/server/config/schema.ts';

export type Env = Record<string, string | undefined>;

const unsetIfEmpty = (v: unknown) => (v === '' ? undefined : v);

const startSchema = configFields.extend({
	PORT: z.preprocess(
		(v) => (v === '' || v === undefined ? 3000 : /^\d+$/.test(String(v)) ? Number(v) : NaN),
		z
			.number({ message: 'must be a port number from 0 to 65535, e.g. 3000' })
			.int()
			.min(0)
			.max(65535)
	),
	HOST: z.preprocess(unsetIfEmpty, z.string().default('127.0.0.1')),
	REDIS_URL: z.preprocess(
		unsetIfEmpty,
		z
			.string()
			.regex(
				/^rediss?:\/\/\S+$/,
				'must be a redis:// or rediss:// URL, e.g. redis://127.0.0.1:6379'
			)
			.optional()
	)
});

export interface StartSettings {
	config: Config;
	port: number;
	host: string;
}

/** Loads `<repoRoot>/.env` when there is one; variables already in the environment win. */
export function loadDotEnv(repoRoot: string): string | undefined {
	const path = join(repoRoot, '.env');
	if (!existsSync(path)) return undefined;
	process.loadEnvFile(path);
	return path;
}

/** Every variable `pnpm start` validates: the app's config and PORT, HOST, REDIS_URL. */
export const SETTING_NAMES = Object.keys(startSchema.shape);

/**
 * An empty value counts as unset (a copied .env.example is all `NAME=`). Removed from the
 * environment itself, because the app parses `process.env` again and some defaults (LOG_LEVEL)
 * only apply to absent variables.
 */
export function dropEmptySettings(env: Env): void {
	for (const name of SETTING_NAMES) if (env[name] === '') delete env[name];
}

/** A path setting (DATA_DIR, DOWNLOADS_DIR) as an absolute path: like `.env`, relative to the repository root. */
export function resolveFromRepo(path: string, repoRoot: string): string {
	return isAbsolute(path) ? path : resolve(repoRoot, path);
}

/** DATA_DIR as an absolute path, default `<repo>/.data`. */
export function resolveDataDir(setting: string | undefined, repoRoot: string): string {
	return resolveFromRepo(setting || '.data', repoRoot);
}

/**
 * Local defaults the app cannot guess: loopback, port 3000, its own address as PUBLIC_URL, and
 * that address as adapter-node's ORIGIN — without it adapter-node assumes https, and SvelteKit's
 * cross-site check would refuse every form post made over plain http.
 */
export function withLocalDefaults(env: Env): Env {
	const port = env.PORT || '3000';
	const host = env.HOST || '127.0.0.1';
	const shown = host === '0.0.0.0' || host === '::' ? 'localhost' : host;
	// Derived only from a valid port, and ORIGIN only from a valid URL: a bad PORT or PUBLIC_URL is
	// then reported under its own name by parseStartSettings, not as a bare "Invalid URL".
	const derived = `http://${shown}:${port}`;
	const validPort = /^\d+$/.test(port) && Number(port) <= 65535 && URL.canParse(derived);
	const publicUrl = env.PUBLIC_URL || (validPort ? derived : undefined);
	return {
		...env,
		PORT: port,
		HOST: host,
		PUBLIC_URL: publicUrl,
		ORIGIN:
			env.ORIGIN || (publicUrl && URL.canParse(publicUrl) ? new URL(publicUrl).origin : undefined)
	};
}

/** Throws ConfigError naming every bad variable (the app's and the start command's). */
export function parseStartSettings(env: Env): StartSettings {
	const result = startSchema.superRefine(stripeRules).safeParse(env);
	if (!result.success) {
		// Same wording as parseConfig (src/lib/server/config/schema.ts).
		const lines = result.error.issues.map((issue) => {
			const name = String(issue.path[0] ?? 'config');
			const message =
				issue.code === 'invalid_type' && env[name] === undefined ? 'is required' : issue.message;
			return `  ${name} ${message}`;
		});
		throw new ConfigError(`invalid configuration:\n${lines.join('\n')}`);
	}
	const { PORT, HOST, REDIS_URL: _redisUrl, ...config } = result.data;
	return { config, port: PORT, host: HOST };
}
