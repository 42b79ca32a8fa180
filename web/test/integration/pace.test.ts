/** Per-chat pacing shared through Redis, as two serverless instances would share it. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Redis } from '@upstash/redis';
import { paceChat } from '../../src/lib/server/telegram/pace.ts';
import {
	createUpstashRestServer,
	type UpstashRestServer
} from '../../tools/upstash-rest/server.ts';
import { startRedisServer, type RedisServerHandle } from '../harness/redis.ts';

let redisServer: RedisServerHandle;
let rest: UpstashRestServer;
beforeAll(async () => {
	redisServer = await startRedisServer();
	rest = await createUpstashRestServer({ redisUrl: redisServer.url, token: 't' });
});
afterAll(async () => {
	await rest?.close();
	await redisServer?.stop();
});

describe('paceChat', () => {
	it('lets one call per interval through for a chat, across separate clients', async () => {
		const instances = [
			new Redis({ url: rest.url, token: 't' }),
			new Redis({ url: rest.url, token: 't' })
		];
		const turns: number[] = [];
		await Promise.all(
			Array.from({ length: 6 }, async (_, i) => {
				await paceChat(instances[i % 2]!, 42, { intervalMs: 250 });
				turns.push(performance.now());
			})
		);
		turns.sort((a, b) => a - b);
		const gaps = turns.slice(1).map((t, i) => t - turns[i]!);
		expect(Math.min(...gaps)).toBeGreaterThanOrEqual(230);
	});

	it('does not make one chat wait for another', async () => {
		const redis = new Redis({ url: rest.url, token: 't' });
		await paceChat(redis, 1, { intervalMs: 60_000 });
		// A second chat gets its turn although chat 1 is blocked for a minute.
		await paceChat(redis, 2, { intervalMs: 60_000, maxWaitMs: 0 });
		expect(await redis.pttl('tg:pace:2')).toBeGreaterThan(50_000);
	});

	it('gives up waiting after maxWaitMs instead of blocking forever', async () => {
		const redis = new Redis({ url: rest.url, token: 't' });
		await paceChat(redis, 7, { intervalMs: 60_000 });
		const outcome = await Promise.race([
			paceChat(redis, 7, { intervalMs: 60_000, maxWaitMs: 100 }).then(() => 'went ahead'),
			new Promise((resolve) => setTimeout(() => resolve('still waiting'), 10_000))
		]);
		expect(outcome).toBe('went ahead');
		// It went ahead without taking a turn: the first call's turn is still running.
		expect(await redis.pttl('tg:pace:7')).toBeGreaterThan(40_000);
	});
});
