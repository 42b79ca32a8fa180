/**
 * The redis-server `pnpm start` runs for itself, kept alive: one left running by an earlier start
 * that was killed is stopped first, and one that dies is started again on the same port and data
 * directory after a growing pause. One that keeps dying gives up, so the caller can stop everything
 * with a clear error instead of looping.
 */
import { readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { spawnRedisServer, type RedisServerHandle } from '../../tools/local-redis.ts';
import { isRedisServerIn, isRunning, stopProcess } from './processes.ts';

/** Written by redis-server itself (its `pidfile` directive), so it outlives a killed `pnpm start`. */
export const PID_FILE = 'redis.pid';

export interface SuperviseOptions {
	/** Data directory (AOF files and the pid file). */
	dir: string;
	/** One line for each restart and for a leftover redis-server stopped. */
	log(line: string): void;
	/** Called once when redis-server keeps dying; nothing is restarted after it. */
	onGiveUp(error: Error): void;
	/** The pause before restarting after the n-th death in the window. Default 0.5 s doubling. */
	backoffMs?(deaths: number): number;
	/** Give up at the `maxDeaths`-th death within `windowMs`. Default 5 within a minute. */
	maxDeaths?: number;
	windowMs?: number;
}

export interface SupervisedRedis {
	url: string;
	port: number;
	dir: string;
	/** Stops redis-server for good. */
	stop(): Promise<void>;
}

const defaultBackoff = (deaths: number) => Math.min(500 * 2 ** (deaths - 1), 8000);

/** Call it only while holding the data directory's lock (instance-lock.ts). */
export async function superviseRedisServer(options: SuperviseOptions): Promise<SupervisedRedis> {
	const { dir, log, onGiveUp, backoffMs = defaultBackoff } = options;
	const { maxDeaths = 5, windowMs = 60_000 } = options;
	const pidfile = join(dir, PID_FILE);
	await stopLeftover(dir, pidfile, log);
	let current = await spawnRedisServer({ dir, persist: true, pidfile });
	const { port } = current;

	let stopped = false;
	let timer: ReturnType<typeof setTimeout> | undefined;
	let restarting: Promise<void> | undefined;
	const deaths: number[] = [];

	const died = (reason: string, output = '') => {
		if (stopped) return;
		const now = Date.now();
		deaths.push(now);
		while (deaths[0]! <= now - windowMs) deaths.shift();
		if (deaths.length >= maxDeaths) {
			stopped = true;
			const last = output ? `; its last output: ${output}` : '';
			onGiveUp(
				new Error(
					`redis-server keeps dying (${deaths.length} times within ${windowMs / 1000} s, last: ${reason}${last}); giving up`
				)
			);
			return;
		}
		const pause = backoffMs(deaths.length);
		log(
			`redis-server exited unexpectedly (${reason}); restarting it on 127.0.0.1:${port} in ${pause} ms`
		);
		timer = setTimeout(() => (restarting = restart()), pause);
	};
	const watch = (server: RedisServerHandle) =>
		void server.exited.then((exit) => died(exit.reason, exit.output));
	const restart = async () => {
		try {
			const server = await spawnRedisServer({ dir, port, persist: true, pidfile });
			if (stopped) return await server.stop();
			current = server;
			watch(server);
			log(`redis-server is back on 127.0.0.1:${port}`);
		} catch (error) {
			died(error instanceof Error ? error.message : String(error));
		}
	};
	watch(current);

	return {
		url: current.url,
		port,
		dir,
		async stop() {
			stopped = true;
			clearTimeout(timer);
			await restarting;
			await current.stop();
		}
	};
}

/**
 * A redis-server a killed `pnpm start` left behind still holds the data directory (and would
 * share it with ours). Killed only once `/proc` confirms it is a redis-server on this directory:
 * the pid may have been reused by anything since.
 */
async function stopLeftover(dir: string, pidfile: string, log: (line: string) => void) {
	const pid = await readPid(pidfile);
	if (pid === undefined) return;
	if (isRunning(pid)) {
		const ours = isRedisServerIn(pid, dir);
		if (ours === undefined) {
			throw new Error(
				`a redis-server (pid ${pid}) from an earlier pnpm start may still be running on ${dir}: stop it, then start again`
			);
		}
		if (ours) {
			log(`stopping the redis-server (pid ${pid}) an earlier pnpm start left running on ${dir}`);
			await stopProcess(pid);
		}
	}
	await rm(pidfile, { force: true });
}

async function readPid(file: string): Promise<number | undefined> {
	let text: string;
	try {
		text = await readFile(file, 'utf8');
	} catch (error) {
		if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
		throw error;
	}
	const pid = Number(text.trim());
	return Number.isInteger(pid) && pid > 0 ? pid : undefined;
}
