/**
 * Benchmark (a script, not a test): what idle agents cost the relay. A relay from real parts
 * (`test/harness/relay.ts`: redis-server behind the Upstash-compatible REST server, PGlite) in
 * this process; 1, 100 and 1,000 paired agents connected from a child process
 * (`bench/idle-agents.ts`), each holding its command subscription and heartbeating. Counted in
 * this process while nothing else happens: Redis commands the relay sends (each command of a
 * pipeline counts, as Upstash bills them; a script is one), REST requests, SQL statements; and
 * from redis-server's own statistics, the commands it executed (scripts' inner commands too).
 *
 * Time is scaled so an hour does not take an hour: the heartbeat interval and the subscriptions'
 * periodic check are divided by `scale`, and counts are reported per agent per *scaled* hour.
 * Both costs are per event (one heartbeat, one check), so the scaling changes nothing but the
 * wait. The relay's memory per connected agent is its RSS and V8 heap with N agents connected
 * minus with none, after a forced GC, divided by N.
 *
 *   cd web && pnpm bench:idle
 */
import { spawn } from 'node:child_process';
import { availableParallelism, cpus, loadavg } from 'node:os';
import { HEARTBEAT_INTERVAL_MS } from '@remoteagent/shared';
import { Redis as IORedis } from 'ioredis';
import { startTestRelay, type TestRelay } from '../test/harness/relay.ts';
import { signInWithTelegram } from '../src/lib/server/accounts/accounts.ts';
import { insertAgent } from '../test/harness/db.ts';
import { signAgentToken } from '../src/lib/server/auth/agent-token.ts';
import { runCleanups, within } from './support.ts';

/** The relay's default periodic check of a subscription (CommandQueue). */
const CHECK_MS = 15 * 60_000;
const RUNS = [
	{ agents: 1, scale: 60, checks: 4 },
	{ agents: 100, scale: 60, checks: 4 },
	{ agents: 1000, scale: 12, checks: 2 }
];
const DEADLINE_MS = 15 * 60_000;

interface Counts {
	redis: number;
	rest: number;
	sql: number;
}

async function main(): Promise<void> {
	const gc = (globalThis as { gc?: () => void }).gc;
	if (!gc) throw new Error('run with node --expose-gc (pnpm bench:idle does)');
	const deadline = setTimeout(() => {
		console.error('idle benchmark: deadline passed, aborting');
		process.exit(2);
	}, DEADLINE_MS);
	deadline.unref();
	console.log(
		`machine: ${availableParallelism()} cores (${cpus()[0]?.model ?? '?'}), load ${loadavg()
			.map((l) => l.toFixed(2))
			.join(' ')}`
	);
	const cleanups: (() => unknown)[] = [];
	try {
		const rows = [];
		for (const run of RUNS) rows.push(await measure(run, cleanups));
		console.log(
			`\nload at end ${loadavg()
				.map((l) => l.toFixed(2))
				.join(' ')}`
		);
		console.log(
			'\n| idle agents | Redis commands / agent·h | REST requests / agent·h | SQL / agent·h | redis-server commands / agent·h | relay RSS / agent | V8 heap / agent |'
		);
		console.log('| --: | --: | --: | --: | --: | --: | --: |');
		for (const r of rows) {
			console.log(
				`| ${r.agents.toLocaleString('en-US')} | ${r.redis.toFixed(1)} | ${r.rest.toFixed(1)} | ${r.sql.toFixed(2)} | ${r.server.toFixed(1)} | ${perAgentMemory(r.agents, r.rssPerAgent)} | ${perAgentMemory(r.agents, r.heapPerAgent)} |`
			);
		}
		console.log(
			`\nper agent-hour at the real intervals: heartbeat every ${HEARTBEAT_INTERVAL_MS / 1000} s, ` +
				`periodic check every ${CHECK_MS / 60_000} min. The relay keeps one shared subscriber ` +
				`(one REST SSE stream) whatever the number of agents: ${rows.map((r) => `${r.agents} → ${r.streams}`).join(', ')}.`
		);
	} finally {
		await runCleanups(cleanups);
	}
}

