/**
 * Issue 12's promise for idle agents, counted: a connected agent that only heartbeats costs the
 * relay one Redis command per heartbeat and one pipeline per periodic check, and no SQL at all;
 * a revocation reaches it by push, and one whose message was lost by the next check or
 * heartbeat. The heartbeat still brings the database up to date when something changed.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eq } from 'drizzle-orm';
import { agents } from '../../src/lib/server/db/schema/index.ts';
import { revokedKey } from '../../src/lib/server/relay/command-queue.ts';
import { runSweep } from '../../src/lib/server/sweep.ts';
import { identityKey } from '../../src/lib/server/agents/identity-cache.ts';
import { Redis } from 'ioredis';
import { agentChannel } from '@remoteagent/shared';
import { DISCONNECT_GRACE_MS } from '../../src/lib/server/agents/presence.ts';
import { BEAT_MESSAGE } from '../../src/lib/server/relay/agent-channels.ts';
import { startTestRelay, type TestRelay } from '../harness/relay.ts';
import { ALICE, BOB, pairAgent } from '../harness/accounts.ts';
import { agentClient, eventually, ScriptedAgent } from '../harness/scripted-agent.ts';

let t: TestRelay;

beforeAll(async () => {
	t = await startTestRelay();
});
afterAll(async () => {
	await t?.stop();
});

/** Counts Redis commands (inside pipelines too) and SQL statements while `counting`. */
function meter() {
	const restUrl = t.relay.config.UPSTASH_REDIS_REST_URL;
	const counts = { redis: 0, sql: 0, commands: [] as string[] };
	let counting = false;
	const originalFetch = globalThis.fetch;
	globalThis.fetch = (input, init) => {
		const url = String(input instanceof Request ? input.url : input);
		if (counting && url.startsWith(restUrl) && typeof init?.body === 'string') {
			const body = JSON.parse(init.body) as unknown[];
			const commands = url.includes('/pipeline') ? (body as unknown[][]) : [body];
			counts.redis += commands.length;
			for (const command of commands) counts.commands.push(String(command[0]).toLowerCase());
		}
		return originalFetch(input, init);
	};
	const pglite = t.relay.database.client as unknown as {
		query: (...args: unknown[]) => Promise<unknown>;
	};
	const originalQuery = pglite.query;
	pglite.query = function (this: unknown, ...args: unknown[]) {
		if (counting) counts.sql++;
		return originalQuery.apply(this, args);
	};
	return {
		counts,
		start: () => {
			counting = true;
		},
		stop: () => {
			counting = false;
			globalThis.fetch = originalFetch;
			pglite.query = originalQuery;
		}
	};
}

const online = async (userId: string) =>
	eventually(
		async () => (await t.services.agents.list({ userId }))[0]?.online,
		10_000,
		'agent online'
	);

