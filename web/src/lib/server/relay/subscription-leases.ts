/**
 * A cap on live command subscriptions per agent, shared by every instance: each subscription
 * holds a lease in a Redis sorted set (member: a random id, score: when it lapses), renewed by
 * the subscription's periodic check (command-queue.ts) and removed when it ends (with the
 * agent's presence: agents/presence.ts `disconnected`).
 *
 * Leases are long (renewals are the only Redis traffic of an idle agent besides its heartbeat),
 * so a subscription whose instance died without releasing its lease would hold a place for a
 * long time. The cap therefore never refuses a new subscription: past the cap, the oldest leases
 * are evicted and their subscriptions told on the agent's channel to end. An agent that
 * reconnects always gets in; one running twice keeps knocking the other out, which it notices.
 */
import { randomBytes } from 'node:crypto';
import type { Redis } from '@upstash/redis';
import { agentChannel } from '@remoteagent/shared';

export const MAX_SUBSCRIPTIONS_PER_AGENT = 3;

export interface Lease {
	/** The sorted set and this lease's member in it, for the renewal and the release. */
	key: string;
	member: string;
	ms: number;
}

export const leasesKey = (agentId: string) => `agent:${agentId}:subs`;

/**
 * KEYS[1] leases, KEYS[2] the agent's channel; ARGV: now, lapse of the new lease, member, cap,
 * TTL of the set. Returns the evicted members.
 */
const ACQUIRE_SCRIPT = `
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', ARGV[1])
redis.call('ZADD', KEYS[1], ARGV[2], ARGV[3])
local over = redis.call('ZCARD', KEYS[1]) - tonumber(ARGV[4])
local evicted = {}
if over > 0 then
	evicted = redis.call('ZRANGE', KEYS[1], 0, over - 1)
	redis.call('ZREMRANGEBYRANK', KEYS[1], 0, over - 1)
	for _, lease in ipairs(evicted) do
		redis.call('PUBLISH', KEYS[2], cjson.encode({ kind = 'evicted', lease = lease }))
	end
end
redis.call('PEXPIRE', KEYS[1], ARGV[5])
return evicted`;

export async function acquireSubscriptionLease(
	redis: Redis,
	agentId: string,
	leaseMs: number,
	max = MAX_SUBSCRIPTIONS_PER_AGENT
): Promise<Lease> {
	const key = leasesKey(agentId);
	const member = randomBytes(12).toString('base64url');
	const now = Date.now();
	await redis.eval<string[], string[]>(
		ACQUIRE_SCRIPT,
		[key, agentChannel(agentId)],
		[String(now), String(now + leaseMs), member, String(max), String(leaseMs)]
	);
	return { key, member, ms: leaseMs };
}
