/**
 * One `pnpm start` per data directory: two would corrupt the embedded database (PGlite allows one
 * instance per directory) and fight over the local Redis. `<DATA_DIR>/start.lock` holds the pid
 * (and, on Linux, the start time) of the process that runs on the directory; a lock left by a
 * process that is gone (killed with SIGKILL, the machine rebooted) is taken over.
 */
import { link, mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { isRunning, startTimeOf } from './processes.ts';

export const LOCK_FILE = 'start.lock';

interface Holder {
	pid: number;
	startTime?: string;
}

export class InstanceRunningError extends Error {
	override readonly name = 'InstanceRunningError';
}

export interface InstanceLock {
	/** Removes the lock file if it is still ours. */
	release(): Promise<void>;
}

export async function lockDataDir(dataDir: string): Promise<InstanceLock> {
	await mkdir(dataDir, { recursive: true, mode: 0o700 });
	const path = join(dataDir, LOCK_FILE);
	const me: Holder = { pid: process.pid, startTime: startTimeOf(process.pid) };
	// Written in full beside the lock, then linked into place: link() fails when the lock exists,
	// so the lock appears atomically and never half-written.
	const draft = `${path}.${process.pid}`;
	await writeFile(draft, JSON.stringify(me) + '\n', { mode: 0o600 });
	try {
		await claim(path, draft, dataDir);
	} finally {
		await rm(draft, { force: true });
	}
	return {
		async release() {
			const holder = await readHolder(path);
			if (holder?.pid === me.pid && holder.startTime === me.startTime) {
				await rm(path, { force: true });
			}
		}
	};
}

async function claim(path: string, draft: string, dataDir: string): Promise<void> {
	for (let attempt = 0; attempt < 3; attempt++) {
		try {
			await link(draft, path);
			return;
		} catch (error) {
			if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
		}
		const holder = await readHolder(path);
		if (holder && isAlive(holder)) {
			throw new InstanceRunningError(
				`another pnpm start (pid ${holder.pid}) is running on ${dataDir}: stop it first, two would corrupt the database`
			);
		}
		// Two starts taking over the same stale lock at the same moment could both win; starts
		// are run by hand, so that race is not guarded further.
		await rm(path, { force: true });
	}
	throw new Error(`could not take ${path}`);
}

function isAlive(holder: Holder): boolean {
	// Our own pid in the file can only be a leftover from an earlier life of this pid.
	if (holder.pid === process.pid || !isRunning(holder.pid)) return false;
	// Where the start time is known, a different one means the pid was reused.
	const startTime = startTimeOf(holder.pid);
	return (
		holder.startTime === undefined || startTime === undefined || startTime === holder.startTime
	);
}

/** The holder, or null for a missing or unreadable lock (a stale one to replace). */
async function readHolder(path: string): Promise<Holder | null> {
	try {
		const parsed = JSON.parse(await readFile(path, 'utf8')) as Partial<Holder>;
		if (typeof parsed.pid !== 'number' || !Number.isInteger(parsed.pid) || parsed.pid <= 0) {
			return null;
		}
		return { pid: parsed.pid, startTime: parsed.startTime };
	} catch {
		return null;
	}
}
