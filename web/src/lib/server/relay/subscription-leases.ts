/**
 * A cap on live command subscriptions per agent, shared by every instance: each subscription
 * holds a lease in a Redis sorted set (member: a random id, score: when it lapses), renewed
 * while it runs and removed when it ends. A subscription whose instance died simply lapses.
 * The cap leaves room for a reconnect that overlaps the old connection's last seconds.
 */
import { randomBytes } from 'node:crypto';
import type { Redis } from '@upstash/redis';
import { DomainError } from '@remoteagent/shared';

export const MAX_SUBSCRIPTIONS_PER_AGENT = 3;

export interface Lease {
	/** Keep the lease; cheap to call often. */
	renew(): Promise<void>;
	release(): Promise<void>;
}

const leasesKey = (agentId: string) => `agent:${agentId}:subs`;

export async function acquireSubscriptionLease(
	redis: Redis,
	agentId: string,
	leaseMs: number,
	max = MAX_SUBSCRIPTIONS_PER_AGENT
): Promise<Lease> {
	const key = leasesKey(agentId);
	const member = randomBytes(12).toString('base64url');
	const hold = () => {
		const now = Date.now();
		return redis
			.pipeline()
			.zremrangebyscore(key, 0, now)
			.zadd(key, { score: now + leaseMs, member })
			.zcard(key)
			.pexpire(key, leaseMs)
			.exec<[number, number, number, number]>();
	};
	const [, , held] = await hold();
	if (held > max) {
		await redis.zrem(key, member);
		throw new DomainError('TOO_MANY_CONNECTIONS');
	}
	let renewed = Date.now();
	return {
		// Called on every wake-up; only a third of the way into the lease does it cost a round trip.
		renew: async () => {
			if (Date.now() - renewed < leaseMs / 3) return;
			renewed = Date.now();
			await hold();
		},
		release: async () => {
			await redis.zrem(key, member);
		}
	};
}
