/**
 * Which Redis `pnpm start` uses, in this order: an Upstash REST endpoint when
 * UPSTASH_REDIS_REST_URL is set (used as is); else the REST server in front of REDIS_URL; else a
 * redis-server of our own (persistent, under `<DATA_DIR>/redis`, restarted when it dies; see
 * redis-supervisor.ts) behind the REST server.
 * Planning only decides and picks the REST port, so the whole configuration (REDIS_URL included,
 * see settings.ts) is validated before any process starts.
 */
import { join } from 'node:path';
import { freePort, RedisNotFoundError } from '../../tools/local-redis.ts';
import { createUpstashRestServer } from '../../tools/upstash-rest/server.ts';
import { superviseRedisServer, type SuperviseOptions } from './redis-supervisor.ts';

export type RedisPlan =
	| { kind: 'upstash'; restUrl: string }
	| { kind: 'redis-url'; redisUrl: string; restPort: number; restUrl: string; restToken: string }
	| { kind: 'spawn'; restPort: number; restUrl: string; restToken: string };

export interface RunningRedis {
	/** For the status block: where the data lives, never a credential. */
	describe: string;
	stop(): Promise<void>;
}

export async function planRedis(
	env: Record<string, string | undefined>,
	local: { restToken: string }
): Promise<RedisPlan> {
	if (env.UPSTASH_REDIS_REST_URL) {
		return { kind: 'upstash', restUrl: env.UPSTASH_REDIS_REST_URL };
	}
	const restPort = await freePort();
	const rest = { restPort, restUrl: `http://127.0.0.1:${restPort}`, restToken: local.restToken };
	if (env.REDIS_URL) return { kind: 'redis-url', redisUrl: env.REDIS_URL, ...rest };
	return { kind: 'spawn', ...rest };
}

/** What the app's config gets: the local REST server's address and token (Upstash: the env's own). */
export function redisEnv(plan: RedisPlan): Record<string, string> {
	if (plan.kind === 'upstash') return {};
	return { UPSTASH_REDIS_REST_URL: plan.restUrl, UPSTASH_REDIS_REST_TOKEN: plan.restToken };
}

/** Starts what the plan needs (nothing for Upstash). On failure, whatever started is stopped. */
export async function startRedis(
	plan: RedisPlan,
	opts: { dataDir: string } & Pick<SuperviseOptions, 'log' | 'onGiveUp'>
): Promise<RunningRedis> {
	if (plan.kind === 'upstash') {
		return { describe: `Upstash REST at ${hostOf(plan.restUrl)}`, stop: async () => {} };
	}
	if (plan.kind === 'redis-url') {
		const rest = await createUpstashRestServer({
			redisUrl: plan.redisUrl,
			token: plan.restToken,
			port: plan.restPort
		});
		return { describe: `redis at ${hostOf(plan.redisUrl)} (REDIS_URL)`, stop: () => rest.close() };
	}
	let redis;
	try {
		redis = await superviseRedisServer({
			dir: join(opts.dataDir, 'redis'),
			log: opts.log,
			onGiveUp: opts.onGiveUp
		});
	} catch (error) {
		if (error instanceof RedisNotFoundError) {
			throw new Error(`${error.message} or set REDIS_URL / UPSTASH_REDIS_REST_URL`);
		}
		throw error;
	}
	try {
		// Its Redis connection reconnects on its own (ioredis) once a restarted redis-server is back.
		const rest = await createUpstashRestServer({
			redisUrl: redis.url,
			token: plan.restToken,
			port: plan.restPort
		});
		return {
			describe: `redis-server on 127.0.0.1:${redis.port}, data in ${redis.dir}`,
			async stop() {
				// The REST server first: it holds connections to redis-server.
				await rest.close().catch(() => {});
				await redis.stop();
			}
		};
	} catch (error) {
		await redis.stop();
		throw error;
	}
}

/** host:port only: URLs may carry a password or token. */
function hostOf(url: string): string {
	try {
		return new URL(url).host;
	} catch {
		return '(unparsable URL)';
	}
}
