import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { InstanceRunningError, LOCK_FILE, lockDataDir } from './instance-lock.ts';
import { startTimeOf } from './processes.ts';

describe('lockDataDir', () => {
	let dataDir: string;
	let other: ChildProcess | undefined;
	const lockPath = () => join(dataDir, LOCK_FILE);

	/** Another live process, standing in for a running `pnpm start`. */
	function otherProcess(): number {
		other = spawn('sleep', ['60'], { stdio: 'ignore' });
		return other.pid!;
	}

	beforeEach(async () => {
		dataDir = await mkdtemp(join(tmpdir(), 'instance-lock-test-'));
	});
	afterEach(async () => {
		other?.kill('SIGKILL');
		other = undefined;
		await rm(dataDir, { recursive: true, force: true });
	});

	it('records this process, and release removes the file', async () => {
		const lock = await lockDataDir(dataDir);
		expect(JSON.parse(await readFile(lockPath(), 'utf8'))).toEqual({
			pid: process.pid,
			startTime: startTimeOf(process.pid)
		});
		expect(await readdir(dataDir)).toEqual([LOCK_FILE]);
		await lock.release();
		expect(existsSync(lockPath())).toBe(false);
	});

	it('refuses while the recorded process lives, and leaves its lock alone', async () => {
		const pid = otherProcess();
		const held = JSON.stringify({ pid, startTime: startTimeOf(pid) });
		await writeFile(lockPath(), held);
		const refused = lockDataDir(dataDir);
		await expect(refused).rejects.toThrow(InstanceRunningError);
		await expect(refused).rejects.toThrow(
			`another pnpm start (pid ${pid}) is running on ${dataDir}: stop it first, two would corrupt the database`
		);
		expect(await readFile(lockPath(), 'utf8')).toBe(held);
		expect(await readdir(dataDir)).toEqual([LOCK_FILE]);
	});

	it.each([
		['a process that is gone', async () => ({ pid: 2 ** 22 + 1, startTime: '1' })],
		[
			'a reused pid (same pid, another start time)',
			async () => ({ pid: otherProcess(), startTime: '1' })
		],
		['garbage', async () => 'not json']
	])('takes over a lock left by %s', async (_name, content) => {
		const value = await content();
		await writeFile(lockPath(), typeof value === 'string' ? value : JSON.stringify(value));
		const lock = await lockDataDir(dataDir);
		expect(JSON.parse(await readFile(lockPath(), 'utf8'))).toMatchObject({ pid: process.pid });
		await lock.release();
	});

	it('release leaves a lock that is no longer ours', async () => {
		const lock = await lockDataDir(dataDir);
		const pid = otherProcess();
		const theirs = JSON.stringify({ pid, startTime: startTimeOf(pid) });
		await writeFile(lockPath(), theirs);
		await lock.release();
		expect(await readFile(lockPath(), 'utf8')).toBe(theirs);
	});
});