describe('an idle connected agent', () => {
	it('costs one Redis command per heartbeat, one pipeline per check, and no SQL', async () => {
		const alice = await pairAgent(t.relay, t.services, ALICE, 'idle-box');
		const queue = t.relay.queue as unknown as { pollMs: number };
		const harnessPollMs = queue.pollMs;
		queue.pollMs = 250; // the periodic check, fast enough to count several
		const agent = new ScriptedAgent(agentClient(t.url, alice.token));
		const beat = () =>
			agent.client.agent.heartbeat.mutate({
				busySessionId: null,
				version: 'test',
				permissionMode: 'ask'
			});
		agent.connect();
		const m = meter();
		// What the relays' shared subscribers hear of it: a beat per heartbeat (agent-channels.ts).
		const listener = new Redis(t.redisUrl);
		const beats: string[] = [];
		listener.on('message', (_channel: string, message: string) => beats.push(message));
		await listener.subscribe(agentChannel(alice.agentId));
		try {
			await online(alice.userId);
			await beat(); // the first one after a connect brings the database up to date
			beats.length = 0;
			m.start();
			for (let i = 0; i < 10; i++) {
				await beat();
				await new Promise((resolve) => setTimeout(resolve, 100));
			}
			m.stop();
			expect(m.counts.sql).toBe(0);
			const heartbeats = m.counts.commands.filter((c) => c === 'evalsha').length;
			const checks = m.counts.commands.filter((c) => c === 'xrange').length;
			expect(heartbeats).toBe(10);
			expect(checks).toBeGreaterThanOrEqual(2);
			// Each check is XRANGE + lease renewal (ZADD, PEXPIRE) + revocation mark (EXISTS).
			expect(m.counts.redis).toBe(heartbeats + 4 * checks);
			expect(agent.errors).toEqual([]);
			await eventually(async () => beats.length === 10 || undefined, 5_000, 'ten beats');
			expect(new Set(beats)).toEqual(new Set([BEAT_MESSAGE]));
		} finally {
			listener.disconnect();
			m.stop();
			agent.disconnect();
			queue.pollMs = harnessPollMs;
		}
	});

	it('is brought up to date when a heartbeat changes something, and only then', async () => {
		const bob = await pairAgent(t.relay, t.services, BOB, 'mode-box');
		const client = agentClient(t.url, bob.token);
		// Connected, so this process hears its revocation and need not look it up on every call.
		const agent = new ScriptedAgent(client);
		agent.connect();
		await online(bob.userId);
		const m = meter();
		try {
			await client.agent.heartbeat.mutate({
				busySessionId: null,
				version: 'v',
				permissionMode: 'ask'
			});
			m.start();
			await client.agent.heartbeat.mutate({
				busySessionId: null,
				version: 'v',
				permissionMode: 'ask'
			});
			expect(m.counts.sql).toBe(0);
			await client.agent.heartbeat.mutate({
				busySessionId: null,
				version: 'v',
				permissionMode: 'auto'
			});
			expect(m.counts.sql).toBeGreaterThan(0);
		} finally {
			m.stop();
			agent.disconnect();
		}
		expect(await t.relay.redis.get(`agent:${bob.agentId}:permission-mode`)).toBe('auto');
		const [row] = await t.relay.db.select().from(agents).where(eq(agents.id, bob.agentId));
		expect(row?.status).toBe('online');
	});

	it('hears a revocation by push; a lost one ends it at the next check and heartbeat', async () => {
		const carol = { id: 4242, firstName: 'Carol', username: 'carol' };
		const pushed = await pairAgent(t.relay, t.services, carol, 'pushed');
		const agent = new ScriptedAgent(agentClient(t.url, pushed.token));
		agent.connect();
		await online(pushed.userId);
		await t.services.agents.remove({ userId: pushed.userId }, pushed.agentId);
		await agent.until(
			() => [...agent.errors, ...agent.connectionErrors].some((e) => String(e).includes('removed')),
			10_000,
			'the revocation'
		);
		agent.disconnect();

		// The row is gone but no message is published: only the mark in Redis says so.
		const dave = { id: 4343, firstName: 'Dave', username: 'dave' };
		const lost = await pairAgent(t.relay, t.services, dave, 'lost');
		const quiet = new ScriptedAgent(agentClient(t.url, lost.token));
		quiet.connect();
		await online(lost.userId);
		await t.relay.db.delete(agents).where(eq(agents.id, lost.agentId));
		await t.relay.redis.set(revokedKey(lost.agentId), '1', { ex: 60 });
		await quiet.until(
			() => [...quiet.errors, ...quiet.connectionErrors].some((e) => String(e).includes('removed')),
			10_000,
			'the periodic check to notice'
		);
		quiet.disconnect();
		await expect(
			quiet.client.agent.heartbeat.mutate({ busySessionId: null, version: 'v' })
		).rejects.toThrow(/removed/);
	});

	it('leaves the database alone in the sweeps between its database runs', async () => {
		await t.relay.redis.del('sweep:database');
		const every = { databaseEveryMs: 60_000 };
		const m = meter();
		try {
			m.start();
			await runSweep(t.relay, every);
			const housekeeping = m.counts.sql;
			await runSweep(t.relay, every);
			await runSweep(t.relay, every);
			expect(housekeeping).toBeGreaterThan(0);
			expect(m.counts.sql).toBe(housekeeping);
		} finally {
			m.stop();
		}
	});

	it('needs no SQL for an agent whose subscription is elsewhere, and forgets a revoked one', async () => {
		const erin = { id: 4444, firstName: 'Erin', username: 'erin' };
		const paired = await pairAgent(t.relay, t.services, erin, 'elsewhere');
		const client = agentClient(t.url, paired.token);
		const beat = () => client.agent.heartbeat.mutate({ busySessionId: null, version: 'v' });
		await beat();
		t.relay.identities.clear(); // as on another instance
		const m = meter();
		try {
			m.start();
			await beat();
			expect(m.counts.sql).toBe(0);
		} finally {
			m.stop();
		}
		expect(await t.relay.redis.exists(identityKey(paired.agentId))).toBe(1);
		await t.services.agents.remove({ userId: paired.userId }, paired.agentId);
		expect(await t.relay.redis.exists(identityKey(paired.agentId))).toBe(0);
		await expect(beat()).rejects.toThrow(/removed/);
		expect(await t.relay.redis.exists(identityKey(paired.agentId))).toBe(0);
	});

	it('counts an agent whose connection dropped as offline after a short grace, unless it is back', async () => {
		const frank = { id: 4545, firstName: 'Frank', username: 'frank' };
		const paired = await pairAgent(t.relay, t.services, frank, 'dropped');
		const leases = () => t.relay.redis.zcard(`agent:${paired.agentId}:subs`);
		const connect = () => {
			const agent = new ScriptedAgent(agentClient(t.url, paired.token));
			agent.connect();
			return agent;
		};
		const first = connect();
		const second = connect();
		await eventually(async () => (await leases()) === 2, 10_000, 'two subscriptions');
		first.disconnect(); // the other one is still live: nothing changes
		await eventually(async () => (await leases()) === 1, 10_000, 'one released');
		/** The agent's status after a sweep just past the grace. */
		const statusAfterGrace = async () => {
			t.advance(DISCONNECT_GRACE_MS + 1_000);
			try {
				await runSweep(t.relay);
				return (await t.relay.db.select().from(agents).where(eq(agents.id, paired.agentId)))[0]
					?.status;
			} finally {
				t.advance(-(DISCONNECT_GRACE_MS + 1_000));
			}
		};
		expect(await statusAfterGrace()).toBe('online');
		second.disconnect(); // killed: no goodbye
		await eventually(async () => (await leases()) === 0, 10_000, 'the last released');
		expect(await statusAfterGrace()).toBe('offline');
		expect(t.telegram.messages(frank.id).at(-1)?.visible).toMatch(
			/Your agent "dropped" went offline/
		);
	});

	it('forgets what it knew of an agent that was renamed, in Redis and in memory', async () => {
		const gina = { id: 4646, firstName: 'Gina', username: 'gina' };
		const paired = await pairAgent(t.relay, t.services, gina, 'old-name');
		const agent = new ScriptedAgent(agentClient(t.url, paired.token));
		agent.connect();
		try {
			await online(paired.userId);
			const who = () => t.services.authenticateAgent(paired.token);
			expect((await who()).name).toBe('old-name');
			expect(await t.relay.redis.exists(identityKey(paired.agentId))).toBe(1);
			await t.services.agents.rename({ userId: paired.userId }, paired.agentId, 'new-name');
			expect(await t.relay.redis.exists(identityKey(paired.agentId))).toBe(0);
			// The process's own copy goes when the rename is heard on the agent's channel.
			await eventually(async () => (await who()).name === 'new-name', 10_000, 'the new name');
		} finally {
			agent.disconnect();
		}
	});
});
