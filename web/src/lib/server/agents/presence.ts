/**
 * Presence kept in Redis, written to the database only when something changes. An agent's
 * heartbeat is one Redis script: it refuses a revoked agent, records when the agent was last seen
 * (a sorted set, one member per agent) and swaps the heartbeat's fingerprint (busy task,
 * permission mode, version) for the last one, and publishes a beat on the agent's channel (the
 * relays' shared subscribers take it as a sign their stream is alive; agent-channels.ts). Only a
 * changed fingerprint costs SQL — the first heartbeat after a restart, a start, an offline spell
 * or a mode change: the agent is marked online, orphaned tasks are failed, the mode is recorded. An idle connected agent therefore
 * costs one Redis command per heartbeat and no SQL.
 *
 * The sweep reads the sorted set: agents not seen within `OFFLINE_AFTER_MS` go offline in the
 * database (with their last-seen time) and their owners are told.
 */
import type { Redis } from '@upstash/redis';
import { agentChannel } from '@remoteagent/shared';
import { BEAT_MESSAGE } from '../relay/agent-channels.ts';
import { revokedKey } from '../relay/command-queue.ts';

/** Member: agent id; score: when it was last seen (ms). */
export const SEEN_KEY = 'agents:seen';
export const beatKey = (agentId: string) => `agent:${agentId}:beat`;

/**
 * KEYS[1] seen, KEYS[2] fingerprint, KEYS[3] revocation mark; ARGV[1] agent id, ARGV[2] now ms,
 * ARGV[3] fingerprint, ARGV[4] its TTL s, ARGV[5] the agent's channel, ARGV[6] the beat.
 * Returns the previous fingerprint ('' if none), or false for a revoked agent.
 */
const HEARTBEAT_SCRIPT = `
if redis.call('EXISTS', KEYS[3]) == 1 then return false end
redis.call('ZADD', KEYS[1], ARGV[2], ARGV[1])
local previous = redis.call('GET', KEYS[2])
redis.call('SET', KEYS[2], ARGV[3], 'EX', ARGV[4])
redis.call('PUBLISH', ARGV[5], ARGV[6])
return previous or ''`;

/** KEYS[1] seen; ARGV[1] cutoff ms. Removes and returns [member, score, …] at or before it. */
const TAKE_LAPSED_SCRIPT = `
local lapsed = redis.call('ZRANGE', KEYS[1], '-inf', ARGV[1], 'BYSCORE', 'WITHSCORES')
for i = 1, #lapsed, 2 do
	redis.call('ZREM', KEYS[1], lapsed[i])
	redis.call('DEL', 'agent:' .. lapsed[i] .. ':beat')
end
return lapsed`;

/**
 * A subscription ended (KEYS[1] its agent's leases, KEYS[2] seen; ARGV[1] its lease, ARGV[2]
 * agent id, ARGV[3] the lowered last-seen time): its lease goes, and if it was the agent's last,
 * the agent's last-seen time moves back so the sweep finds it gone after a short grace.
 */
const DISCONNECTED_SCRIPT = `
redis.call('ZREM', KEYS[1], ARGV[1])
if redis.call('ZCARD', KEYS[1]) == 0 then
	redis.call('ZADD', KEYS[2], 'XX', 'LT', ARGV[3], ARGV[2])
end
return 0`;

/** How long an agent whose connection dropped has to come back before it counts as offline. */
export const DISCONNECT_GRACE_MS = 60_000;

export class Presence {
	private readonly heartbeatScript;
	private readonly takeLapsedScript;

	constructor(private readonly redis: Redis) {
		this.heartbeatScript = redis.createScript<string | null>(HEARTBEAT_SCRIPT);
		this.takeLapsedScript = redis.createScript<(string | number)[]>(TAKE_LAPSED_SCRIPT);
	}

	/**
	 * One heartbeat. Returns 'revoked', 'same' (nothing changed since the last one) or 'changed'
	 * (the caller brings the database up to date).
	 */
	async beat(
		agentId: string,
		fingerprint: string,
		now: Date,
		ttlMs: number
	): Promise<'revoked' | 'same' | 'changed'> {
		const previous = await this.heartbeatScript.exec(
			[SEEN_KEY, beatKey(agentId), revokedKey(agentId)],
			[
				agentId,
				String(now.getTime()),
				fingerprint,
				String(Math.ceil(ttlMs / 1000)),
				agentChannel(agentId),
				BEAT_MESSAGE
			]
		);
		if (previous === null) return 'revoked';
		return previous === fingerprint ? 'same' : 'changed';
	}

	/** Seen now, and the next heartbeat counts as a change (connect, a task started). */
	async seenAndChanged(agentId: string, now: Date): Promise<void> {
		await this.redis
			.pipeline()
			.zadd(SEEN_KEY, { score: now.getTime(), member: agentId })
			.del(beatKey(agentId))
			.exec();
	}

	/**
	 * A command subscription ended without a goodbye (a crash, a dropped network): unless another
	 * one of the agent is live, it counts as offline `DISCONNECT_GRACE_MS` from now, not
	 * `offlineAfterMs` after its last heartbeat. A reconnect or heartbeat in between keeps it online.
	 */
	async disconnected(
		agentId: string,
		lease: { key: string; member: string },
		now: Date,
		offlineAfterMs: number
	): Promise<void> {
		const lapse = now.getTime() - offlineAfterMs + DISCONNECT_GRACE_MS;
		await this.redis.eval(
			DISCONNECTED_SCRIPT,
			[lease.key, SEEN_KEY],
			[lease.member, agentId, String(Math.floor(lapse))]
		);
	}

	/** The next heartbeat of this agent counts as a change. */
	async forgetBeat(agentId: string): Promise<void> {
		await this.redis.del(beatKey(agentId));
	}

	/**
	 * Take the agents last seen at or before `cutoff` out of the set, atomically (a heartbeat
	 * after this re-adds its agent as a change), with when they were last seen.
	 */
	async takeLapsed(cutoff: Date): Promise<{ agentId: string; seenAt: Date }[]> {
		const flat = await this.takeLapsedScript.exec([SEEN_KEY], [String(cutoff.getTime())]);
		const out: { agentId: string; seenAt: Date }[] = [];
		for (let i = 0; i + 1 < flat.length; i += 2) {
			out.push({ agentId: String(flat[i]), seenAt: new Date(Number(flat[i + 1])) });
		}
		return out;
	}

	/** Every agent with a presence entry. */
	async known(): Promise<Set<string>> {
		return new Set(await this.redis.zrange<string[]>(SEEN_KEY, 0, -1));
	}

	/** Gone (offline, goodbye, deleted): no entry, and the next heartbeat is a change. */
	async forget(agentId: string): Promise<void> {
		await this.redis.pipeline().zrem(SEEN_KEY, agentId).del(beatKey(agentId)).exec();
	}
}
