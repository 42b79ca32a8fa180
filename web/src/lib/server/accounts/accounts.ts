/**
 * Accounts. Signing in with Telegram for the first time creates the account: the person becomes
 * its owner and its first authorised Telegram user, with a 14-day trial and no card.
 */
import { and, asc, eq } from 'drizzle-orm';
import type { Deps } from '../deps.ts';
import { newId } from '../db/ids.ts';
import { authorizedUsers, users, type AuthorizedUser, type User } from '../db/schema/index.ts';

export const TRIAL_DAYS = 14;

export interface TelegramIdentity {
	id: number;
	firstName: string;
	lastName?: string | null;
	username?: string | null;
	photoUrl?: string | null;
}

/** Find or create the account of a verified Telegram user, refreshing the profile fields. */
export async function signInWithTelegram(
	deps: Pick<Deps, 'db' | 'now'>,
	who: TelegramIdentity
): Promise<User> {
	const now = deps.now();
	const profile = {
		firstName: who.firstName,
		lastName: who.lastName ?? null,
		username: who.username ?? null,
		photoUrl: who.photoUrl ?? null
	};
	return deps.db.transaction(async (tx) => {
		const [existing] = await tx.select().from(users).where(eq(users.telegramUserId, who.id));
		if (existing) {
			const [updated] = await tx
				.update(users)
				.set(profile)
				.where(eq(users.id, existing.id))
				.returning();
			return updated ?? existing;
		}
		const [created] = await tx
			.insert(users)
			.values({
				id: newId('usr'),
				telegramUserId: who.id,
				...profile,
				trialEndsAt: new Date(now.getTime() + TRIAL_DAYS * 86_400_000)
			})
			.returning();
		if (!created) throw new Error('account insert returned nothing');
		await tx.insert(authorizedUsers).values({
			id: newId('au'),
			accountId: created.id,
			telegramUserId: who.id,
			username: who.username ?? null,
			firstName: who.firstName,
			role: 'owner'
		});
		return created;
	});
}

/** Every account this Telegram user may drive (their own and teams they joined). */
export async function authorizationsOf(
	deps: Pick<Deps, 'db'>,
	telegramUserId: number
): Promise<AuthorizedUser[]> {
	return (
		deps.db
			.select()
			.from(authorizedUsers)
			.where(eq(authorizedUsers.telegramUserId, telegramUserId))
			// The order decides whose agent a prompt goes to (activeAgentOf, sessions/intake.ts).
			.orderBy(asc(authorizedUsers.createdAt), asc(authorizedUsers.id))
	);
}

export async function userById(deps: Pick<Deps, 'db'>, userId: string): Promise<User | null> {
	const [row] = await deps.db.select().from(users).where(eq(users.id, userId));
	return row ?? null;
}

export async function setActiveAgent(
	deps: Pick<Deps, 'db'>,
	authorizationId: string,
	agentId: string | null
): Promise<void> {
	await deps.db
		.update(authorizedUsers)
		.set({ activeAgentId: agentId })
		.where(and(eq(authorizedUsers.id, authorizationId)));
}
