import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from '@upstash/redis';
import { Redis as IORedis } from 'ioredis';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startRedisServer, type RedisServerHandle } from '../../test/harness/redis.ts';
import { planRedis, redisEnv, startRedis, type RunningRedis } from './redis-setup.ts';
import { PID_FILE } from './redis-supervisor.ts';

const TOKEN = 'local-rest-token-for-tests';
const supervision = {
	log: () => {},
	onGiveUp: (error: Error) => {
		throw error;
	}
};

function refuses(port: number): Promise<boolean> {
	return new Promise((resolve) => {
		const socket = connect({ port, host: '127.0.0.1' });
		socket.once('connect', () => (socket.destroy(), resolve(false)));
		socket.once('error', () => resolve(true));
	});
}

function client(env: Record<string, string>): Redis {
	return new Redis({
		url: env.UPSTASH_REDIS_REST_URL!,
		token: env.UPSTASH_REDIS_REST_TOKEN!,
		enableTelemetry: false,
		retry: false
	});
}

describe('planRedis', () => {
	it('uses a configured Upstash endpoint as is, even when REDIS_URL is set too', async () => {
		const plan = await planRedis(
			{ UPSTASH_REDIS_REST_URL: 'https://eu1-x.upstash.io', REDIS_URL: 'redis://127.0.0.1:1' },
			{ restToken: TOKEN }
		);
		expect(plan).toEqual({ kind: 'upstash', restUrl: 'https://eu1-x.upstash.io' });
		// The configured token stays; nothing is overridden.
		expect(redisEnv(plan)).toEqual({});
	});

	it('puts the REST server in front of REDIS_URL', async () => {
		const plan = await planRedis({ REDIS_URL: 'redis://127.0.0.1:6390' }, { restToken: TOKEN });
		expect(plan).toMatchObject({
			kind: 'redis-url',
			redisUrl: 'redis://127.0.0.1:6390',
			restToken: TOKEN
		});
		expect(redisEnv(plan)).toEqual({
			UPSTASH_REDIS_REST_URL: `http://127.0.0.1:${(plan as { restPort: number }).restPort}`,
			UPSTASH_REDIS_REST_TOKEN: TOKEN
		});
	});

	it('spawns its own redis-server when nothing is configured', async () => {
		const plan = await planRedis(
			{ REDIS_URL: '', UPSTASH_REDIS_REST_URL: '' },
			{ restToken: TOKEN }
		);
		expect(plan.kind).toBe('spawn');
	});
});

describe('startRedis', () => {
	let external: RedisServerHandle;
	let dataDir: string;
	const running: RunningRedis[] = [];
	beforeAll(async () => {
		external = await startRedisServer();
		dataDir = await mkdtemp(join(tmpdir(), 'redis-setup-test-'));
	});
	afterEach(async () => {
		for (const r of running.splice(0)) await r.stop();
	});
	afterAll(async () => {
		await external?.stop();
		await rm(dataDir, { recursive: true, force: true });
	});

	it('REDIS_URL: serves it over REST and describes it without the password', async () => {
		// A real password, so the REST server has to authenticate with the one in the URL.
		const admin = new IORedis(external.url);
		await admin.config('SET', 'requirepass', 'hunter2-password');
		admin.disconnect();
		const redisUrl = `redis://:hunter2-password@127.0.0.1:${external.port}`;
		const plan = await planRedis({ REDIS_URL: redisUrl }, { restToken: TOKEN });
		const redis = await startRedis(plan, { dataDir, ...supervision });
		running.push(redis);
		expect(redis.describe).toBe(`redis at 127.0.0.1:${external.port} (REDIS_URL)`);
		const rest = client(redisEnv(plan));
		await rest.set('via-rest', 'yes');
		expect(await rest.get('via-rest')).toBe('yes');
	});

	it('spawned: persists under DATA_DIR/redis across a restart and stops redis-server', async () => {
		const plan = await planRedis({}, { restToken: TOKEN });
		const first = await startRedis(plan, { dataDir, ...supervision });
		running.push(first);
		const port = Number(/on 127\.0\.0\.1:(\d+)/.exec(first.describe)?.[1]);
		expect(first.describe).toBe(
			`redis-server on 127.0.0.1:${port}, data in ${join(dataDir, 'redis')}`
		);
		expect((await stat(join(dataDir, 'redis', 'appendonlydir'))).isDirectory()).toBe(true);
		await client(redisEnv(plan)).lpush('agent:queued', 'command-1');
		await first.stop();
		expect(await refuses(port)).toBe(true);
		expect(await refuses((plan as { restPort: number }).restPort)).toBe(true);

		const againPlan = await planRedis({}, { restToken: TOKEN });
		const again = await startRedis(againPlan, { dataDir, ...supervision });
		running.push(again);
		expect(await client(redisEnv(againPlan)).lrange('agent:queued', 0, -1)).toEqual(['command-1']);
	});

	it('spawned: when redis-server is killed, the same REST server answers again once it is back', async () => {
		const plan = await planRedis({}, { restToken: TOKEN });
		running.push(await startRedis(plan, { dataDir, ...supervision }));
		const rest = client(redisEnv(plan));
		await rest.set('before-the-kill', 'kept');
		const pid = Number(await readFile(join(dataDir, 'redis', PID_FILE), 'utf8'));
		process.kill(pid, 'SIGKILL');
		const deadline = Date.now() + 30_000;
		let value: unknown;
		while (value !== 'kept') {
			if (Date.now() > deadline) throw new Error('the REST server did not recover');
			await new Promise((resolve) => setTimeout(resolve, 100));
			value = await rest.get('before-the-kill').catch(() => undefined);
		}
		expect(value).toBe('kept');
		expect(Number(await readFile(join(dataDir, 'redis', PID_FILE), 'utf8'))).not.toBe(pid);
	});

	it('spawned without redis-server on PATH: one line naming the alternatives', async () => {
		const path = process.env.PATH;
		process.env.PATH = '';
		try {
			const plan = await planRedis({}, { restToken: TOKEN });
			await expect(startRedis(plan, { dataDir, ...supervision })).rejects.toThrow(
				/^redis-server not found: install it \(apt-get install -y redis-server\) or set REDIS_URL \/ UPSTASH_REDIS_REST_URL$/
			);
		} finally {
			process.env.PATH = path;
		}
	});
});
