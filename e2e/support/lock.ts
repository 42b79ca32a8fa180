/**
 * A cross-process lock for the suite's shared preparation (building web/, making the database
 * template): several e2e runs in one checkout must not build into web/build at the same time
 * or delete each other's half-made template. `mkdir` is atomic; the holder's pid is recorded so
 * a lock left by a killed run is taken over instead of waited on forever.
 */
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export const CACHE_DIR = join(import.meta.dirname, '..', '..', 'node_modules', '.cache', 'e2e');

const WAIT_MS = 10 * 60_000;

function holderAlive(lockDir: string): boolean {
	let pid: number;
	try {
		pid = Number(readFileSync(join(lockDir, 'pid'), 'utf8'));
	} catch {
		return true; // just created, pid not written yet
	}
	try {
		process.kill(pid, 0);
		return true;
	} catch {
		return false;
	}
}

export async function withLock<T>(name: string, fn: () => Promise<T>): Promise<T> {
	const lockDir = join(CACHE_DIR, `${name}.lock`);
	mkdirSync(CACHE_DIR, { recursive: true });
	const deadline = Date.now() + WAIT_MS;
	let announced = false;
	for (;;) {
		try {
			mkdirSync(lockDir);
			writeFileSync(join(lockDir, 'pid'), String(process.pid));
			break;
		} catch (error) {
			if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
		}
		if (!holderAlive(lockDir)) {
			rmSync(lockDir, { recursive: true, force: true });
			continue;
		}
		if (Date.now() > deadline)
			throw new Error(`e2e: gave up waiting for ${lockDir} (remove it if no run is active)`);
		if (!announced) console.log(`e2e: waiting for another run's ${name} to finish`);
		announced = true;
		await new Promise((resolve) => setTimeout(resolve, 250));
	}
	try {
		return await fn();
	} finally {
		rmSync(lockDir, { recursive: true, force: true });
	}
}
