import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DB_DRIVERS, insertAgent, insertUser, type OpenedDb } from '../../../../test/harness/db.ts';
import { newId } from '../db/ids.ts';
import { migrate } from '../db/migrate.ts';
import type { Db } from '../db/index.ts';
import { sessions, type NewSession } from '../db/schema/index.ts';
import { listSessions, sessionOfAccount } from './listing.ts';

const pglite = DB_DRIVERS.find((d) => d.name === 'pglite')!;
const NOW = new Date('2030-01-01T12:00:00Z');
const at = (minutesAgo: number) => new Date(NOW.getTime() - minutesAgo * 60_000);

let opened: OpenedDb;
let db: Db;
const deps = () => ({ db, now: () => NOW });

beforeAll(async () => {
	opened = await pglite.open();
	await migrate(opened.handle);
	db = opened.handle.db;
});
afterAll(() => opened?.dispose());

async function insertSession(
	values: Omit<NewSession, 'id' | 'promptPreview' | 'startedByTelegramUserId'> & Partial<NewSession>
) {
	const [row] = await db
		.insert(sessions)
		.values({
			id: newId('ses'),
			promptPreview: 'fix the tests',
			startedByTelegramUserId: 42,
			...values
		})
		.returning();
	return row!;
}

describe('dashboard session listing', () => {
	it('lists only the account’s sessions, newest first, filtered by status and limited', async () => {
		const alice = await insertUser(db);
		const bob = await insertUser(db);
		const laptop = await insertAgent(db, alice.id, { name: 'laptop' });
		const bobs = await insertAgent(db, bob.id);
		const old = await insertSession({
			accountId: alice.id,
			agentId: laptop.id,
			status: 'done',
			startedByName: 'Alice',
			queuedAt: at(30),
			startedAt: at(29),
			endedAt: at(26)
		});
		const running = await insertSession({
			accountId: alice.id,
			agentId: laptop.id,
			status: 'running',
			startedByName: null,
			queuedAt: at(5),
			startedAt: at(4)
		});
		const failed = await insertSession({
			accountId: alice.id,
			agentId: laptop.id,
			status: 'failed',
			queuedAt: at(10),
			failureReason: 'runner crashed'
		});
		await insertSession({
			accountId: bob.id,
			agentId: bobs.id,
			status: 'running',
			queuedAt: at(1)
		});

		const all = await listSessions(deps(), alice.id);
		expect(all.map((s) => s.id)).toEqual([running.id, failed.id, old.id]);
		expect(all[0]).toMatchObject({
			agentName: 'laptop',
			startedBy: 'Telegram user 42',
			live: true,
			duration: '4m 0s',
			endedAt: null
		});
		expect(all[2]).toMatchObject({ startedBy: 'Alice', live: false, duration: '3m 0s' });
		expect(all[1]).toMatchObject({
			failureReason: 'runner crashed',
			duration: null,
			startedAt: null
		});

		expect((await listSessions(deps(), alice.id, { status: 'running' })).map((s) => s.id)).toEqual([
			running.id
		]);
		expect(await listSessions(deps(), alice.id, { status: 'aborted' })).toEqual([]);
		expect(await listSessions(deps(), alice.id, { limit: 1 })).toHaveLength(1);
	});

	it('lists one agent’s sessions, and never another account’s through its agent id', async () => {
		const alice = await insertUser(db);
		const bob = await insertUser(db);
		const laptop = await insertAgent(db, alice.id, { name: 'laptop' });
		const server = await insertAgent(db, alice.id, { name: 'server' });
		const bobs = await insertAgent(db, bob.id);
		const onLaptop = await insertSession({
			accountId: alice.id,
			agentId: laptop.id,
			queuedAt: at(3)
		});
		await insertSession({ accountId: alice.id, agentId: server.id, queuedAt: at(2) });
		await insertSession({ accountId: bob.id, agentId: bobs.id, queuedAt: at(1) });

		const ofLaptop = await listSessions(deps(), alice.id, { agentId: laptop.id });
		expect(ofLaptop.map((s) => s.id)).toEqual([onLaptop.id]);
		expect(await listSessions(deps(), alice.id, { agentId: bobs.id })).toEqual([]);
	});

	it('finds a session only within its own account', async () => {
		const alice = await insertUser(db);
		const mallory = await insertUser(db);
		const agent = await insertAgent(db, alice.id);
		const session = await insertSession({
			accountId: alice.id,
			agentId: agent.id,
			queuedAt: at(1)
		});

		expect((await sessionOfAccount(deps(), alice.id, session.id))?.status).toBe('queued');
		expect(await sessionOfAccount(deps(), mallory.id, session.id)).toBeNull();
		expect(await sessionOfAccount(deps(), alice.id, 'ses_doesnotexist0000000000000')).toBeNull();
	});
});
