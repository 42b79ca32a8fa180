/**
 * A migrated, empty PGlite data directory that each relay stack starts from. Creating a PGlite
 * cluster runs initdb inside WASM (10–15 s here); opening an existing one takes well under a
 * second. The template is made with the app's own `createDb` + `migrate` and cached under
 * node_modules/.cache/e2e, keyed by the PGlite version and the migrations, so it is rebuilt only
 * when one of them changes. The app still runs `migrate` on start: a no-op on the template.
 */
import { createHash } from 'node:crypto';
import {
	cpSync,
	existsSync,
	readdirSync,
	readFileSync,
	renameSync,
	rmSync,
	statSync
} from 'node:fs';
import { join } from 'node:path';
import { createDb } from '../../web/src/lib/server/db/index.ts';
import { migrate, MIGRATIONS_FOLDER } from '../../web/src/lib/server/db/migrate.ts';
import { WEB_DIR } from './build.ts';
import { CACHE_DIR, withLock } from './lock.ts';

const PREFIX = 'pglite-';
/** Older templates may still be being copied by a concurrent run made from an older tree. */
const KEEP_OLD_MS = 3_600_000;

function templateKey(): string {
	const hash = createHash('sha256');
	hash.update(
		readFileSync(join(WEB_DIR, 'node_modules', '@electric-sql', 'pglite', 'package.json'))
	);
	if (!MIGRATIONS_FOLDER) throw new Error('e2e: web/drizzle (the migrations) not found');
	const files = (dir: string): string[] =>
		readdirSync(dir, { withFileTypes: true })
			.flatMap((e) => (e.isDirectory() ? files(join(dir, e.name)) : [join(dir, e.name)]))
			.sort();
	for (const file of files(MIGRATIONS_FOLDER))
		hash.update(file.slice(MIGRATIONS_FOLDER.length)).update(readFileSync(file));
	return hash.digest('hex').slice(0, 16);
}

/** The template's DATA_DIR (it holds `pglite/`), created when missing or outdated. */
export async function ensureDatabaseTemplate(): Promise<{ dir: string; created: boolean }> {
	const key = PREFIX + templateKey();
	const dir = join(CACHE_DIR, key);
	const ready = () => existsSync(join(dir, 'pglite', 'PG_VERSION'));
	if (ready()) return { dir, created: false };
	return withLock('database-template', async () => {
		if (ready()) return { dir, created: false }; // made by the run we waited for
		for (const entry of readdirSync(CACHE_DIR)) {
			const path = join(CACHE_DIR, entry);
			const old = Date.now() - statSync(path).mtimeMs > KEEP_OLD_MS;
			if (entry.startsWith(PREFIX) && (entry.includes('.building') || old))
				rmSync(path, { recursive: true, force: true });
		}
		rmSync(dir, { recursive: true, force: true }); // an unusable leftover
		const building = `${dir}.building`;
		const handle = await createDb({ dataDir: building });
		try {
			await migrate(handle);
		} finally {
			await handle.close();
		}
		renameSync(building, dir); // a half-made template is never used
		return { dir, created: true };
	});
}

/** A private copy of the template as a fresh DATA_DIR. */
export function copyDatabaseTemplate(templateDir: string, dataDir: string): void {
	cpSync(templateDir, dataDir, { recursive: true });
}
