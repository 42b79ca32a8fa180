/**
 * Account rows for browser tests (e2e/ has no drizzle of its own): read an account, move its
 * trial's end the way time would, list its sessions.
 */
import { eq } from 'drizzle-orm';
import type { Db } from '../../src/lib/server/db/index.ts';
import { sessions, users, type Session, type User } from '../../src/lib/server/db/schema/index.ts';

export async function accountOfTelegramUser(db: Db, telegramUserId: number): Promise<User> {
	const [row] = await db.select().from(users).where(eq(users.telegramUserId, telegramUserId));
	if (!row) throw new Error(`no account for Telegram user ${telegramUserId}`);
	return row;
}

export async function setTrialEnd(db: Db, accountId: string, at: Date): Promise<void> {
	await db.update(users).set({ trialEndsAt: at }).where(eq(users.id, accountId));
}

export async function sessionsOfAccount(db: Db, accountId: string): Promise<Session[]> {
	return db.select().from(sessions).where(eq(sessions.accountId, accountId));
}
