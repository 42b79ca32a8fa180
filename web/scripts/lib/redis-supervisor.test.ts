import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis as IORedis } from 'ioredis';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { freePort, ping } from '../../tools/local-redis.ts';
import { isRunning } from './processes.ts';
import { PID_FILE, superviseRedisServer, type SupervisedRedis } from './redis-supervisor.ts';

/** Polls until `check` holds; generous, since the machine is shared. */
async function until(check: () => boolean | Promise<boolean>, what: string, timeoutMs = 30_000) {
	const deadline = Date.now() + timeoutMs;
	while (!(await check())) {
		if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
		await new Promise((resolve) => setTimeout(resolve, 50));
	}
}

async function redisPid(dir: string): Promise<number> {
	return Number((await readFile(join(dir, PID_FILE), 'utf8')).trim());
}

describe('superviseRedisServer', () => {
	let dir: string;
	let supervised: SupervisedRedis | undefined;
	const lines: string[] = [];
	const gaveUp: Error[] = [];
	const options = () => ({
		dir,
		log: (line: string) => lines.push(line),
		onGiveUp: (error: Error) => gaveUp.push(error),
		backoffMs: () => 50
	});

	beforeEach(async () => {
		dir = await mkdtemp(join(tmpdir(), 'redis-supervisor-test-'));
		lines.length = 0;
		gaveUp.length = 0;
	});
	afterEach(async () => {
		await supervised?.stop();
		supervised = undefined;
		await rm(dir, { recursive: true, force: true });
	});

	it('restarts a redis-server killed with SIGKILL on the same port, with its data', async () => {
		supervised = await superviseRedisServer(options());
		const client = new IORedis(supervised.url, { maxRetriesPerRequest: null });
		client.on('error', () => {}); // refused while redis-server is down
		try {
			await client.rpush('agent:queued', 'command-1');
			const first = await redisPid(dir);
			process.kill(first, 'SIGKILL');

			await until(
				async () => existsSync(join(dir, PID_FILE)) && (await redisPid(dir)) !== first,
				'a new redis-server'
			);
			await until(() => ping(supervised!.port), 'PONG on the same port');
			expect(await client.lrange('agent:queued', 0, -1)).toEqual(['command-1']);
			expect(lines[0]).toBe(
				`redis-server exited unexpectedly (signal SIGKILL); restarting it on 127.0.0.1:${supervised.port} in 50 ms`
			);
			expect(lines).toContain(`redis-server is back on 127.0.0.1:${supervised.port}`);
			expect(gaveUp).toEqual([]);
		} finally {
			client.disconnect();
		}
	});

	it('gives up on the fifth death within the window instead of looping', async () => {
		supervised = await superviseRedisServer(options());
		for (let death = 1; death <= 5; death++) {
			await until(() => ping(supervised!.port), `redis-server up before death ${death}`);
			const pid = await redisPid(dir);
			process.kill(pid, 'SIGKILL');
			await until(() => !isRunning(pid), `death ${death}`);
		}
		await until(() => gaveUp.length > 0, 'giving up');
		expect(gaveUp).toHaveLength(1);
		expect(gaveUp[0]!.message).toMatch(
			/^redis-server keeps dying \(5 times within 60 s, last: signal SIGKILL; its last output: .*\); giving up$/
		);
		expect(lines.filter((line) => line.startsWith('redis-server exited'))).toHaveLength(4);
		// Given up means given up: no redis-server comes back.
		await new Promise((resolve) => setTimeout(resolve, 300));
		expect(await ping(supervised.port)).toBe(false);
	});

	it('stops a redis-server an earlier start left running on the directory, and only that', async () => {
		// What a `pnpm start` killed with SIGKILL leaves: a live redis-server and its pid file.
		await mkdir(dir, { recursive: true });
		const port = await freePort();
		const pidfile = join(dir, PID_FILE);
		const args = ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--dir', dir];
		const leftover = spawn('redis-server', [...args, '--pidfile', pidfile], { stdio: 'ignore' });
		await until(() => ping(port), 'the leftover redis-server');

		supervised = await superviseRedisServer(options());
		await until(() => !isRunning(leftover.pid!), 'the leftover to be gone');
		expect(lines[0]).toBe(
			`stopping the redis-server (pid ${leftover.pid}) an earlier pnpm start left running on ${dir}`
		);
		expect(await redisPid(dir)).not.toBe(leftover.pid);
		expect(await ping(supervised.port)).toBe(true);
	});

	it('leaves alone a live process whose pid the file names but which is not that redis-server', async () => {
		await mkdir(dir, { recursive: true });
		const stranger = spawn('sleep', ['60'], { stdio: 'ignore' });
		try {
			await writeFile(join(dir, PID_FILE), `${stranger.pid}\n`);
			supervised = await superviseRedisServer(options());
			expect(isRunning(stranger.pid!)).toBe(true);
			expect(lines).toEqual([]);
			expect(await redisPid(dir)).not.toBe(stranger.pid);
		} finally {
			stranger.kill('SIGKILL');
		}
	});
});
