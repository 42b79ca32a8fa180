/**
 * Agents as the relay sees them: identity checks for every agent call, the dashboard's list,
 * rename and delete (= revoke), and presence (heartbeats, offline/online alerts).
 */
import { and, count, desc, eq, gte, inArray } from 'drizzle-orm';
import { DomainError, type AgentSummary } from '@remoteagent/shared';
import type { AgentIdentity, UserIdentity } from '@remoteagent/shared/api';
import type { Deps } from '../deps.ts';
import { agents, sessions, users, type Agent } from '../db/schema/index.ts';
import { InvalidAgentToken, verifyAgentToken } from '../auth/agent-token.ts';
import type { CommandQueue } from '../relay/command-queue.ts';
import type { AgentChannels } from '../relay/agent-channels.ts';
import {
	identityKey,
	storedIdentity,
	storeIdentity,
	type IdentityCache
} from './identity-cache.ts';
import type { Presence } from './presence.ts';
import type { Notifier } from '../telegram/notifier.ts';

/**
 * Verify the token AND that the agent still exists with that token id (revocation). The
 * database is asked only when neither this process's memory nor Redis knows the agent
 * (identity-cache.ts).
 */
export async function authenticateAgent(
	deps: Pick<Deps, 'db' | 'config' | 'redis'> & {
		identities: IdentityCache;
		channels: AgentChannels;
	},
	token: string
): Promise<AgentIdentity> {
	let claims;
	try {
		claims = await verifyAgentToken(token, deps.config.AGENT_JWT_SECRET);
	} catch (error) {
		if (error instanceof InvalidAgentToken)
			throw new DomainError('UNAUTHENTICATED', undefined, { cause: error });
		throw error;
	}
	const cached = deps.channels.live ? deps.identities.get(claims.agentId, claims.tokenId) : null;
	if (cached) return cached;
	const stored = await storedIdentity(deps.redis, claims.agentId, claims.tokenId);
	if (stored) {
		deps.identities.set(claims.tokenId, stored);
		return stored;
	}
	const [row] = await deps.db
		.select({ id: agents.id, ownerId: agents.ownerId, name: agents.name })
		.from(agents)
		.where(and(eq(agents.id, claims.agentId), eq(agents.tokenId, claims.tokenId)));
	if (!row) throw new DomainError('AGENT_REVOKED');
	const identity = { agentId: row.id, accountId: row.ownerId, name: row.name };
	await storeIdentity(deps.redis, claims.tokenId, identity);
	deps.identities.set(claims.tokenId, identity);
	return identity;
}

export async function agentStillValid(deps: Pick<Deps, 'db'>, agentId: string): Promise<boolean> {
	const [row] = await deps.db.select({ id: agents.id }).from(agents).where(eq(agents.id, agentId));
	return row !== undefined;
}

export async function listAgents(
	deps: Pick<Deps, 'db'>,
	accountId: string
): Promise<(AgentSummary & { activeSessions: number; hostname: string | null })[]> {
	const rows = await deps.db
		.select()
		.from(agents)
		.where(eq(agents.ownerId, accountId))
		.orderBy(agents.name);
	const active = rows.length
		? await deps.db
				.select({ agentId: sessions.agentId, n: count() })
				.from(sessions)
				.where(
					and(
						inArray(
							sessions.agentId,
							rows.map((r) => r.id)
						),
						inArray(sessions.status, ['queued', 'running'])
					)
				)
				.groupBy(sessions.agentId)
		: [];
	const activeBy = new Map(active.map((r) => [r.agentId, Number(r.n)]));
	return rows.map((row) => ({
		id: row.id,
		name: row.name,
		runner: row.runner,
		online: row.status === 'online',
		lastSeenAt: row.lastSeenAt?.toISOString() ?? null,
		activeSessions: activeBy.get(row.id) ?? 0,
		hostname: row.hostname
	}));
}

/**
 * The account's newest agent paired at or after `since`, if any: the Add-agent page polls this
 * to notice that the code it shows was used.
 */
export async function agentPairedSince(
	deps: Pick<Deps, 'db'>,
	accountId: string,
	since: Date
): Promise<{ id: string; name: string; hostname: string | null; runner: string } | null> {
	const [row] = await deps.db
		.select({ id: agents.id, name: agents.name, hostname: agents.hostname, runner: agents.runner })
		.from(agents)
		.where(and(eq(agents.ownerId, accountId), gte(agents.createdAt, since)))
		.orderBy(desc(agents.createdAt))
		.limit(1);
	return row ?? null;
}

export async function agentOfAccount(
	deps: Pick<Deps, 'db'>,
	accountId: string,
	agentId: string
): Promise<Agent> {
	const [row] = await deps.db
		.select()
		.from(agents)
		.where(and(eq(agents.id, agentId), eq(agents.ownerId, accountId)));
	if (!row) throw new DomainError('AGENT_NOT_FOUND');
	return row;
}

export async function renameAgent(
	deps: Pick<Deps, 'db' | 'redis'> & { queue: CommandQueue },
	user: UserIdentity,
	agentId: string,
	name: string
): Promise<void> {
	await agentOfAccount(deps, user.userId, agentId);
	const [clash] = await deps.db
		.select({ id: agents.id })
		.from(agents)
		.where(and(eq(agents.ownerId, user.userId), eq(agents.name, name)));
	if (clash && clash.id !== agentId) throw new DomainError('NAME_TAKEN');
	await deps.db
		.update(agents)
		.set({ name })
		.where(and(eq(agents.id, agentId), eq(agents.ownerId, user.userId)));
	await deps.redis.del(identityKey(agentId));
	await deps.queue.changed(agentId);
}