async function measure(
	run: { agents: number; scale: number; checks: number },
	cleanups: (() => unknown)[]
) {
	const gc = (globalThis as { gc?: () => void }).gc!;
	const t = await startTestRelay();
	const local: (() => unknown)[] = [() => t.stop()];
	cleanups.push(...local);
	try {
		const checkMs = CHECK_MS / run.scale;
		const heartbeatMs = HEARTBEAT_INTERVAL_MS / run.scale;
		(t.relay.queue as unknown as { pollMs: number }).pollMs = checkMs;
		const tokens = await pairMany(t, run.agents);
		await sleep(1_000);
		gc();
		gc();
		const before = process.memoryUsage();

		const child = spawn(
			process.execPath,
			[
				'--import',
				'tsx',
				new URL('./idle-agents.ts', import.meta.url).pathname,
				t.url,
				String(heartbeatMs)
			],
			{ stdio: ['pipe', 'inherit', 'inherit'] }
		);
		const exited = new Promise((resolve) => child.once('exit', resolve));
		cleanups.push(() => {
			child.kill('SIGTERM');
			return exited;
		});
		child.stdin.end(tokens.join('\n'));
		await within(
			(async () => {
				while (t.relay.channels.size < run.agents) await sleep(200);
			})(),
			`${run.agents} subscriptions`,
			120_000
		);
		// Every agent's first heartbeat after connecting updates the database (a change): let
		// them all pass before counting.
		await sleep(heartbeatMs * 1.2);

		const counter = meter(t);
		const server = new IORedis(t.redisUrl);
		const executed = async () => totalCalls(String(await server.info('commandstats')));
		const serverBefore = await executed();
		const windowMs = checkMs * run.checks;
		counter.start();
		await sleep(windowMs);
		const counts = counter.stop();
		const serverCalls = (await executed()) - serverBefore - 1; // the INFO itself
		server.disconnect();

		gc();
		const after = process.memoryUsage();
		const perAgentHour = (n: number) => (n / run.agents) * (3_600_000 / (windowMs * run.scale));
		const row = {
			agents: run.agents,
			redis: perAgentHour(counts.redis),
			rest: perAgentHour(counts.rest),
			sql: perAgentHour(counts.sql),
			server: perAgentHour(serverCalls),
			rssPerAgent: (after.rss - before.rss) / run.agents,
			heapPerAgent: (after.heapUsed - before.heapUsed) / run.agents,
			streams: t.relay.channels.opened
		};
		console.log(
			`${run.agents} idle agents, time ×${run.scale}, ${(windowMs / 1000).toFixed(0)} s counted ` +
				`(= ${((windowMs * run.scale) / 60_000).toFixed(0)} min): ${counts.redis} Redis commands, ` +
				`${counts.rest} REST requests, ${counts.sql} SQL statements, ${serverCalls} executed by redis-server; ` +
				`relay RSS ${mib(before.rss)} → ${mib(after.rss)}, heap ${mib(before.heapUsed)} → ${mib(after.heapUsed)}`
		);
		child.kill('SIGTERM');
		await exited;
		return row;
	} finally {
		await runCleanups(local);
		cleanups.splice(cleanups.indexOf(local[0]!), 1);
	}
}

/**
 * `run.agents` agents of one account, each with its token. Pairing codes are rate limited
 * (60 a minute for the whole service), so the rows are written directly, as pairing would.
 */
async function pairMany(t: TestRelay, n: number): Promise<string[]> {
	const owner = await signInWithTelegram(t.relay, {
		id: 500_000 + n,
		firstName: `idle${n}`,
		username: `idle${n}`
	});
	const tokens: string[] = [];
	for (let i = 0; i < n; i++) {
		const agent = await insertAgent(t.relay.db, owner.id, { name: `idle-${i}`, runner: 'custom' });
		tokens.push(
			await signAgentToken(
				{ agentId: agent.id, tokenId: agent.tokenId },
				t.relay.config.AGENT_JWT_SECRET
			)
		);
	}
	return tokens;
}

/** Redis commands (each command of a pipeline), REST requests and SQL statements of the relay. */
function meter(t: TestRelay) {
	const restUrl = t.relay.config.UPSTASH_REDIS_REST_URL;
	const counts: Counts = { redis: 0, rest: 0, sql: 0 };
	const originalFetch = globalThis.fetch;
	globalThis.fetch = (input, init) => {
		const url = String(input instanceof Request ? input.url : input);
		if (url.startsWith(restUrl) && typeof init?.body === 'string') {
			counts.rest++;
			const body = JSON.parse(init.body) as unknown[];
			counts.redis += url.includes('/pipeline') || url.includes('/multi-exec') ? body.length : 1;
		}
		return originalFetch(input, init);
	};
	const pglite = t.relay.database.client as unknown as {
		query: (...args: unknown[]) => Promise<unknown>;
	};
	const originalQuery = pglite.query;
	pglite.query = function (this: unknown, ...args: unknown[]) {
		counts.sql++;
		return originalQuery.apply(this, args);
	};
	return {
		start: () => Object.assign(counts, { redis: 0, rest: 0, sql: 0 }),
		stop: (): Counts => {
			globalThis.fetch = originalFetch;
			pglite.query = originalQuery;
			return { ...counts };
		}
	};
}

/** The sum of `calls=` over redis-server's INFO commandstats. */
function totalCalls(info: string): number {
	let total = 0;
	for (const match of info.matchAll(/calls=(\d+)/g)) total += Number(match[1]);
	return total;
}

/** Memory per agent, where N agents are enough to rise above the process's own noise. */
const perAgentMemory = (agents: number, bytes: number) =>
	agents < 100 ? 'below noise' : kib(bytes);
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const mib = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(1)} MiB`;
const kib = (bytes: number) => `${(bytes / 1024).toFixed(1)} KiB`;

await main();
process.exit(0);
