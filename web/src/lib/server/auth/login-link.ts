/**
 * One-time sign-in links, the second way in for installs without a public domain (the Login
 * Widget needs one). The bot's /login command creates one for the Telegram user who sent it —
 * the update itself proves who that is — valid 5 minutes, usable once.
 */
import { and, eq, gt, isNull } from 'drizzle-orm';
import { LOGIN_LINK_TTL_MS } from '@remoteagent/shared';
import type { Deps } from '../deps.ts';
import { loginLinks } from '../db/schema/index.ts';
import { randomToken, sha256Hex } from './hash.ts';

export async function createLoginLink(
	deps: Pick<Deps, 'db' | 'now'>,
	who: { id: number; firstName: string; username?: string | null },
	ttlMs: number = LOGIN_LINK_TTL_MS
): Promise<string> {
	const token = randomToken();
	await deps.db.insert(loginLinks).values({
		tokenHash: sha256Hex(token),
		telegramUserId: who.id,
		firstName: who.firstName,
		username: who.username ?? null,
		expiresAt: new Date(deps.now().getTime() + ttlMs)
	});
	return token;
}

export type LoginLinkResult =
	| { ok: true; telegramUserId: number; firstName: string; username: string | null }
	| { ok: false; reason: 'unknown' | 'expired' | 'used' };

/** Use a link: one conditional UPDATE, so two clicks cannot both sign in. */
export async function redeemLoginLink(
	deps: Pick<Deps, 'db' | 'now'>,
	token: string
): Promise<LoginLinkResult> {
	const now = deps.now();
	const hash = sha256Hex(token);
	const [row] = await deps.db
		.update(loginLinks)
		.set({ usedAt: now })
		.where(
			and(eq(loginLinks.tokenHash, hash), isNull(loginLinks.usedAt), gt(loginLinks.expiresAt, now))
		)
		.returning();
	if (row)
		return {
			ok: true,
			telegramUserId: row.telegramUserId,
			firstName: row.firstName,
			username: row.username
		};
	const [existing] = await deps.db.select().from(loginLinks).where(eq(loginLinks.tokenHash, hash));
	if (!existing) return { ok: false, reason: 'unknown' };
	return { ok: false, reason: existing.usedAt ? 'used' : 'expired' };
}

/**
 * What a link would do if used now, without using it: the link page shows its Sign-in button
 * only for a usable link (opening the page must not use it up; see routes/(auth)/login/link).
 */
export async function loginLinkState(
	deps: Pick<Deps, 'db' | 'now'>,
	token: string
): Promise<'usable' | 'unknown' | 'expired' | 'used'> {
	if (!token) return 'unknown';
	const [row] = await deps.db
		.select({ usedAt: loginLinks.usedAt, expiresAt: loginLinks.expiresAt })
		.from(loginLinks)
		.where(eq(loginLinks.tokenHash, sha256Hex(token)));
	if (!row) return 'unknown';
	if (row.usedAt) return 'used';
	return row.expiresAt.getTime() > deps.now().getTime() ? 'usable' : 'expired';
}
