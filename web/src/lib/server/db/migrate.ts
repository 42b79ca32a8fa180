import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { drizzle as drizzleNeon } from 'drizzle-orm/neon-serverless';
import { migrate as migrateNeon } from 'drizzle-orm/neon-serverless/migrator';
import { drizzle as drizzlePglite } from 'drizzle-orm/pglite';
import { migrate as migratePglite } from 'drizzle-orm/pglite/migrator';
import type { DbHandle } from './index.ts';

/**
 * Finds `web/drizzle/` by walking up from `from` to the first directory that has
 * `drizzle/meta/_journal.json`. This works from every place the code runs:
 * - source (tsx scripts, vitest): src/lib/server/db/ → … → web/
 * - the adapter-node build: Vite keeps `import.meta.url` of the bundled chunk, which lies
 *   under web/build/server/chunks/, so the walk reaches web/ as well. A deployment that
 *   copies only build/ must copy drizzle/ next to it (or pass `migrationsFolder`).
 * - serverless bundles (Vercel) do not ship drizzle/: run `pnpm db:migrate` at deploy time.
 */
export function findMigrationsFolder(from: string | URL = import.meta.url): string | null {
	let dir = dirname(fileURLToPath(from));
	for (;;) {
		const candidate = join(dir, 'drizzle');
		if (existsSync(join(candidate, 'meta', '_journal.json'))) return candidate;
		const parent = dirname(dir);
		if (parent === dir) return null;
		dir = parent;
	}
}

/** web/drizzle as seen from this module, or null when it was not shipped. */
export const MIGRATIONS_FOLDER = findMigrationsFolder();

/** Any 64-bit number unique to this app: serialises migrators of several instances starting at once. */
const MIGRATION_LOCK_KEY = 0x52_41_6d_69_67; // "RAmig"

/**
 * Applies the committed migrations that the database does not have yet (drizzle records
 * applied ones in `drizzle.__drizzle_migrations`), so running it again is a no-op.
 */
export async function migrate(
	handle: DbHandle,
	migrationsFolder = MIGRATIONS_FOLDER
): Promise<void> {
	if (!migrationsFolder || !existsSync(join(migrationsFolder, 'meta', '_journal.json'))) {
		throw new Error(
			`database migrations not found (${migrationsFolder ?? 'no drizzle/meta/_journal.json above ' + fileURLToPath(import.meta.url)})`
		);
	}
	const config = { migrationsFolder };

	if (handle.driver === 'pglite') {
		// A thin second drizzle instance on the same client: the migrator needs the driver's own type.
		await migratePglite(drizzlePglite({ client: handle.client }), config);
		return;
	}

	// drizzle's migrator takes no lock; two instances booting together could both apply a
	// migration. Hold a session advisory lock on one connection and migrate through it.
	// On failure the connection is destroyed rather than pooled, which also drops the lock.
	const connection = await handle.client.connect();
	let failed = false;
	try {
		await connection.query('select pg_advisory_lock($1)', [MIGRATION_LOCK_KEY]);
		await migrateNeon(drizzleNeon({ client: connection }), config);
		await connection.query('select pg_advisory_unlock($1)', [MIGRATION_LOCK_KEY]);
	} catch (error) {
		failed = true;
		throw error;
	} finally {
		connection.release(failed);
	}
}
