/**
 * Teams: the Telegram users allowed to drive an account's agents. The owner invites with a
 * one-time link to the bot (`t.me/<bot>?start=join_<code>`, valid 7 days); the update that
 * carries it proves who joins. Only the code's hash is stored.
 */
import { and, count, eq, gt, isNull } from 'drizzle-orm';
import type { Deps } from '../deps.ts';
import { newId } from '../db/ids.ts';
import { authorizedUsers, teamInvites, users, type AuthorizedUser } from '../db/schema/index.ts';
import { randomToken, sha256Hex } from '../auth/hash.ts';
import { canAddMember, PlanLimitError } from '../billing/entitlements.ts';

export const INVITE_TTL_MS = 7 * 86_400_000;
/** Telegram deep-link payloads are ≤64 characters of [A-Za-z0-9_-]. */
export const INVITE_PREFIX = 'join_';

/** Throws PlanLimitError when the members and the invites still open would exceed the plan. */
export async function createInvite(
	deps: Pick<Deps, 'db' | 'now' | 'config'>,
	accountId: string,
	createdBy: string
): Promise<{ code: string; expiresAt: Date }> {
	const [account] = await deps.db.select().from(users).where(eq(users.id, accountId));
	if (!account) throw new Error('no such account');
	const [open] = await deps.db
		.select({ n: count() })
		.from(teamInvites)
		.where(
			and(
				eq(teamInvites.accountId, accountId),
				isNull(teamInvites.usedAt),
				gt(teamInvites.expiresAt, deps.now())
			)
		);
	const room = await canAddMember(deps, account, open?.n ?? 0);
	if (!room.ok) throw new PlanLimitError('users', room.limit);
	const code = randomToken(18);
	const expiresAt = new Date(deps.now().getTime() + INVITE_TTL_MS);
	await deps.db.insert(teamInvites).values({
		id: newId('inv'),
		accountId,
		codeHash: sha256Hex(code),
		createdBy,
		expiresAt
	});
	return { code, expiresAt };
}

export type JoinResult =
	| { ok: true; accountId: string; alreadyMember: boolean }
	| { ok: false; reason: 'unknown' | 'expired' | 'used' | 'limit' };

/** Rolls back a join over the plan's limit, leaving the invite usable after an upgrade. */
class OverLimit extends Error {}

/** Use an invite: one conditional UPDATE, so it works once. */
export async function joinWithInvite(
	deps: Pick<Deps, 'db' | 'now' | 'config'>,
	code: string,
	who: { id: number; firstName: string; username?: string | null }
): Promise<JoinResult> {
	const now = deps.now();
	const hash = sha256Hex(code);
	try {
		return await joinInTransaction(deps, hash, now, who);
	} catch (error) {
		if (error instanceof OverLimit) return { ok: false, reason: 'limit' } as const;
		throw error;
	}
}

async function joinInTransaction(
	deps: Pick<Deps, 'db' | 'now' | 'config'>,
	hash: string,
	now: Date,
	who: { id: number; firstName: string; username?: string | null }
): Promise<JoinResult> {
	return deps.db.transaction(async (tx) => {
		const [invite] = await tx
			.update(teamInvites)
			.set({ usedAt: now, usedByTelegramUserId: who.id })
			.where(
				and(
					eq(teamInvites.codeHash, hash),
					isNull(teamInvites.usedAt),
					gt(teamInvites.expiresAt, now)
				)
			)
			.returning();
		if (!invite) {
			const [existing] = await tx.select().from(teamInvites).where(eq(teamInvites.codeHash, hash));
			if (!existing) return { ok: false, reason: 'unknown' } as const;
			return { ok: false, reason: existing.usedAt ? 'used' : 'expired' } as const;
		}
		const [member] = await tx
			.select()
			.from(authorizedUsers)
			.where(
				and(
					eq(authorizedUsers.accountId, invite.accountId),
					eq(authorizedUsers.telegramUserId, who.id)
				)
			);
		const [account] = await tx.select().from(users).where(eq(users.id, invite.accountId));
		if (!member && account && !(await canAddMember({ ...deps, db: tx }, account)).ok) {
			throw new OverLimit();
		}
		const inserted = await tx
			.insert(authorizedUsers)
			.values({
				id: newId('au'),
				accountId: invite.accountId,
				telegramUserId: who.id,
				firstName: who.firstName,
				username: who.username ?? null,
				role: 'member'
			})
			.onConflictDoNothing()
			.returning({ id: authorizedUsers.id });
		return { ok: true, accountId: invite.accountId, alreadyMember: inserted.length === 0 } as const;
	});
}

export async function listMembers(
	deps: Pick<Deps, 'db'>,
	accountId: string
): Promise<AuthorizedUser[]> {
	return deps.db
		.select()
		.from(authorizedUsers)
		.where(eq(authorizedUsers.accountId, accountId))
		.orderBy(authorizedUsers.createdAt);
}

/** Remove a member (never the owner). Returns false when there was no such member. */
export async function removeMember(
	deps: Pick<Deps, 'db'>,
	accountId: string,
	memberId: string
): Promise<boolean> {
	const removed = await deps.db
		.delete(authorizedUsers)
		.where(
			and(
				eq(authorizedUsers.id, memberId),
				eq(authorizedUsers.accountId, accountId),
				eq(authorizedUsers.role, 'member')
			)
		)
		.returning({ id: authorizedUsers.id });
	return removed.length > 0;
}
