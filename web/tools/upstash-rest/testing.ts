/**
 * Test fixture for the compatibility suite: a real redis-server (harness), the REST server
 * in front of it, the unmodified `@upstash/redis` client, and a direct ioredis connection
 * for checking what actually landed in Redis.
 */
import { Redis } from '@upstash/redis';
import { Redis as IORedis } from 'ioredis';
import { afterAll, beforeAll } from 'vitest';
import { startRedisServer, type RedisServerHandle } from '../../test/harness/redis.ts';
import {
	createUpstashRestServer,
	type UpstashRestServer,
	type UpstashRestServerOptions
} from './server.ts';

export const TOKEN = 'test-token-0123456789';

export interface Env {
	redisServer: RedisServerHandle;
	server: UpstashRestServer;
	/** `@upstash/redis` pointed at the REST server, defaults (auto-pipelining: all via /pipeline). */
	redis: Redis;
	/** Same, auto-pipelining off: one `POST /` per command. */
	single: Redis;
	/** ioredis straight to redis-server. */
	direct: IORedis;
	/** fetch relative to the REST server with the bearer token set (override via `init.headers`). */
	fetch(path: string, init?: RequestInit): Promise<Response>;
}

export function useUpstashRest(options: Partial<UpstashRestServerOptions> = {}): Env {
	const env = {} as Env;
	beforeAll(async () => {
		env.redisServer = await startRedisServer();
		env.server = await createUpstashRestServer({
			redisUrl: env.redisServer.url,
			token: TOKEN,
			...options
		});
		env.redis = new Redis({ url: env.server.url, token: TOKEN, enableTelemetry: false });
		env.single = new Redis({
			url: env.server.url,
			token: TOKEN,
			enableTelemetry: false,
			enableAutoPipelining: false
		});
		env.direct = new IORedis(env.redisServer.url);
		env.fetch = (path, init = {}) =>
			fetch(env.server.url + path, {
				method: 'POST',
				...init,
				headers: { Authorization: `Bearer ${TOKEN}`, ...(init.headers as Record<string, string>) }
			});
	});
	afterAll(async () => {
		env.direct?.disconnect();
		await env.server?.close();
		await env.redisServer?.stop();
	});
	return env;
}

/** POST / with one JSON command; returns status and parsed body. */
export async function command(env: Env, body: unknown, headers: Record<string, string> = {}) {
	const res = await env.fetch('/', { body: JSON.stringify(body), headers });
	return { status: res.status, body: (await res.json()) as { result?: unknown; error?: string } };
}

/** Polls `check` until it returns true (for effects Redis applies asynchronously, e.g. disconnects). */
export async function eventually(
	check: () => Promise<boolean>,
	timeoutMs = 5000
): Promise<boolean> {
	const deadline = Date.now() + timeoutMs;
	while (Date.now() < deadline) {
		if (await check()) return true;
		await new Promise((r) => setTimeout(r, 20));
	}
	return check();
}