/**
 * Delete an agent: its row goes, so its token stops working on the next call, and its live
 * subscription is woken to notice within a moment. Queued commands go with it.
 */
export async function removeAgent(
	deps: Pick<Deps, 'db' | 'log' | 'redis'> & { queue: CommandQueue; presence: Presence },
	accountId: string,
	agentId: string
): Promise<void> {
	const deleted = await deps.db
		.delete(agents)
		.where(and(eq(agents.id, agentId), eq(agents.ownerId, accountId)))
		.returning({ id: agents.id });
	if (deleted.length === 0) throw new DomainError('AGENT_NOT_FOUND');
	// The mark first: from then on no lookup can record the agent's identity again.
	await deps.queue.revoke(agentId);
	await deps.redis.del(identityKey(agentId));
	await deps.presence.forget(agentId);
	deps.log.info('agent.removed', { agentId });
}

const alertedKey = (agentId: string) => `presence:${agentId}:alerted`;

/**
 * A sign of life that changed something (a connect, the first heartbeat after a restart or a
 * start): online now; if its owner was told it went offline, tell them it is back. Idle
 * heartbeats do not get here (presence.ts).
 */
export async function touchAgent(
	deps: Pick<Deps, 'db' | 'redis' | 'now'> & { notifier: Notifier },
	agent: AgentIdentity
): Promise<void> {
	await deps.db
		.update(agents)
		.set({ status: 'online', lastSeenAt: deps.now() })
		.where(eq(agents.id, agent.agentId));
	if ((await deps.redis.del(alertedKey(agent.agentId))) === 1) {
		await notifyOwner(deps, agent.accountId, `🟢 Your agent "${agent.name}" is back online.`);
	}
}

/** A subscription opened: online, and the next heartbeat brings the database up to date. */
export async function agentConnected(
	deps: Pick<Deps, 'db' | 'redis' | 'now'> & { notifier: Notifier; presence: Presence },
	agent: AgentIdentity
): Promise<void> {
	await deps.presence.seenAndChanged(agent.agentId, deps.now());
	await touchAgent(deps, agent);
}

/** Graceful shutdown: offline without an alert. */
export async function agentSaidGoodbye(
	deps: Pick<Deps, 'db' | 'now'> & { presence: Presence },
	agent: AgentIdentity
): Promise<void> {
	await deps.presence.forget(agent.agentId);
	await deps.db
		.update(agents)
		.set({ status: 'offline', lastSeenAt: deps.now() })
		.where(eq(agents.id, agent.agentId));
}

/**
 * Run by the cron endpoint and `pnpm start`'s timer: agents not seen within the reconnection
 * window (presence.ts, in Redis) go offline in the database, with when they were last seen, and
 * their owners are told. Nothing lapsed: no SQL. With `orphans`, also agents the database has
 * online but Redis has no presence for (a Redis that lost its data): they go offline the same
 * way. The conditional UPDATE makes concurrent sweeps alert once.
 */
export async function sweepPresence(
	deps: Pick<Deps, 'db' | 'redis' | 'now' | 'config' | 'log'> & {
		notifier: Notifier;
		presence: Presence;
	},
	opts: { orphans?: boolean } = {}
): Promise<number> {
	const cutoff = new Date(deps.now().getTime() - deps.config.OFFLINE_AFTER_MS);
	const lapsed = await deps.presence.takeLapsed(cutoff);
	if (opts.orphans) {
		const known = await deps.presence.known();
		const online = await deps.db
			.select({ id: agents.id, lastSeenAt: agents.lastSeenAt })
			.from(agents)
			.where(eq(agents.status, 'online'));
		for (const row of online) {
			if (known.has(row.id) || lapsed.some((l) => l.agentId === row.id)) continue;
			const seenAt = row.lastSeenAt ?? new Date(0);
			if (seenAt < cutoff) lapsed.push({ agentId: row.id, seenAt });
		}
	}
	let wentOffline = 0;
	for (const { agentId, seenAt } of lapsed) {
		const [agent] = await deps.db
			.update(agents)
			.set({ status: 'offline', lastSeenAt: seenAt })
			.where(and(eq(agents.id, agentId), eq(agents.status, 'online')))
			.returning();
		if (!agent) continue;
		wentOffline++;
		await deps.redis.set(alertedKey(agent.id), '1', { ex: 7 * 86_400 });
		await notifyOwner(
			deps,
			agent.ownerId,
			`🔴 Your agent "${agent.name}" went offline. Last seen ${seenAt.toISOString().slice(11, 16)} UTC. Prompts will wait for it to come back.`
		);
		deps.log.info('agent.offline', { agentId: agent.id });
	}
	return wentOffline;
}

async function notifyOwner(
	deps: Pick<Deps, 'db'> & { notifier: Notifier },
	accountId: string,
	text: string
): Promise<void> {
	const [owner] = await deps.db
		.select({ chat: users.telegramUserId })
		.from(users)
		.where(eq(users.id, accountId));
	if (owner) await deps.notifier.send(owner.chat, text);
}
