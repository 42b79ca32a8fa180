/**
 * Pairing: a signed-in user asks for a short code, pastes `remoteagent init --code …` on their
 * machine, and the agent trades the code for its identity. Only the code's hash is stored; the
 * code lives 10 minutes and works once. The new agent belongs to the Telegram-verified user
 * who asked for the code.
 */
import { eq, lt } from 'drizzle-orm';
import {
	DomainError,
	generatePairingCode,
	PAIRING_CODE_TTL_MS,
	type RedeemPairingOutput
} from '@remoteagent/shared';
import type { Deps } from '../deps.ts';
import { newId } from '../db/ids.ts';
import { claimPairingCode } from '../db/pairing.ts';
import { agents, pairingCodes, users } from '../db/schema/index.ts';
import { sha256Hex } from '../auth/hash.ts';
import { signAgentToken } from '../auth/agent-token.ts';
import type { Limits } from '../ratelimit/limits.ts';
import { canAddAgent } from '../billing/entitlements.ts';

export interface IssuedCode {
	code: string;
	expiresAt: Date;
}

/** A fresh code for a signed-in user. Earlier unused codes of the same user stop working. */
export async function issuePairingCode(
	deps: Pick<Deps, 'db' | 'now'>,
	owner: { userId: string; telegramUserId: number }
): Promise<IssuedCode> {
	const code = generatePairingCode();
	const now = deps.now();
	const expiresAt = new Date(now.getTime() + PAIRING_CODE_TTL_MS);
	await deps.db.transaction(async (tx) => {
		await tx.delete(pairingCodes).where(eq(pairingCodes.ownerId, owner.userId));
		await tx.insert(pairingCodes).values({
			codeHash: sha256Hex(code),
			ownerId: owner.userId,
			telegramUserId: owner.telegramUserId,
			expiresAt,
			createdAt: now
		});
	});
	return { code, expiresAt };
}

export interface RedeemRequest {
	/** Already normalised by the shared schema (`ABCD-EFGH`). */
	code: string;
	name: string;
	runner: string;
	hostname?: string | undefined;
}

/**
 * Trade a code for a new agent and its token. The claim, the agent row and the code's deletion
 * happen in one transaction: of two concurrent redemptions exactly one succeeds.
 */
export async function redeemPairingCode(
	deps: Pick<Deps, 'db' | 'redis' | 'now' | 'config' | 'log'> & { limits: Limits },
	request: RedeemRequest,
	clientAddress: string
): Promise<RedeemPairingOutput> {
	// One after the other: a request its address already refused must not spend the global
	// budget, or a single address could deny pairing to everyone.
	if (!(await deps.limits.pairingAddress.limit(clientAddress)).success) {
		deps.log.warn('pairing.rate_limited', { scope: 'address' });
		throw new DomainError('RATE_LIMITED');
	}
	if (!(await deps.limits.pairingGlobal.limit('all')).success) {
		deps.log.warn('pairing.rate_limited', { scope: 'global' });
		throw new DomainError('RATE_LIMITED');
	}
	const now = deps.now();
	const codeHash = sha256Hex(request.code);
	const result = await deps.db.transaction(async (tx) => {
		const claim = await claimPairingCode(tx, codeHash, now);
		if (claim.status === 'unknown' && (await deps.redis.exists(usedKey(codeHash)))) {
			return { status: 'used' as const };
		}
		if (claim.status !== 'ok') return claim;
		// The row is deleted below; this short-lived marker keeps a replay distinguishable from
		// an unknown code. Only consulted when the claim fails, so a rollback cannot hurt.
		const ttlMs = Math.max(1_000, claim.row.expiresAt.getTime() - now.getTime());
		await deps.redis.set(usedKey(codeHash), 1, { px: ttlMs });
		const owner = claim.row.ownerId;
		const [account] = await tx.select().from(users).where(eq(users.id, owner));
		if (!account) return { status: 'unknown' as const };
		// Over the plan's limit: roll back, so the code still works after an upgrade.
		if (!(await canAddAgent({ ...deps, db: tx }, account)).ok) {
			throw new DomainError('PLAN_LIMIT_REACHED');
		}
		const name = await freeName(tx, owner, request.name);
		const agentId = newId('agt');
		const tokenId = newId('tok');
		await tx.insert(agents).values({
			id: agentId,
			ownerId: owner,
			name,
			runner: request.runner,
			tokenId,
			hostname: request.hostname ?? null,
			createdAt: now
		});
		await tx.delete(pairingCodes).where(eq(pairingCodes.codeHash, claim.row.codeHash));
		return { status: 'ok' as const, agentId, tokenId, name, accountName: account.firstName };
	});
	if (result.status !== 'ok') throw new DomainError(CLAIM_ERRORS[result.status]);
	deps.log.info('pairing.redeemed', { agentId: result.agentId });
	const token = await signAgentToken(
		{ agentId: result.agentId, tokenId: result.tokenId },
		deps.config.AGENT_JWT_SECRET
	);
	return { agentId: result.agentId, name: result.name, token, accountName: result.accountName };
}

const usedKey = (codeHash: string) => `pair:used:${codeHash}`;

const CLAIM_ERRORS = {
	unknown: 'PAIRING_CODE_UNKNOWN',
	expired: 'PAIRING_CODE_EXPIRED',
	used: 'PAIRING_CODE_USED'
} as const;

/** `name`, or `name-2`, `name-3`… when the account already has an agent called that. */
export async function freeName(db: Deps['db'], ownerId: string, wanted: string): Promise<string> {
	const taken = new Set(
		(await db.select({ name: agents.name }).from(agents).where(eq(agents.ownerId, ownerId))).map(
			(r) => r.name
		)
	);
	if (!taken.has(wanted)) return wanted;
	for (let n = 2; ; n++) if (!taken.has(`${wanted}-${n}`)) return `${wanted}-${n}`;
}

/** How long an expired code's hash is kept, so that using it late says "expired", not "unknown". */
export const EXPIRED_CODE_KEPT_MS = 24 * 3_600_000;

/** Housekeeping for the cron endpoint: codes that expired more than a day ago are useless. */
export async function deleteExpiredPairingCodes(deps: Pick<Deps, 'db' | 'now'>): Promise<void> {
	const cutoff = new Date(deps.now().getTime() - EXPIRED_CODE_KEPT_MS);
	await deps.db.delete(pairingCodes).where(lt(pairingCodes.expiresAt, cutoff));
}
