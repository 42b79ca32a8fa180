import { existsSync, readFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { eq, sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { findPostgresBinDir } from '../../../../test/harness/postgres.ts';
import {
	DB_DRIVERS,
	insertUser,
	rowsOf,
	sqlStateOf,
	type OpenedDb
} from '../../../../test/harness/db.ts';
import { createDb, describeDatabaseUrl, PGLITE_SETTINGS, pgliteOptions, type Db } from './index.ts';
import { initPgliteDir } from './pglite-init.ts';
import { findMigrationsFolder, migrate, MIGRATIONS_FOLDER } from './migrate.ts';
import { users } from './schema/index.ts';

const TABLES = [
	'agents',
	'authorized_users',
	'login_links',
	'pairing_codes',
	'sessions',
	'stripe_events',
	'team_invites',
	'users',
	'web_sessions'
];

const journalEntries = (): number =>
	(
		JSON.parse(readFileSync(join(MIGRATIONS_FOLDER!, 'meta', '_journal.json'), 'utf8')) as {
			entries: unknown[];
		}
	).entries.length;

describe.each(DB_DRIVERS)('database on $name', ({ name, open }) => {
	let opened: OpenedDb;
	let db: Db;

	beforeAll(async () => {
		opened = await open();
		db = opened.handle.db;
	});
	afterAll(() => opened?.dispose());

	it('reports its driver', () => {
		expect(opened.handle.driver).toBe(name);
	});

	it('applies the committed migrations to an empty database, then again as a no-op', async () => {
		const tables = () =>
			rowsOf<{ table_name: string }>(
				db,
				sql`select table_name from information_schema.tables where table_schema = 'public' order by table_name`
			).then((rows) => rows.map((r) => r.table_name));
		const applied = () =>
			rowsOf<{ n: number }>(
				db,
				sql`select count(*)::int as n from drizzle.__drizzle_migrations`
			).then((rows) => rows[0]?.n);

		expect(await tables()).toEqual([]);
		await migrate(opened.handle);
		expect(await tables()).toEqual(TABLES);
		expect(await applied()).toBe(journalEntries());

		await insertUser(db, { firstName: 'Kept' });
		await migrate(opened.handle);
		expect(await applied()).toBe(journalEntries());
		expect(await db.$count(users, eq(users.firstName, 'Kept'))).toBe(1);
	});

	it('refuses a folder without migrations instead of silently doing nothing', async () => {
		await expect(migrate(opened.handle, tmpdir())).rejects.toThrow(/migrations not found/);
	});

	it('describes where the data lives without any credential', () => {
		const { describe: text } = opened.handle;
		if (name === 'pglite') {
			expect(text).toMatch(/^embedded database \(PGlite\) at .*remoteagent-pglite-.*\/pglite$/);
		} else {
			expect(opened.secret).toMatch(/^[0-9a-f]{32}$/);
			expect(text).toMatch(/^postgres at 127\.0\.0\.1:\d+\/remoteagent_test$/);
			expect(text).not.toContain(opened.secret!);
			expect(text).not.toContain('remoteagent:');
		}
	});

	describe('transactions', () => {
		it('commit what the callback wrote', async () => {
			const id = await db.transaction(async (tx) => (await insertUser(tx)).id);
			expect(await db.$count(users, eq(users.id, id))).toBe(1);
		});

		it('roll back everything when the callback throws', async () => {
			let id = '';
			const failure = db.transaction(async (tx) => {
				id = (await insertUser(tx)).id;
				expect(await tx.$count(users, eq(users.id, id))).toBe(1);
				throw new Error('boom');
			});
			await expect(failure).rejects.toThrow('boom');
			expect(id).not.toBe('');
			expect(await db.$count(users, eq(users.id, id))).toBe(0);
		});

		it('roll back earlier writes when a later statement fails', async () => {
			const taken = await insertUser(db);
			let id = '';
			const state = await sqlStateOf(
				db.transaction(async (tx) => {
					id = (await insertUser(tx)).id;
					await insertUser(tx, { telegramUserId: taken.telegramUserId });
				})
			);
			expect(state).toBe('23505');
			expect(await db.$count(users, eq(users.id, id))).toBe(0);
		});

		it('roll back on tx.rollback() and keep a committed savepoint otherwise', async () => {
			let outer = '';
			let inner = '';
			await db.transaction(async (tx) => {
				outer = (await insertUser(tx)).id;
				await tx
					.transaction(async (nested) => {
						inner = (await insertUser(nested)).id;
						nested.rollback();
					})
					.catch(() => {});
			});
			expect(await db.$count(users, eq(users.id, outer))).toBe(1);
			expect(await db.$count(users, eq(users.id, inner))).toBe(0);
		});
	});
});

describe('embedded database (PGlite)', () => {
	it('creates a missing data directory and keeps data across restarts', async () => {
		const root = await mkdtemp(join(tmpdir(), 'remoteagent-pglite-'));
		const dataDir = join(root, 'not', 'yet');
		try {
			const first = await createDb({ dataDir });
			expect(existsSync(join(dataDir, 'pglite', 'PG_VERSION'))).toBe(true);
			await migrate(first);
			const user = await insertUser(first.db);
			await first.close();

			const second = await createDb({ dataDir });
			const [again] = await second.db.select().from(users).where(eq(users.id, user.id));
			await second.close();
			expect(again).toEqual(user);
		} finally {
			await rm(root, { recursive: true, force: true });
		}
	});

	it('runs PostgreSQL with PGLITE_SETTINGS, without writing them into the data directory', async () => {
		const root = await mkdtemp(join(tmpdir(), 'remoteagent-pglite-'));
		try {
			const handle = await createDb({ dataDir: root });
			const shown = await rowsOf(handle.db, sql`show shared_buffers`);
			await handle.close();
			expect(shown).toEqual([{ shared_buffers: PGLITE_SETTINGS.shared_buffers }]);
			const conf = readFileSync(join(root, 'pglite', 'postgresql.conf'), 'utf8');
			expect(conf).not.toContain(`shared_buffers = ${PGLITE_SETTINGS.shared_buffers}`);
		} finally {
			await rm(root, { recursive: true, force: true });
		}
	});

	it('says in one error when the data directory cannot be created', async () => {
		const root = await mkdtemp(join(tmpdir(), 'remoteagent-pglite-'));
		try {
			// A file where the cluster's directory would go.
			const dir = join(root, 'pglite');
			await writeFile(dir, 'not a directory');
			await expect(initPgliteDir(dir, pgliteOptions())).rejects.toThrow(
				/^creating the embedded database in .*\/pglite failed \(exit 1\): /
			);
		} finally {
			await rm(root, { recursive: true, force: true });
		}
	});
});

describe('describeDatabaseUrl', () => {
	it('keeps host, port and database and drops user, password and options', () => {
		const url =
			'postgresql://neondb_owner:npg_s3cr%40t@ep-cool-1.eu-central-1.aws.neon.tech:5432/neondb?sslmode=require&password=x2';
		const text = describeDatabaseUrl(url);
		expect(text).toBe('postgres at ep-cool-1.eu-central-1.aws.neon.tech:5432/neondb');
		for (const secret of ['npg_s3cr', 'neondb_owner', 'x2', 'sslmode'])
			expect(text).not.toContain(secret);
	});

	it('never echoes an unparsable URL (it may still hold a password)', () => {
		const text = describeDatabaseUrl('postgres://user:hunter2@[broken');
		expect(text).toBe('postgres (unparsable DATABASE_URL)');
	});
});

describe('findMigrationsFolder', () => {
	it('finds web/drizzle from the source tree and from where the build puts server chunks', () => {
		expect(MIGRATIONS_FOLDER).toMatch(/\/web\/drizzle$/);
		const fromBuild = new URL('../../../../build/server/chunks/hooks.server.js', import.meta.url);
		expect(findMigrationsFolder(fromBuild)).toBe(MIGRATIONS_FOLDER);
	});

	it('returns null when there is none above', () => {
		expect(findMigrationsFolder(new URL('file:///tmp/x/y.js'))).toBeNull();
	});
});

describe('test PostgreSQL harness', () => {
	it('finds the newest server binaries', async () => {
		expect(await findPostgresBinDir()).toMatch(/\/bin$/);
	});

	it('says how to install PostgreSQL when there is none, in one line', async () => {
		await expect(findPostgresBinDir('/nonexistent', '/nonexistent/pg_config')).rejects.toThrow(
			/^PostgreSQL server not found: install it \(apt-get install -y postgresql\)$/
		);
	});
});
