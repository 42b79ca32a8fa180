/**
 * Services of the system tests that can be killed and brought back on the same address:
 * a `redis-server` that keeps every write on disk (AOF, fsync on every write, so a SIGKILL
 * loses nothing), and the built app (`node web/build/index.js`) on a fixed port, so a paired
 * agent reconnects to the same URL after a restart. Every child is killed when the test
 * process exits, whatever happened before.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { appendFileSync, createWriteStream, mkdirSync } from 'node:fs';
import { ping } from '../../web/tools/local-redis.ts';
import { dirname } from 'node:path';
import { SERVER_ENTRY, WEB_DIR } from './build.ts';
import { tail, waitForHealth } from './stack.ts';

const children = new Set<ChildProcess>();
process.once('exit', () => {
	for (const child of children) child.kill('SIGKILL');
});

/** Spawns a child that dies with the test process; `exited` resolves when it has gone. */
export function spawnTracked(
	command: string,
	args: string[],
	options: Parameters<typeof spawn>[2]
): { child: ChildProcess; exited: Promise<void> } {
	const child = spawn(command, args, options);
	children.add(child);
	const exited = new Promise<void>((resolve) => {
		child.once('exit', () => {
			children.delete(child);
			resolve();
		});
		child.once('error', () => {
			children.delete(child);
			resolve();
		});
	});
	return { child, exited };
}

export function isRunning(child: ChildProcess): boolean {
	return child.exitCode === null && child.signalCode === null;
}

/** SIGTERM, then SIGKILL after `graceMs`; resolves once the process is gone. */
export async function stopProcess(
	handle: { child: ChildProcess; exited: Promise<void> },
	graceMs = 5_000
): Promise<void> {
	if (!isRunning(handle.child)) return;
	const force = setTimeout(() => handle.child.kill('SIGKILL'), graceMs);
	handle.child.kill('SIGTERM');
	await handle.exited;
	clearTimeout(force);
}

export async function killProcess(handle: {
	child: ChildProcess;
	exited: Promise<void>;
}): Promise<void> {
	if (!isRunning(handle.child)) return;
	handle.child.kill('SIGKILL');
	await handle.exited;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** A redis-server whose data survives SIGKILL: restartable on the same port and directory. */
export interface PersistentRedis {
	url: string;
	port: number;
	dir: string;
	start(): Promise<void>;
	/** SIGKILL: no shutdown, no final flush. */
	kill(): Promise<void>;
	stop(): Promise<void>;
}

export function persistentRedis(opts: {
	port: number;
	dir: string;
	logFile: string;
}): PersistentRedis {
	let handle: ReturnType<typeof spawnTracked> | null = null;
	const args = [
		'--port',
		String(opts.port),
		'--bind',
		'127.0.0.1',
		'--dir',
		opts.dir,
		'--save',
		'',
		'--appendonly',
		'yes',
		'--appendfsync',
		'always',
		'--logfile',
		opts.logFile
	];
	return {
		url: `redis://127.0.0.1:${opts.port}`,
		port: opts.port,
		dir: opts.dir,
		async start() {
			mkdirSync(opts.dir, { recursive: true });
			mkdirSync(dirname(opts.logFile), { recursive: true });
			handle = spawnTracked('redis-server', args, { stdio: 'ignore' });
			const deadline = Date.now() + 10_000;
			while (!(await ping(opts.port))) {
				if (!isRunning(handle.child))
					throw new Error(`e2e: redis-server exited at start${tail(opts.logFile)}`);
				if (Date.now() > deadline)
					throw new Error(`e2e: redis-server answered no PING within 10 s${tail(opts.logFile)}`);
				await sleep(25);
			}
		},
		async kill() {
			if (handle) await killProcess(handle);
		},
		async stop() {
			if (handle) await stopProcess(handle);
		}
	};
}

/** The built web app on a fixed port; each start appends to the same log file. */
export interface RestartableApp {
	baseURL: string;
	port: number;
	logFile: string;
	start(): Promise<void>;
	/** SIGKILL, as a crash or an OOM kill would end it. */
	kill(): Promise<void>;
	stop(): Promise<void>;
}

export function restartableApp(opts: {
	port: number;
	env: Record<string, string>;
	logFile: string;
	/** The address people use (a load balancer's); default: this instance's own. */
	publicURL?: string;
}): RestartableApp {
	const baseURL = `http://127.0.0.1:${opts.port}`;
	let handle: ReturnType<typeof spawnTracked> | null = null;
	return {
		baseURL,
		port: opts.port,
		logFile: opts.logFile,
		async start() {
			mkdirSync(dirname(opts.logFile), { recursive: true });
			appendFileSync(opts.logFile, `--- e2e: app start ${new Date().toISOString()} ---\n`);
			const log = createWriteStream(opts.logFile, { flags: 'a' });
			await new Promise((resolve, reject) => log.once('open', resolve).once('error', reject));
			const env = {
				...opts.env,
				PORT: String(opts.port),
				HOST: '127.0.0.1',
				ORIGIN: opts.publicURL ?? baseURL,
				PUBLIC_URL: opts.publicURL ?? baseURL
			};
			handle = spawnTracked(process.execPath, [SERVER_ENTRY], {
				cwd: WEB_DIR,
				env,
				stdio: ['ignore', log, log]
			});
			void handle.exited.then(() => log.end());
			await waitForHealth(baseURL, handle.child, opts.logFile);
		},
		async kill() {
			if (handle) await killProcess(handle);
		},
		async stop() {
			if (handle) await stopProcess(handle);
		}
	};
}
