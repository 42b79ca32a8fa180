import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { PGlite, type PGliteOptions } from '@electric-sql/pglite';
import {
	Client,
	Pool,
	type ClientConfig,
	type NeonConfigGlobalAndClient
} from '@neondatabase/serverless';
import type { ExtractTablesWithRelations } from 'drizzle-orm';
import { drizzle as drizzleNeon } from 'drizzle-orm/neon-serverless';
import type { PgDatabase, PgQueryResultHKT, PgTransaction } from 'drizzle-orm/pg-core';
import { drizzle as drizzlePglite } from 'drizzle-orm/pglite';
import { WebSocket } from 'ws';
import { initPgliteDir } from './pglite-init.ts';
import * as schema from './schema/index.ts';

export { schema };
export type Schema = typeof schema;

/**
 * The one database type the app codes against, whichever driver is behind it. Both drivers'
 * databases are `PgDatabase`s; only the raw result shape of `execute()` differs, which this
 * type leaves opaque. Queries, `.returning()` and `transaction()` are typed identically.
 */
export type Db = PgDatabase<PgQueryResultHKT, Schema>;
/** What `db.transaction(async (tx) => …)` hands to its callback. A `Tx` is also a `Db`. */
export type Tx = PgTransaction<PgQueryResultHKT, Schema, ExtractTablesWithRelations<Schema>>;

export interface DbConfig {
	/** A PostgreSQL URL (Neon or any PostgreSQL behind a WebSocket proxy); absent → embedded PGlite. */
	databaseUrl?: string;
	/** The app's data directory; PGlite keeps its files in `<dataDir>/pglite`. */
	dataDir: string;
	/** Only for `databaseUrl`: reach PostgreSQL through a self-hosted WebSocket-to-TCP proxy instead of Neon's. */
	neon?: {
		/** `host:port/path` of the proxy, e.g. `127.0.0.1:5433/v1`; the driver appends `?address=<pg host>:<pg port>`. */
		wsProxy?: string;
		/** Plain `ws://` instead of `wss://` (a proxy on localhost). */
		insecure?: boolean;
	};
	/** Errors of idle pooled connections (e.g. the server restarted). Without a listener Node would crash. */
	onPoolError?: (error: Error) => void;
}

interface HandleBase {
	db: Db;
	/** Where the data lives, for the status block. Never contains credentials. */
	describe: string;
	close(): Promise<void>;
}
export interface PgliteHandle extends HandleBase {
	driver: 'pglite';
	/** The driver's client, for migrate(); app code uses `db`. */
	client: PGlite;
}
export interface NeonHandle extends HandleBase {
	driver: 'neon';
	/** The driver's client, for migrate(); app code uses `db`. */
	client: Pool;
}
export type DbHandle = PgliteHandle | NeonHandle;

/**
 * Opens the database. Configuration comes from the caller (the env module, a script or a
 * test); this module never reads the environment.
 */
export async function createDb(config: DbConfig): Promise<DbHandle> {
	if (config.databaseUrl) return openNeon(config.databaseUrl, config);
	return openPglite(config.dataDir);
}

/**
 * PostgreSQL settings for the embedded database, on its command line (nothing is written to the
 * data directory). shared_buffers: PGlite's postgresql.conf says 128MB, and PostgreSQL touches
 * its shared memory when it starts, so that much WebAssembly memory stays resident for good —
 * over a third of an idle `pnpm start`. The relay's database is small and its files are in the
 * OS page cache anyway: 16MB keeps the hot pages (about 29 MB resident instead of 151 MB).
 */
export const PGLITE_SETTINGS: Readonly<Record<string, string>> = { shared_buffers: '16MB' };

/** How the app opens PGlite (exported for the memory benchmark, bench/selfhost.ts). */
export function pgliteOptions(): PGliteOptions {
	const settings = Object.entries(PGLITE_SETTINGS).flatMap(([name, value]) => [
		'-c',
		`${name}=${value}`
	]);
	return { startParams: [...PGlite.defaultStartParams, ...settings] };
}

async function openPglite(dataDir: string): Promise<PgliteHandle> {
	const dir = join(dataDir, 'pglite');
	await mkdir(dir, { recursive: true });
	await initPgliteDir(dir, pgliteOptions());
	// One process per data directory: PGlite is an in-process PostgreSQL without a shared lock manager.
	const client = await PGlite.create(dir, pgliteOptions());
	const db = drizzlePglite({ client, schema, casing: 'snake_case' });
	return {
		driver: 'pglite',
		db,
		client,
		describe: `embedded database (PGlite) at ${dir}`,
		close: () => client.close()
	};
}

function openNeon(databaseUrl: string, config: DbConfig): NeonHandle {
	const settings = neonSettings(config.neon);
	// Per-connection settings instead of the process-wide `neonConfig`, so two handles with
	// different proxies (or a test next to the app) cannot change each other's transport.
	class ConfiguredClient extends Client {
		constructor(clientConfig?: string | ClientConfig) {
			super(clientConfig);
			Object.assign(this.neonConfig, settings);
		}
	}
	class ConfiguredPool extends Pool {
		override Client = ConfiguredClient;
	}
	const client = new ConfiguredPool({ connectionString: databaseUrl });
	const onPoolError =
		config.onPoolError ??
		((error: Error) => console.error(`database: idle connection failed: ${error.message}`));
	client.on('error', onPoolError);
	const db = drizzleNeon({ client, schema, casing: 'snake_case' });
	return {
		driver: 'neon',
		db,
		client,
		describe: describeDatabaseUrl(databaseUrl),
		close: () => client.end()
	};
}

function neonSettings(neon: DbConfig['neon']): Partial<NeonConfigGlobalAndClient> {
	// Node 20 has no global WebSocket.
	const settings: Partial<NeonConfigGlobalAndClient> = { webSocketConstructor: WebSocket };
	if (neon?.wsProxy) {
		// A plain proxy forwards bytes only: no TLS pipelining and no pipelined password
		// (Neon's proxy supports both; a real PostgreSQL negotiates SCRAM).
		settings.wsProxy = neon.wsProxy;
		settings.pipelineTLS = false;
		settings.pipelineConnect = false;
	}
	if (neon?.insecure) settings.useSecureWebSocket = false;
	return settings;
}

/** `postgres at host:port/db`: enough to tell databases apart, without user or password. */
export function describeDatabaseUrl(databaseUrl: string): string {
	let url: URL;
	try {
		url = new URL(databaseUrl);
	} catch {
		return 'postgres (unparsable DATABASE_URL)';
	}
	const database = decodeURIComponent(url.pathname.replace(/^\//, '')) || '(default database)';
	return `postgres at ${url.host}/${database}`;
}
