import { eq, sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
	DB_DRIVERS,
	insertAgent,
	insertUser,
	nextTelegramId,
	sqlStateOf,
	type OpenedDb
} from '../../../../test/harness/db.ts';
import { newId } from './ids.ts';
import type { Db } from './index.ts';
import { migrate } from './migrate.ts';
import {
	agents,
	authorizedUsers,
	loginLinks,
	pairingCodes,
	sessions,
	stripeEvents,
	teamInvites,
	users,
	webSessions
} from './schema/index.ts';

// SQLSTATEs
const UNIQUE = '23505';
const FOREIGN_KEY = '23503';
const CHECK = '23514';
const TOO_LONG = '22001';

const inMinutes = (m: number) => new Date(Date.now() + m * 60_000);
// Whole milliseconds: what timestamptz (microseconds) round-trips to a JS Date exactly.
const at = (iso: string) => new Date(iso);

describe.each(DB_DRIVERS)('schema on $name', ({ open }) => {
	let opened: OpenedDb;
	let db: Db;

	beforeAll(async () => {
		opened = await open();
		db = opened.handle.db;
		await migrate(opened.handle);
	});
	afterAll(() => opened?.dispose());

	async function insertSession(
		accountId: string,
		agentId: string,
		values: Partial<typeof sessions.$inferInsert> = {}
	) {
		const [row] = await db
			.insert(sessions)
			.values({
				id: newId('ses'),
				agentId,
				accountId,
				startedByTelegramUserId: nextTelegramId(),
				promptPreview: 'fix the flaky test',
				...values
			})
			.returning();
		return row!;
	}

	describe('CRUD', () => {
		it('users: defaults, big Telegram ids, exact timestamps, updatedAt on update, delete', async () => {
			const trialEndsAt = at('2030-01-02T03:04:05.678Z');
			const longAgo = at('2020-01-01T00:00:00.000Z');
			const user = await insertUser(db, {
				telegramUserId: 9_007_199_254_740_991,
				trialEndsAt,
				updatedAt: longAgo
			});
			expect(user.plan).toBe('trial');
			expect(user.telegramUserId).toBe(Number.MAX_SAFE_INTEGER);
			expect(user.trialEndsAt).toEqual(trialEndsAt);
			expect(user.createdAt).toBeInstanceOf(Date);
			expect(user.lastName).toBeNull();

			const [updated] = await db
				.update(users)
				.set({ plan: 'pro', stripeCustomerId: `cus_${user.id}` })
				.where(eq(users.id, user.id))
				.returning();
			expect(updated?.plan).toBe('pro');
			expect(user.updatedAt).toEqual(longAgo);
			expect(updated!.updatedAt.getTime()).toBeGreaterThan(Date.now() - 60_000);

			const [read] = await db
				.select()
				.from(users)
				.where(eq(users.telegramUserId, Number.MAX_SAFE_INTEGER));
			expect(read).toEqual(updated);

			await db.delete(users).where(eq(users.id, user.id));
			expect(await db.$count(users, eq(users.id, user.id))).toBe(0);
		});

		it('authorized users with a remembered active agent', async () => {
			const owner = await insertUser(db);
			const agent = await insertAgent(db, owner.id);
			const [member] = await db
				.insert(authorizedUsers)
				.values({
					id: newId('au'),
					accountId: owner.id,
					telegramUserId: nextTelegramId(),
					firstName: 'Grace'
				})
				.returning();
			expect(member?.role).toBe('member');
			expect(member?.activeAgentId).toBeNull();
			await db
				.update(authorizedUsers)
				.set({ activeAgentId: agent.id })
				.where(eq(authorizedUsers.id, member!.id));
			const [read] = await db
				.select()
				.from(authorizedUsers)
				.where(eq(authorizedUsers.telegramUserId, member!.telegramUserId));
			expect(read?.activeAgentId).toBe(agent.id);
		});

		it('web sessions and login links', async () => {
			const user = await insertUser(db);
			const expiresAt = at('2031-05-06T07:08:09.123Z');
			const [ws] = await db
				.insert(webSessions)
				.values({ id: newId('wsh'), userId: user.id, expiresAt })
				.returning();
			expect(ws?.expiresAt).toEqual(expiresAt);
			expect(ws?.lastSeenAt).toBeInstanceOf(Date);

			const tokenHash = newId('lnk');
			await db
				.insert(loginLinks)
				.values({ tokenHash, telegramUserId: user.telegramUserId, firstName: 'Ada', expiresAt });
			await db
				.update(loginLinks)
				.set({ usedAt: expiresAt })
				.where(eq(loginLinks.tokenHash, tokenHash));
			const [link] = await db.select().from(loginLinks).where(eq(loginLinks.tokenHash, tokenHash));
			expect(link).toEqual({
				tokenHash,
				telegramUserId: user.telegramUserId,
				firstName: 'Ada',
				username: null,
				expiresAt,
				usedAt: expiresAt
			});
		});

		it('agents: default status, update, delete by token id (revocation)', async () => {
			const owner = await insertUser(db);
			const agent = await insertAgent(db, owner.id, { hostname: 'devbox' });
			expect(agent.status).toBe('offline');
			expect(agent.lastSeenAt).toBeNull();
			const seen = at('2030-01-01T00:00:00.001Z');
			const [online] = await db
				.update(agents)
				.set({ status: 'online', lastSeenAt: seen })
				.where(eq(agents.id, agent.id))
				.returning();
			expect(online).toMatchObject({ status: 'online', lastSeenAt: seen, hostname: 'devbox' });
			const deleted = await db
				.delete(agents)
				.where(eq(agents.tokenId, agent.tokenId))
				.returning({ id: agents.id });
			expect(deleted).toEqual([{ id: agent.id }]);
		});

		it('pairing codes', async () => {
			const owner = await insertUser(db);
			const codeHash = newId('pc');
			const [code] = await db
				.insert(pairingCodes)
				.values({
					codeHash,
					ownerId: owner.id,
					telegramUserId: owner.telegramUserId,
					expiresAt: inMinutes(10)
				})
				.returning();
			expect(code?.usedAt).toBeNull();
			await db.delete(pairingCodes).where(eq(pairingCodes.codeHash, codeHash));
			expect(await db.$count(pairingCodes, eq(pairingCodes.codeHash, codeHash))).toBe(0);
		});

		it('sessions: a 200-character preview fits, 201 does not; negative chat ids', async () => {
			const owner = await insertUser(db);
			const agent = await insertAgent(db, owner.id);
			const session = await insertSession(owner.id, agent.id, {
				promptPreview: 'é'.repeat(200),
				telegramChatId: -1_001_234_567_890
			});
			expect(session.status).toBe('queued');
			expect(session.promptPreview).toHaveLength(200);
			expect(session.telegramChatId).toBe(-1_001_234_567_890);

			const [done] = await db
				.update(sessions)
				.set({ status: 'failed', failureReason: 'runner exited with 1', endedAt: new Date() })
				.where(eq(sessions.id, session.id))
				.returning();
			expect(done).toMatchObject({ status: 'failed', failureReason: 'runner exited with 1' });

			expect(
				await sqlStateOf(insertSession(owner.id, agent.id, { promptPreview: 'x'.repeat(201) }))
			).toBe(TOO_LONG);
			expect(
				await sqlStateOf(
					db
						.update(sessions)
						.set({ failureReason: 'x'.repeat(201) })
						.where(eq(sessions.id, session.id))
				)
			).toBe(TOO_LONG);
		});

		it('stripe events and team invites', async () => {
			const id = `evt_${newId('ev')}`;
			await db.insert(stripeEvents).values({ id, type: 'customer.subscription.updated' });
			const [event] = await db.select().from(stripeEvents).where(eq(stripeEvents.id, id));
			expect(event?.type).toBe('customer.subscription.updated');
			expect(event?.receivedAt).toBeInstanceOf(Date);

			const owner = await insertUser(db);
			const [invite] = await db
				.insert(teamInvites)
				.values({
					id: newId('inv'),
					accountId: owner.id,
					codeHash: newId('ic'),
					createdBy: owner.id,
					expiresAt: inMinutes(60)
				})
				.returning();
			const usedBy = nextTelegramId();
			const [used] = await db
				.update(teamInvites)
				.set({ usedAt: new Date(), usedByTelegramUserId: usedBy })
				.where(eq(teamInvites.id, invite!.id))
				.returning();
			expect(used?.usedByTelegramUserId).toBe(usedBy);
		});
	});

	describe('foreign keys', () => {
		it('deleting an account deletes everything it owns', async () => {
			const owner = await insertUser(db);
			const agent = await insertAgent(db, owner.id);
			await insertSession(owner.id, agent.id);
			await db.insert(authorizedUsers).values({
				id: newId('au'),
				accountId: owner.id,
				telegramUserId: owner.telegramUserId,
				role: 'owner',
				activeAgentId: agent.id
			});
			await db
				.insert(webSessions)
				.values({ id: newId('wsh'), userId: owner.id, expiresAt: inMinutes(60) });
			await db.insert(pairingCodes).values({
				codeHash: newId('pc'),
				ownerId: owner.id,
				telegramUserId: owner.telegramUserId,
				expiresAt: inMinutes(10)
			});
			await db.insert(teamInvites).values({
				id: newId('inv'),
				accountId: owner.id,
				codeHash: newId('ic'),
				createdBy: owner.id,
				expiresAt: inMinutes(60)
			});
			const counts = async () => [
				await db.$count(agents, eq(agents.ownerId, owner.id)),
				await db.$count(sessions, eq(sessions.accountId, owner.id)),
				await db.$count(authorizedUsers, eq(authorizedUsers.accountId, owner.id)),
				await db.$count(webSessions, eq(webSessions.userId, owner.id)),
				await db.$count(pairingCodes, eq(pairingCodes.ownerId, owner.id)),
				await db.$count(teamInvites, eq(teamInvites.accountId, owner.id))
			];
			expect(await counts()).toEqual([1, 1, 1, 1, 1, 1]);
			await db.delete(users).where(eq(users.id, owner.id));
			expect(await counts()).toEqual([0, 0, 0, 0, 0, 0]);
		});

		it("deleting an agent deletes its sessions and clears it as someone's active agent", async () => {
			const owner = await insertUser(db);
			const agent = await insertAgent(db, owner.id);
			const other = await insertAgent(db, owner.id);
			await insertSession(owner.id, agent.id);
			const kept = await insertSession(owner.id, other.id);
			const [member] = await db
				.insert(authorizedUsers)
				.values({
					id: newId('au'),
					accountId: owner.id,
					telegramUserId: nextTelegramId(),
					activeAgentId: agent.id
				})
				.returning();

			await db.delete(agents).where(eq(agents.id, agent.id));
			expect(await db.$count(sessions, eq(sessions.agentId, agent.id))).toBe(0);
			expect(await db.$count(sessions, eq(sessions.id, kept.id))).toBe(1);
			const [after] = await db
				.select()
				.from(authorizedUsers)
				.where(eq(authorizedUsers.id, member!.id));
			expect(after).toMatchObject({ id: member!.id, activeAgentId: null });
		});

		it('deleting a session keeps the session that continued it', async () => {
			const owner = await insertUser(db);
			const agent = await insertAgent(db, owner.id);
			const first = await insertSession(owner.id, agent.id);
			const second = await insertSession(owner.id, agent.id, { continuesSessionId: first.id });
			expect(second.continuesSessionId).toBe(first.id);
			await db.delete(sessions).where(eq(sessions.id, first.id));
			const [after] = await db.select().from(sessions).where(eq(sessions.id, second.id));
			expect(after?.continuesSessionId).toBeNull();
		});

		it('reject rows pointing at nothing', async () => {
			const owner = await insertUser(db);
			expect(await sqlStateOf(insertAgent(db, 'usr_missing'))).toBe(FOREIGN_KEY);
			expect(await sqlStateOf(insertSession(owner.id, 'agt_missing'))).toBe(FOREIGN_KEY);
			expect(
				await sqlStateOf(
					db.insert(authorizedUsers).values({
						id: newId('au'),
						accountId: owner.id,
						telegramUserId: 1,
						activeAgentId: 'agt_missing'
					})
				)
			).toBe(FOREIGN_KEY);
		});
	});

	describe('constraints', () => {
		it('one account per Telegram user and per Stripe customer', async () => {
			const user = await insertUser(db, { stripeCustomerId: `cus_${newId('cu')}` });
			expect(await sqlStateOf(insertUser(db, { telegramUserId: user.telegramUserId }))).toBe(
				UNIQUE
			);
			expect(await sqlStateOf(insertUser(db, { stripeCustomerId: user.stripeCustomerId }))).toBe(
				UNIQUE
			);
			// Many accounts without a Stripe customer yet.
			await insertUser(db);
			await insertUser(db);
			expect(await db.$count(users, sql`${users.stripeCustomerId} is null`)).toBeGreaterThanOrEqual(
				2
			);
		});

		it('agent names are unique per owner only; token ids are unique everywhere', async () => {
			const a = await insertUser(db);
			const b = await insertUser(db);
			const agent = await insertAgent(db, a.id, { name: 'laptop' });
			expect(await sqlStateOf(insertAgent(db, a.id, { name: 'laptop' }))).toBe(UNIQUE);
			expect((await insertAgent(db, b.id, { name: 'laptop' })).name).toBe('laptop');
			expect(await sqlStateOf(insertAgent(db, b.id, { tokenId: agent.tokenId }))).toBe(UNIQUE);
		});

		it('a Telegram user is authorised once per account, but in many accounts', async () => {
			const a = await insertUser(db);
			const b = await insertUser(db);
			const telegramUserId = nextTelegramId();
			const add = (accountId: string) =>
				db.insert(authorizedUsers).values({ id: newId('au'), accountId, telegramUserId });
			await add(a.id);
			expect(await sqlStateOf(add(a.id))).toBe(UNIQUE);
			await add(b.id);
			expect(
				await db.$count(authorizedUsers, eq(authorizedUsers.telegramUserId, telegramUserId))
			).toBe(2);
		});

		it('invite codes and pairing codes are unique', async () => {
			const owner = await insertUser(db);
			const codeHash = newId('ic');
			const invite = () =>
				db.insert(teamInvites).values({
					id: newId('inv'),
					accountId: owner.id,
					codeHash,
					createdBy: owner.id,
					expiresAt: inMinutes(60)
				});
			await invite();
			expect(await sqlStateOf(invite())).toBe(UNIQUE);

			const code = () =>
				db.insert(pairingCodes).values({
					codeHash,
					ownerId: owner.id,
					telegramUserId: owner.telegramUserId,
					expiresAt: inMinutes(10)
				});
			await code();
			expect(await sqlStateOf(code())).toBe(UNIQUE);
		});

		it('status-like columns accept only their values', async () => {
			const owner = await insertUser(db);
			const agent = await insertAgent(db, owner.id);
			const raw = (statement: ReturnType<typeof sql>) => sqlStateOf(db.execute(statement));
			expect(await raw(sql`update users set plan = 'enterprise' where id = ${owner.id}`)).toBe(
				CHECK
			);
			expect(await raw(sql`update agents set status = 'busy' where id = ${agent.id}`)).toBe(CHECK);
			const session = await insertSession(owner.id, agent.id);
			expect(await raw(sql`update sessions set status = 'paused' where id = ${session.id}`)).toBe(
				CHECK
			);
			expect(
				await raw(
					sql`insert into authorized_users (id, account_id, telegram_user_id, role) values (${newId('au')}, ${owner.id}, 1, 'admin')`
				)
			).toBe(CHECK);
		});
	});
});
