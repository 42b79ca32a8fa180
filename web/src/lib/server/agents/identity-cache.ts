/**
 * Agents this process authenticated recently, so a heartbeat needs no database round trip. An
 * entry is trusted only while the process's shared subscriber is live (relay/agent-channels.ts):
 * then it hears every agent's revocation and rename and evicts the entry at once. A revocation
 * whose message was lost is still caught by the heartbeat's revocation mark in Redis
 * (presence.ts) and by the entry's age limit.
 */
import type { AgentIdentity } from '@remoteagent/shared/api';

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
