/**
 * Dashboard sessions: an opaque random id in an HttpOnly cookie, stored server-side as its hash,
 * so logout and expiry really end a session. Expiry slides: each use pushes it out again
 * (written at most once an hour to keep reads cheap).
 */
import { and, eq, gt, lt } from 'drizzle-orm';
import type { Deps } from '../deps.ts';
import { users, webSessions } from '../db/schema/index.ts';
import { randomToken, sha256Hex } from './hash.ts';

export const SESSION_COOKIE = 'ra_session';
export const SESSION_TTL_MS = 30 * 86_400_000;
const REFRESH_AFTER_MS = 3_600_000;

export interface SessionUser {
	userId: string;
	telegramUserId: number;
	firstName: string;
	username: string | null;
	photoUrl: string | null;
	plan: string;
}

export async function createWebSession(
	deps: Pick<Deps, 'db' | 'now'>,
	userId: string
): Promise<{ cookieValue: string; expiresAt: Date }> {
	const cookieValue = randomToken();
	const now = deps.now();
	const expiresAt = new Date(now.getTime() + SESSION_TTL_MS);
	await deps.db
		.insert(webSessions)
		.values({ id: sha256Hex(cookieValue), userId, createdAt: now, lastSeenAt: now, expiresAt });
	return { cookieValue, expiresAt };
}

/** The signed-in user for a cookie value, or null; extends the session when it is used. */
export async function resolveWebSession(
	deps: Pick<Deps, 'db' | 'now'>,
	cookieValue: string
): Promise<{ user: SessionUser; expiresAt: Date } | null> {
	const now = deps.now();
	const id = sha256Hex(cookieValue);
	const [row] = await deps.db
		.select({ session: webSessions, user: users })
		.from(webSessions)
		.innerJoin(users, eq(users.id, webSessions.userId))
		.where(and(eq(webSessions.id, id), gt(webSessions.expiresAt, now)));
	if (!row) return null;
	let expiresAt = row.session.expiresAt;
	if (now.getTime() - row.session.lastSeenAt.getTime() > REFRESH_AFTER_MS) {
		expiresAt = new Date(now.getTime() + SESSION_TTL_MS);
		await deps.db
			.update(webSessions)
			.set({ lastSeenAt: now, expiresAt })
			.where(eq(webSessions.id, id));
	}
	const { user } = row;
	return {
		user: {
			userId: user.id,
			telegramUserId: user.telegramUserId,
			firstName: user.firstName,
			username: user.username,
			photoUrl: user.photoUrl,
			plan: user.plan
		},
		expiresAt
	};
}

export async function destroyWebSession(
	deps: Pick<Deps, 'db'>,
	cookieValue: string
): Promise<void> {
	await deps.db.delete(webSessions).where(eq(webSessions.id, sha256Hex(cookieValue)));
}

/** Housekeeping for the cron endpoint. */
export async function deleteExpiredWebSessions(deps: Pick<Deps, 'db' | 'now'>): Promise<void> {
	await deps.db.delete(webSessions).where(lt(webSessions.expiresAt, deps.now()));
}
