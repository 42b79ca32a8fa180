/**
 * Telling which process a recorded pid names, before trusting or killing it. A pid alone can be
 * reused by an unrelated process; on Linux `/proc` says what the process is and when it started.
 * Elsewhere only liveness is known, and callers refuse to kill what they cannot identify.
 */
import { readFileSync, readlinkSync, realpathSync } from 'node:fs';

/** Whether the process exists (a zombie does not count: it is dead, only not reaped yet). */
export function isRunning(pid: number): boolean {
	try {
		process.kill(pid, 0);
	} catch (error) {
		// EPERM: it exists, it is just not ours to signal.
		if ((error as NodeJS.ErrnoException).code !== 'EPERM') return false;
	}
	return procStat(pid)?.state !== 'Z';
}

/**
 * Linux: when the process started (clock ticks since boot). With the pid it names one process:
 * a reused pid has a later start time. `undefined` without `/proc` or when the process is gone.
 */
export function startTimeOf(pid: number): string | undefined {
	return procStat(pid)?.startTime;
}

/**
 * Whether `pid` is a redis-server serving `dir`: redis-server changes into its `dir` on start,
 * so its working directory says which data it holds. `undefined` where this cannot be told
 * (no `/proc`, or a process of another user).
 */
export function isRedisServerIn(pid: number, dir: string): boolean | undefined {
	let name: string;
	let cwd: string;
	try {
		name = readFileSync(`/proc/${pid}/comm`, 'utf8').trim();
		cwd = readlinkSync(`/proc/${pid}/cwd`);
	} catch (error) {
		if ((error as NodeJS.ErrnoException).code === 'ENOENT' && procStat('self') !== undefined) {
			return false; // /proc works, this pid is gone
		}
		return undefined;
	}
	return name === 'redis-server' && cwd === realpathSync(dir);
}

/** SIGTERM, SIGKILL after `graceMs`; resolves once the process is gone, throws if it stays. */
export async function stopProcess(pid: number, graceMs = 5000): Promise<void> {
	const kill = Date.now() + graceMs;
	const giveUp = kill + 5000;
	signal(pid, 'SIGTERM');
	while (isRunning(pid)) {
		if (Date.now() > giveUp) throw new Error(`process ${pid} did not stop`);
		if (Date.now() > kill) signal(pid, 'SIGKILL');
		await new Promise((resolve) => setTimeout(resolve, 50));
	}
}

function signal(pid: number, name: NodeJS.Signals): void {
	try {
		process.kill(pid, name);
	} catch {
		// already gone
	}
}

function procStat(pid: number | 'self'): { state: string; startTime: string } | undefined {
	let text: string;
	try {
		text = readFileSync(`/proc/${pid}/stat`, 'utf8');
	} catch {
		return undefined;
	}
	// `pid (comm) state …`: comm may hold spaces and parentheses, so split after the last `)`.
	const fields = text.slice(text.lastIndexOf(')') + 2).split(' ');
	// Fields 3 (state) and 22 (starttime) of proc(5), counted from `state` = index 0.
	return { state: fields[0]!, startTime: fields[19]! };
}
