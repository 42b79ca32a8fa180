/**
 * `pnpm start` as a child process for tests: the real script under tsx, the real build, a real
 * redis-server, and none of the developer's settings.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { connect } from 'node:net';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { isRedisServerIn } from '../../scripts/lib/processes.ts';
import { SETTING_NAMES } from '../../scripts/lib/settings.ts';
import { withLock } from '../../../e2e/support/lock.ts';
import { build, buildIsCurrent, sourceHash } from '../../scripts/lib/build.ts';

const webDir = fileURLToPath(new URL('../../', import.meta.url));
const tsx = join(webDir, 'node_modules/.bin/tsx');

export interface Started {
	child: ChildProcess;
	stdout(): string;
	stderr(): string;
	exit: Promise<number | null>;
}

/**
 * `pnpm start` builds when its sources changed; tests build first, under the browser tests'
 * lock, with the same step and stamp as `pnpm start`, so the script under test finds the build
 * current (and the browser tests find it fresh).
 */
export async function ensureBuild(): Promise<void> {
	const buildDir = join(webDir, 'build');
	await withLock('build', async () => {
		const hash = sourceHash(webDir);
		if (await buildIsCurrent(buildDir, hash)) return;
		const logFile = join(await mkdtemp(join(tmpdir(), 'start-build-')), 'build.log');
		await build({ webDir, buildDir, hash, logFile, verbose: false });
	});
}

/** The start script with none of the developer's settings: every variable set to empty (= unset). */
export function start(env: Record<string, string>, args: string[] = []): Started {
	const unset = Object.fromEntries([...SETTING_NAMES, 'REDIS_URL'].map((name) => [name, '']));
	return watch(
		spawn(tsx, ['scripts/start.ts', ...args], {
			cwd: webDir,
			env: { ...process.env, ...unset, ...env },
			stdio: ['ignore', 'pipe', 'pipe']
		})
	);
}

/** A started child with its output collected and its exit code awaited. */
export function watch(child: ChildProcess): Started {
	let stdout = '';
	let stderr = '';
	child.stdout!.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
	child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
	const exit = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
	return { child, stdout: () => stdout, stderr: () => stderr, exit };
}

export async function waitForOutput(
	started: Started,
	text: string,
	timeoutMs = 60_000
): Promise<void> {
	const deadline = Date.now() + timeoutMs;
	while (!started.stdout().includes(text)) {
		if (started.child.exitCode !== null) {
			throw new Error(
				`start exited (${started.child.exitCode}):\n${started.stdout()}\n${started.stderr()}`
			);
		}
		if (Date.now() > deadline)
			throw new Error(`no "${text}" within ${timeoutMs} ms:\n${started.stdout()}`);
		await new Promise((resolve) => setTimeout(resolve, 100));
	}
}

/** The redis-server port from the status block. */
export function redisPortOf(started: Started): number {
	return Number(
		/Redis {5}redis-server on 127\.0\.0\.1:(\d+), data in /.exec(started.stdout())?.[1]
	);
}

export function refuses(port: number): Promise<boolean> {
	return new Promise((resolve) => {
		const socket = connect({ port, host: '127.0.0.1' });
		socket.once('connect', () => (socket.destroy(), resolve(false)));
		socket.once('error', () => resolve(true));
	});
}

/** Linux: the pids of every redis-server working in `dir`, whoever started them. */
export function redisServersIn(dir: string): number[] {
	return readdirSync('/proc')
		.filter((name) => /^\d+$/.test(name))
		.map(Number)
		.filter((pid) => isRedisServerIn(pid, dir) === true);
}
