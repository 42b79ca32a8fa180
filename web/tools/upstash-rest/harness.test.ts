// The redis-server harness (web/test/harness/redis.ts) that every suite here relies on.
import { existsSync } from 'node:fs';
import { Redis } from 'ioredis';
import { describe, expect, it } from 'vitest';
import { startRedisServer } from '../../test/harness/redis.ts';

describe('startRedisServer', () => {
	it('starts a throwaway server on loopback and stop() removes it and its temp dir', async () => {
		const server = await startRedisServer();
		expect(server.url).toBe(`redis://127.0.0.1:${server.port}`);
		const client = new Redis(server.url, { lazyConnect: true, retryStrategy: () => null });
		client.on('error', () => {});
		await client.connect();
		expect(await client.ping()).toBe('PONG');
		const [, dir] = (await client.config('GET', 'dir')) as [string, string];
		expect(existsSync(dir)).toBe(true);
		expect(await client.config('GET', 'save')).toEqual(['save', '']);
		expect(await client.config('GET', 'appendonly')).toEqual(['appendonly', 'no']);
		client.disconnect();
		await server.stop();
		expect(existsSync(dir)).toBe(false);
		const after = new Redis(server.url, { lazyConnect: true, retryStrategy: () => null });
		after.on('error', () => {});
		await expect(after.connect()).rejects.toThrow();
		await server.stop(); // idempotent
	});

	it('without redis-server on PATH it fails with a one-line install hint', async () => {
		const path = process.env.PATH;
		process.env.PATH = '';
		try {
			await expect(startRedisServer()).rejects.toThrow(
				/^redis-server not found: install it \(apt-get install -y redis-server\)$/
			);
		} finally {
			process.env.PATH = path;
		}
	});
});
