/**
 * A new PGlite data directory is made (initdb) in a short-lived child process, not in the
 * server's. In-process, initdb is a second WebAssembly instance with its own memory plus a
 * tarball of the fresh cluster, and most of it stays in the process after PGlite is open: a
 * first `pnpm start` idled at ~900 MB against ~500 MB for the next one on the same directory.
 * A child gives all of it back when it exits, for about a second more on the first start only.
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import type { PGliteOptions } from '@electric-sql/pglite';

// `node -e`: argv is [node, entry, dir, options]. The CommonJS entry, so no module resolution
// depends on the child's working directory.
const INIT_SCRIPT = `
const [entry, dir, options] = process.argv.slice(1);
require(entry)
	.PGlite.create(dir, JSON.parse(options))
	.then((db) => db.close())
	.catch((error) => {
		console.error(error instanceof Error ? error.message : String(error));
		process.exit(1);
	});
`;

/** Creates the cluster in `dir` unless it holds one (PG_VERSION, as PostgreSQL itself checks). */
export async function initPgliteDir(dir: string, options: PGliteOptions): Promise<void> {
	if (existsSync(join(dir, 'PG_VERSION'))) return;
	const entry = createRequire(import.meta.url).resolve('@electric-sql/pglite');
	const child = spawn(process.execPath, ['-e', INIT_SCRIPT, entry, dir, JSON.stringify(options)], {
		stdio: ['ignore', 'ignore', 'pipe']
	});
	let stderr = '';
	child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
	const code = await new Promise<number | null>((resolve, reject) => {
		child.once('error', reject);
		child.once('exit', resolve);
	});
	if (code !== 0) {
		const tail = stderr.trim().split('\n').slice(-3).join(' | ');
		throw new Error(`creating the embedded database in ${dir} failed (exit ${code}): ${tail}`);
	}
}
