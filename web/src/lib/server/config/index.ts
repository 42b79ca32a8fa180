/**
 * The only place the running app reads its environment (t3 env pattern). Everything else
 * receives a `Config` from here, so scripts and tests can build one from their own source.
 */
import { env } from '$env/dynamic/private';
import { parseConfig, type Config } from './schema.ts';

export { ConfigError, parseConfig, type Config } from './schema.ts';

let cached: Config | undefined;

export function loadConfig(): Config {
	cached ??= parseConfig(env);
	return cached;
}
