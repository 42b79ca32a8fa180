import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { SQL } from 'drizzle-orm';
import { createDb, type Db, type DbHandle } from '../../src/lib/server/db/index.ts';
import { newId } from '../../src/lib/server/db/ids.ts';
import { agents, users, type Agent, type User } from '../../src/lib/server/db/schema/index.ts';
import { startPostgres } from './postgres.ts';

export interface OpenedDb {
	handle: DbHandle;
	/** A credential that must never show up in `describe` (null for PGlite, which has none). */
	secret: string | null;
	dispose(): Promise<void>;
}

/**
 * The two ways the app can store data, for `describe.each`: embedded PGlite in a temp dir,
 * and the Neon driver through a WebSocket proxy to a real PostgreSQL started for the test.
 * Neither is migrated yet.
 */
export const DB_DRIVERS: { name: 'pglite' | 'neon'; open(): Promise<OpenedDb> }[] = [
	{
		name: 'pglite',
		async open() {
			const dataDir = await mkdtemp(join(tmpdir(), 'remoteagent-pglite-'));
			const handle = await createDb({ dataDir });
			return {
				handle,
				secret: null,
				async dispose() {
					await handle.close();
					await rm(dataDir, { recursive: true, force: true });
				}
			};
		}
	},
	{
		name: 'neon',
		async open() {
			const pg = await startPostgres();
			const handle = await createDb({
				databaseUrl: pg.databaseUrl,
				dataDir: tmpdir(),
				neon: { wsProxy: pg.wsProxy, insecure: true }
			});
			return {
				handle,
				secret: new URL(pg.databaseUrl).password,
				async dispose() {
					await handle.close();
					await pg.stop();
				}
			};
		}
	}
];

/** Rows of a raw statement; both drivers' `execute()` results carry `rows`. */
export async function rowsOf<T>(db: Db, query: SQL): Promise<T[]> {
	const result = (await db.execute(query)) as unknown as { rows: T[] };
	return result.rows;
}

/** The SQLSTATE of a database error, looked up through drizzle's wrapping `cause`s. */
export function pgErrorCode(error: unknown): string | null {
	for (let e = error; e && typeof e === 'object'; e = (e as { cause?: unknown }).cause) {
		const code = (e as { code?: unknown }).code;
		if (typeof code === 'string' && /^[0-9A-Z]{5}$/.test(code)) return code;
	}
	return null;
}

/** Resolves to the SQLSTATE the promise was rejected with; fails if it resolved. */
export async function sqlStateOf(promise: Promise<unknown>): Promise<string | null> {
	try {
		await promise;
	} catch (error) {
		return pgErrorCode(error) ?? `not a database error: ${String(error)}`;
	}
	throw new Error('expected the statement to fail, but it succeeded');
}

let telegramIds = 7_000_000_000 + Math.floor(Math.random() * 1_000_000) * 1000;
/** Telegram user ids above 2^32, as real ones are, unique within a run. */
export const nextTelegramId = (): number => ++telegramIds;

export async function insertUser(
	db: Db,
	values: Partial<typeof users.$inferInsert> = {}
): Promise<User> {
	const [row] = await db
		.insert(users)
		.values({
			id: newId('usr'),
			telegramUserId: nextTelegramId(),
			firstName: 'Ada',
			trialEndsAt: new Date(Date.now() + 14 * 86_400_000),
			...values
		})
		.returning();
	if (!row) throw new Error('insert returned nothing');
	return row;
}

export async function insertAgent(
	db: Db,
	ownerId: string,
	values: Partial<typeof agents.$inferInsert> = {}
): Promise<Agent> {
	const [row] = await db
		.insert(agents)
		.values({
			id: newId('agt'),
			ownerId,
			name: `laptop-${newId('nm')}`,
			runner: 'claude-code',
			tokenId: newId('jti'),
			...values
		})
		.returning();
	if (!row) throw new Error('insert returned nothing');
	return row;
}
