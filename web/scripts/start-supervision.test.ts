// `pnpm start` keeps what it starts alive and never leaves it behind: the real script, processes
// killed with SIGKILL as an operator (or the kernel) would.
import { existsSync } from 'node:fs';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis as IORedis } from 'ioredis';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { freePort, ping } from '../tools/local-redis.ts';
import {
	ensureBuild,
	redisPortOf,
	redisServersIn,
	start,
	waitForOutput,
	type Started
} from '../test/harness/start-script.ts';
import { LOCK_FILE } from './lib/instance-lock.ts';
import { isRunning } from './lib/processes.ts';
import { PID_FILE } from './lib/redis-supervisor.ts';

const READY = 'Ctrl-C stops everything.';

/** Polls until `check` holds; generous, since the machine is shared. */
async function until(check: () => boolean | Promise<boolean>, what: string, timeoutMs = 60_000) {
	const deadline = Date.now() + timeoutMs;
	while (!(await check())) {
		if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
		await new Promise((resolve) => setTimeout(resolve, 100));
	}
}

const healthStatus = (port: number) =>
	fetch(`http://127.0.0.1:${port}/healthz`).then(
		(res) => res.status,
		() => 0
	);

describe('pnpm start supervises what it starts', () => {
	let dataDir: string;
	const running: Started[] = [];
	const redisDir = () => join(dataDir, 'redis');
	const redisPid = async () => Number(await readFile(join(redisDir(), PID_FILE), 'utf8'));
	/** The pid of the start script itself (tsx runs it in a child node process). */
	const startPid = async () =>
		(JSON.parse(await readFile(join(dataDir, LOCK_FILE), 'utf8')) as { pid: number }).pid;

	async function startOn(port: number): Promise<Started> {
		const started = start({ DATA_DIR: dataDir, PORT: String(port), LOG_LEVEL: 'warn' });
		running.push(started);
		return started;
	}

	beforeAll(ensureBuild, 200_000);
	afterEach(async () => {
		for (const started of running.splice(0)) {
			if (started.child.exitCode === null) started.child.kill('SIGKILL');
		}
		// Whatever a failed test left running on the directory must not outlive it.
		if (dataDir) {
			for (const pid of redisServersIn(redisDir())) process.kill(pid, 'SIGKILL');
			await rm(dataDir, { recursive: true, force: true });
		}
	});

	it('kill -9 of its redis-server: restarted on the same port with the same data, /healthz recovers', async () => {
		dataDir = await mkdtemp(join(tmpdir(), 'start-supervision-test-'));
		const port = await freePort();
		const started = await startOn(port);
		await waitForOutput(started, READY);
		const redisPort = redisPortOf(started);
		expect(await healthStatus(port)).toBe(200);

		const direct = new IORedis(redisPort, '127.0.0.1', { maxRetriesPerRequest: null });
		direct.on('error', () => {}); // refused while redis-server is down
		try {
			await direct.set('written-before-the-kill', 'still here');
			// Appended to the AOF (fsync is every second, but a killed process loses no write()).
			await until(async () => {
				const files = await readdir(join(redisDir(), 'appendonlydir'));
				const texts = await Promise.all(
					files.map((file) => readFile(join(redisDir(), 'appendonlydir', file), 'latin1'))
				);
				return texts.some((text) => text.includes('written-before-the-kill'));
			}, 'the write in the AOF');

			const killed = await redisPid();
			process.kill(killed, 'SIGKILL');
			await until(() => !isRunning(killed), 'redis-server to die');
			await until(async () => (await healthStatus(port)) === 200, '/healthz 200 again');

			expect(started.stderr()).toContain(
				`redis-server exited unexpectedly (signal SIGKILL); restarting it on 127.0.0.1:${redisPort} in `
			);
			expect(await ping(redisPort)).toBe(true);
			expect(await direct.get('written-before-the-kill')).toBe('still here');
			expect(redisServersIn(redisDir())).toEqual([await redisPid()]);
			expect(await redisPid()).not.toBe(killed);
		} finally {
			direct.disconnect();
		}

		started.child.kill('SIGINT');
		expect(await started.exit).toBe(0);
		expect(redisServersIn(redisDir())).toEqual([]);
	}, 180_000);

	it('a redis-server that keeps dying stops everything with one clear error', async () => {
		dataDir = await mkdtemp(join(tmpdir(), 'start-supervision-test-'));
		const started = await startOn(await freePort());
		await waitForOutput(started, READY);
		const redisPort = redisPortOf(started);
		let previous = 0;
		for (let death = 1; death <= 5; death++) {
			await until(
				async () => (await redisPid()) !== previous && (await ping(redisPort)),
				`redis-server up before death ${death}`
			);
			previous = await redisPid();
			process.kill(previous, 'SIGKILL');
		}
		await until(() => started.child.exitCode !== null, 'pnpm start to give up');
		expect(started.child.exitCode).toBe(1);
		expect(started.stderr()).toMatch(
			// The last death may land while the supervisor still waits for it to answer PING.
			/\nerror: redis-server keeps dying \(5 times within 60 s, last: .*SIGKILL.*\); giving up\n$/
		);
		expect(redisServersIn(redisDir())).toEqual([]);
		expect(existsSync(join(dataDir, LOCK_FILE))).toBe(false);
	}, 180_000);

	it('kill -9 of the start script leaves its redis-server; the next start stops it and runs exactly one', async () => {
		dataDir = await mkdtemp(join(tmpdir(), 'start-supervision-test-'));
		const first = await startOn(await freePort());
		await waitForOutput(first, READY);
		const orphan = await redisPid();

		process.kill(await startPid(), 'SIGKILL'); // no cleanup can run
		await first.exit;
		expect(isRunning(orphan)).toBe(true);
		expect(redisServersIn(redisDir())).toEqual([orphan]);

		const port = await freePort();
		const second = await startOn(port);
		await waitForOutput(second, READY);
		expect(second.stderr()).toContain(
			`stopping the redis-server (pid ${orphan}) an earlier pnpm start left running on ${redisDir()}`
		);
		expect(isRunning(orphan)).toBe(false);
		expect(redisServersIn(redisDir())).toEqual([await redisPid()]);
		expect(await healthStatus(port)).toBe(200);

		second.child.kill('SIGINT');
		expect(await second.exit).toBe(0);
	}, 180_000);

	it('a second start on a data directory in use refuses with one line and leaves the first alone', async () => {
		dataDir = await mkdtemp(join(tmpdir(), 'start-supervision-test-'));
		const port = await freePort();
		const first = await startOn(port);
		await waitForOutput(first, READY);
		const lock = await readFile(join(dataDir, LOCK_FILE), 'utf8');
		const firstRedis = await redisPid();
		const firstPid = await startPid();

		const second = await startOn(await freePort());
		// Fails fast (not by timeout) should it ever run alongside.
		const ranAlongside = waitForOutput(second, READY).then(
			() => 'ran alongside',
			() => 'exited'
		);
		expect(await Promise.race([second.exit, ranAlongside])).toBe(1);
		expect(second.stderr()).toBe(
			`error: another pnpm start (pid ${firstPid}) is running on ${dataDir}: stop it first, two would corrupt the database\n`
		);
		expect(second.stdout()).toBe('');

		expect(await readFile(join(dataDir, LOCK_FILE), 'utf8')).toBe(lock);
		expect(redisServersIn(redisDir())).toEqual([firstRedis]);
		expect(await healthStatus(port)).toBe(200);
		expect(first.child.exitCode).toBeNull();

		first.child.kill('SIGINT');
		expect(await first.exit).toBe(0);
	}, 180_000);
});
