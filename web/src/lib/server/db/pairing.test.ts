import { eq, sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DB_DRIVERS, insertUser, rowsOf, type OpenedDb } from '../../../../test/harness/db.ts';
import { newId } from './ids.ts';
import type { Db } from './index.ts';
import { migrate } from './migrate.ts';
import { claimPairingCode } from './pairing.ts';
import { pairingCodes } from './schema/index.ts';

const MINUTE = 60_000;

describe.each(DB_DRIVERS)('claimPairingCode on $name', ({ name, open }) => {
	let opened: OpenedDb;
	let db: Db;

	beforeAll(async () => {
		opened = await open();
		db = opened.handle.db;
		await migrate(opened.handle);
	});
	afterAll(() => opened?.dispose());

	async function newCode(expiresAt: Date): Promise<string> {
		const owner = await insertUser(db);
		const codeHash = newId('pc');
		await db
			.insert(pairingCodes)
			.values({ codeHash, ownerId: owner.id, telegramUserId: owner.telegramUserId, expiresAt });
		return codeHash;
	}

	/** Until another connection waits for a row lock (PGlite has one connection: there, give the queue a moment). */
	async function untilSomeoneWaitsForALock(): Promise<void> {
		if (name === 'pglite') return new Promise((resolve) => setTimeout(resolve, 50));
		for (let i = 0; i < 200; i++) {
			const [row] = await rowsOf<{ n: number }>(
				db,
				sql`select count(*)::int as n from pg_stat_activity where datname = current_database() and wait_event_type = 'Lock'`
			);
			if (row && row.n > 0) return;
			await new Promise((resolve) => setTimeout(resolve, 10));
		}
		throw new Error('the second redemption never waited for the first');
	}

	it('claims a valid code once, marking it used at `now`', async () => {
		const now = new Date();
		const codeHash = await newCode(new Date(now.getTime() + 10 * MINUTE));
		const first = await claimPairingCode(db, codeHash, now);
		expect(first.status).toBe('ok');
		expect(first.status === 'ok' && first.row).toMatchObject({ codeHash, usedAt: now });

		expect(await claimPairingCode(db, codeHash, new Date(now.getTime() + 1000))).toEqual({
			status: 'used'
		});
		const [row] = await db.select().from(pairingCodes).where(eq(pairingCodes.codeHash, codeHash));
		expect(row?.usedAt).toEqual(now);
	});

	it('tells unknown, expired and used codes apart', async () => {
		const now = new Date();
		expect(await claimPairingCode(db, newId('pc'), now)).toEqual({ status: 'unknown' });

		const expired = await newCode(now);
		expect(await claimPairingCode(db, expired, now)).toEqual({ status: 'expired' });
		const [row] = await db.select().from(pairingCodes).where(eq(pairingCodes.codeHash, expired));
		expect(row?.usedAt).toBeNull();

		const valid = await newCode(new Date(now.getTime() + MINUTE));
		expect(await claimPairingCode(db, valid, new Date(now.getTime() + 2 * MINUTE))).toEqual({
			status: 'expired'
		});
		expect((await claimPairingCode(db, valid, now)).status).toBe('ok');
		// A replay after expiry is still a replay.
		expect(await claimPairingCode(db, valid, new Date(now.getTime() + 2 * MINUTE))).toEqual({
			status: 'used'
		});
	});

	it('lets exactly one of many concurrent redemptions win', async () => {
		for (let round = 0; round < 5; round++) {
			const now = new Date();
			const codeHash = await newCode(new Date(now.getTime() + 10 * MINUTE));
			const results = await Promise.all(
				Array.from({ length: 6 }, () => claimPairingCode(db, codeHash, now))
			);
			expect(results.filter((r) => r.status === 'ok')).toHaveLength(1);
			expect(results.filter((r) => r.status === 'used')).toHaveLength(5);
		}
	});

	it('makes a redemption that raced an uncommitted one wait, then lose', async () => {
		const now = new Date();
		const codeHash = await newCode(new Date(now.getTime() + 10 * MINUTE));
		let second: ReturnType<typeof claimPairingCode> | undefined;
		await db.transaction(async (tx) => {
			expect((await claimPairingCode(tx, codeHash, now)).status).toBe('ok');
			second = claimPairingCode(db, codeHash, now);
			await untilSomeoneWaitsForALock();
		});
		expect(await second).toEqual({ status: 'used' });
	});

	it('gives the code to the waiting redemption when the first one rolls back', async () => {
		const now = new Date();
		const codeHash = await newCode(new Date(now.getTime() + 10 * MINUTE));
		let second: ReturnType<typeof claimPairingCode> | undefined;
		const first = db.transaction(async (tx) => {
			expect((await claimPairingCode(tx, codeHash, now)).status).toBe('ok');
			second = claimPairingCode(db, codeHash, now);
			await untilSomeoneWaitsForALock();
			throw new Error('creating the agent failed');
		});
		await expect(first).rejects.toThrow('creating the agent failed');
		expect((await second)?.status).toBe('ok');
	});
});
