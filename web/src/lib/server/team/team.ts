/**
 * Teams: the Telegram users allowed to drive an account's agents. The owner invites with a
 * one-time link to the bot (`t.me/<bot>?start=join_<code>`, valid 7 days); the update that
 * carries it proves who joins. Only the code's hash is stored.
 */
import { and, eq, gt, isNull } from 'drizzle-orm';
import type { Deps } from '../deps.ts';
import { newId } from '../db/ids.ts';
import { authorizedUsers, teamInvites, type AuthorizedUser } from '../db/schema/index.ts';
import { randomToken, sha256Hex } from '../auth/hash.ts';

export const INVITE_TTL_MS = 7 * 86_400_000;
/** Telegram deep-link payloads are ≤64 characters of [A-Za-z0-9_-]. */
export const INVITE_PREFIX = 'join_';

export async function createInvite(
	deps: Pick<Deps, 'db' | 'now'>,
	accountId: string,
	createdBy: string
): Promise<{ code: string; expiresAt: Date }> {
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
	| { ok: false; reason: 'unknown' | 'expired' | 'used' };

/** Use an invite: one conditional UPDATE, so it works once. */
export async function joinWithInvite(
	deps: Pick<Deps, 'db' | 'now'>,
	code: string,
	who: { id: number; firstName: string; username?: string | null }
): Promise<JoinResult> {
	const now = deps.now();
	const hash = sha256Hex(code);
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
