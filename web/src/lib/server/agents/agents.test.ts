import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DB_DRIVERS, insertAgent, insertUser, type OpenedDb } from '../../../../test/harness/db.ts';
import { migrate } from '../db/migrate.ts';
import type { Db } from '../db/index.ts';
import { agentPairedSince } from './agents.ts';

const pglite = DB_DRIVERS.find((d) => d.name === 'pglite')!;
const NOW = new Date('2030-01-01T12:00:00Z');
const at = (minutesAgo: number) => new Date(NOW.getTime() - minutesAgo * 60_000);

let opened: OpenedDb;
let db: Db;

beforeAll(async () => {
	opened = await pglite.open();
	await migrate(opened.handle);
	db = opened.handle.db;
});
afterAll(() => opened?.dispose());

describe('agentPairedSince (the Add-agent page noticing a pairing)', () => {
	it('finds the newest agent of the account paired at or after the time, and nothing before', async () => {
		const alice = await insertUser(db);
		await insertAgent(db, alice.id, { name: 'old', createdAt: at(30) });
		const since = at(5);
		expect(await agentPairedSince({ db }, alice.id, since)).toBeNull();
		await insertAgent(db, alice.id, { name: 'first', createdAt: at(5) });
		const newest = await insertAgent(db, alice.id, {
			name: 'newest',
			hostname: 'devbox',
			createdAt: at(1)
		});
		expect(await agentPairedSince({ db }, alice.id, since)).toEqual({
			id: newest.id,
			name: 'newest',
			hostname: 'devbox',
			runner: 'claude-code'
		});
	});

	it('never reports another account’s agent', async () => {
		const alice = await insertUser(db);
		const mallory = await insertUser(db);
		await insertAgent(db, mallory.id, { name: 'not-yours', createdAt: at(1) });
		expect(await agentPairedSince({ db }, alice.id, at(10))).toBeNull();
	});
});
