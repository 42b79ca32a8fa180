/**
 * Builds the web app (adapter-node → web/build) when the build is missing or older than the
 * sources it is made from. A build takes ~17 s here and a fresh one is reused, so an unchanged
 * tree costs nothing. `E2E_BUILD=always|never` overrides the check.
 */
import { spawn } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { withLock } from './lock.ts';

export const WEB_DIR = join(import.meta.dirname, '..', '..', 'web');
/** adapter-node writes this file on every build: its mtime is the build's. */
export const SERVER_ENTRY = join(WEB_DIR, 'build', 'index.js');

/** What the bundle is made from (migrations are read at run time, not bundled). */
const SOURCES = [
	join(WEB_DIR, 'src'),
	join(WEB_DIR, '..', 'shared', 'src'),
	join(WEB_DIR, 'svelte.config.js'),
	join(WEB_DIR, 'vite.config.ts'),
	join(WEB_DIR, 'package.json')
];

function newestMtime(path: string): number {
	const stat = statSync(path, { throwIfNoEntry: false });
	if (!stat) return 0;
	if (!stat.isDirectory()) return stat.mtimeMs;
	let newest = stat.mtimeMs; // a deleted file shows only as its directory's mtime
	for (const entry of readdirSync(path)) {
		if (entry === 'node_modules') continue;
		newest = Math.max(newest, newestMtime(join(path, entry)));
	}
	return newest;
}

export function buildIsStale(): boolean {
	if (!existsSync(SERVER_ENTRY)) return true;
	const built = statSync(SERVER_ENTRY).mtimeMs;
	return SOURCES.some((source) => newestMtime(source) > built);
}

/** Runs `vite build` in web/; its output is shown only when it fails. */
export async function buildWebApp(): Promise<void> {
	const vite = join(WEB_DIR, 'node_modules', '.bin', 'vite');
	const child = spawn(vite, ['build'], { cwd: WEB_DIR, stdio: ['ignore', 'pipe', 'pipe'] });
	let output = '';
	const keep = (chunk: Buffer) => (output = (output + chunk.toString()).slice(-8000));
	child.stdout.on('data', keep);
	child.stderr.on('data', keep);
	const code = await new Promise<number | null>((resolve, reject) => {
		child.once('error', reject);
		child.once('exit', resolve);
	});
	if (code !== 0) {
		process.stderr.write(output);
		throw new Error(
			`e2e: building the web app failed (vite build exited ${code}); its output is above`
		);
	}
}

/** Builds when needed; returns what it did, for the run's log. */
export async function ensureBuilt(): Promise<'built' | 'fresh' | 'skipped'> {
	const mode = process.env.E2E_BUILD ?? 'auto';
	if (mode === 'never') {
		if (!existsSync(SERVER_ENTRY))
			throw new Error(`e2e: E2E_BUILD=never but ${SERVER_ENTRY} is missing`);
		return 'skipped';
	}
	if (mode !== 'always' && !buildIsStale()) return 'fresh';
	return withLock('build', async () => {
		// A run we waited for may just have built the same tree.
		if (mode !== 'always' && !buildIsStale()) return 'fresh';
		await buildWebApp();
		return 'built';
	});
}
