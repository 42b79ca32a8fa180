/**
 * Who an agent is, without a database round trip on every call. Two tiers in front of the
 * database (agents.ts `authenticateAgent`):
 *
 * - this process's memory, trusted only while its shared subscriber is live
 *   (relay/agent-channels.ts): then it hears every agent's revocation and rename and evicts the
 *   entry at once; a revocation whose message was lost is still caught by the heartbeat's
 *   revocation mark (presence.ts) and by the entry's age limit;
 * - a record in Redis (`agent:{id}:identity`), deleted when the agent is revoked or renamed, and
 *   written only while no revocation mark exists, so a lookup racing a revocation cannot
 *   bring the agent back.
 */
import type { Redis } from '@upstash/redis';
import type { AgentIdentity } from '@remoteagent/shared/api';
import { revokedKey } from '../relay/command-queue.ts';

export const identityKey = (agentId: string) => `agent:${agentId}:identity`;
const RECORD_TTL_S = 86_400;

interface StoredIdentity {
	tokenId: string;
	accountId: string;
	name: string;
}

/** KEYS[1] identity, KEYS[2] revocation mark; ARGV[1] record, ARGV[2] TTL s. */
const STORE_SCRIPT = `
if redis.call('EXISTS', KEYS[2]) == 1 then return 0 end
redis.call('SET', KEYS[1], ARGV[1], 'EX', ARGV[2])
return 1`;

/** The identity recorded in Redis for this token, or null. */
export async function storedIdentity(
	redis: Redis,
	agentId: string,
	tokenId: string
): Promise<AgentIdentity | null> {
	const stored = await redis.get<StoredIdentity>(identityKey(agentId));
	if (!stored || stored.tokenId !== tokenId) return null;
	return { agentId, accountId: stored.accountId, name: stored.name };
}

export async function storeIdentity(
	redis: Redis,
	tokenId: string,
	identity: AgentIdentity
): Promise<void> {
	const record: StoredIdentity = { tokenId, accountId: identity.accountId, name: identity.name };
	await redis.eval(
		STORE_SCRIPT,
		[identityKey(identity.agentId), revokedKey(identity.agentId)],
		[JSON.stringify(record), String(RECORD_TTL_S)]
	);
}

const MAX_AGE_MS = 10 * 60_000;
const MAX_ENTRIES = 10_000;

export class IdentityCache {
	private readonly entries = new Map<
		string,
		{ tokenId: string; identity: AgentIdentity; at: number }
	>();

	get(agentId: string, tokenId: string, now = Date.now()): AgentIdentity | null {
		const entry = this.entries.get(agentId);
		if (!entry || entry.tokenId !== tokenId || now - entry.at > MAX_AGE_MS) return null;
		return entry.identity;
	}

	set(tokenId: string, identity: AgentIdentity, now = Date.now()): void {
		if (this.entries.size >= MAX_ENTRIES) this.entries.clear();
		this.entries.set(identity.agentId, { tokenId, identity, at: now });
	}

	evict(agentId: string): void {
		this.entries.delete(agentId);
	}

	clear(): void {
		this.entries.clear();
	}
}
