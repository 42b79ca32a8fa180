/**
 * `pnpm --filter @remoteagent/web db:migrate`: applies the committed migrations to the
 * configured database and prints one line. Reads the environment directly (it is a script,
 * not the app): DATABASE_URL (optional; embedded PGlite without it), DATABASE_WS_PROXY
 * (optional; a local WebSocket proxy in front of a plain PostgreSQL) and DATA_DIR (default
 * `.data`; a relative path is taken from the repository root, like `pnpm start` does).
 * Never prints a credential: errors print their message only, the database its host and name.
 */
import { isAbsolute, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createDb } from '../src/lib/server/db/index.ts';
import { migrate } from '../src/lib/server/db/migrate.ts';

const repoRoot = fileURLToPath(new URL('../../', import.meta.url));

async function main(): Promise<void> {
	const databaseUrl = process.env.DATABASE_URL || undefined;
	const wsProxy = process.env.DATABASE_WS_PROXY || undefined;
	const dataDirSetting = process.env.DATA_DIR || '.data';
	const dataDir = isAbsolute(dataDirSetting) ? dataDirSetting : resolve(repoRoot, dataDirSetting);

	const handle = await createDb({
		databaseUrl,
		dataDir,
		neon: wsProxy ? { wsProxy, insecure: true } : undefined
	});
	try {
		await migrate(handle);
	} finally {
		await handle.close();
	}
	// "migrated embedded database (PGlite) at …" or "migrated postgres at host:port/db".
	console.log(`migrated ${handle.describe}`);
}

main().catch((error: unknown) => {
	console.error(`error: ${error instanceof Error ? error.message : String(error)}`);
	process.exit(1);
});
