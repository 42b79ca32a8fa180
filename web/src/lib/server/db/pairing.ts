import { and, eq, gt, isNull } from 'drizzle-orm';
import type { Db } from './index.ts';
import { pairingCodes, type PairingCode } from './schema/index.ts';

export type ClaimResult =
	{ status: 'ok'; row: PairingCode } | { status: 'unknown' | 'expired' | 'used' };

/**
 * Marks a pairing code used, atomically: a single conditional UPDATE, so of two concurrent
 * redemptions exactly one gets the row (PostgreSQL re-checks the WHERE clause of the second
 * after the first commits). Only when nothing was claimed does a SELECT explain why.
 * The caller deletes the row once the agent exists. Works on a `Db` or inside a transaction.
 */
export async function claimPairingCode(db: Db, codeHash: string, now: Date): Promise<ClaimResult> {
	const [row] = await db
		.update(pairingCodes)
		.set({ usedAt: now })
		.where(
			and(
				eq(pairingCodes.codeHash, codeHash),
				isNull(pairingCodes.usedAt),
				gt(pairingCodes.expiresAt, now)
			)
		)
		.returning();
	if (row) return { status: 'ok', row };

	const [existing] = await db
		.select({ usedAt: pairingCodes.usedAt, expiresAt: pairingCodes.expiresAt })
		.from(pairingCodes)
		.where(eq(pairingCodes.codeHash, codeHash));
	if (!existing) return { status: 'unknown' };
	// A replay is reported as such even once the code has also expired.
	if (existing.usedAt) return { status: 'used' };
	return { status: 'expired' };
}
