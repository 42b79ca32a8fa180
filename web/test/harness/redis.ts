import { spawnRedisServer, type RedisServerHandle } from '../../tools/local-redis.ts';

export type { RedisServerHandle } from '../../tools/local-redis.ts';

/**
 * Starts a throwaway `redis-server` on a free loopback port: no persistence, its own temp
 * dir, killed by `stop()` (or, as a last resort, when this process exits).
 */
export function startRedisServer(): Promise<RedisServerHandle> {
	return spawnRedisServer();
}
