/**
 * Benchmark (not a test): the relay's latency with production-like network delays. The harness's
 * relay, but the Redis REST server sits behind a proxy adding a round trip time (Upstash's REST
 * API over the network) and the database is a real PostgreSQL reached through the Neon driver's
 * WebSocket path, each message delayed (Neon from a function). Every latency is reported next to
 * its floor: the round trips the traced request waited for × their RTT. What every number means:
 * bench/README.md.
 *
 *   cd web && pnpm bench:latency [--rest-rtt-ms 2] [--sql-rtt-ms 5] [--samples 120]
 */
import { availableParallelism, cpus, loadavg } from 'node:os';
import { parseArgs } from 'node:util';
import { eq, sql } from 'drizzle-orm';
import { sessions } from '../src/lib/server/db/schema/index.ts';
import { pairAgent, textUpdate, type Person } from '../test/harness/accounts.ts';
import { startTestRelay, type TestRelay } from '../test/harness/relay.ts';
import { ScriptedAgent, TEST_INSTANCE, type Received } from '../test/harness/scripted-agent.ts';
import type { RecordedCall } from '../test/harness/telegram-api.ts';
import { criticalPath, restRoundTrip, SqlRoundTrips, type RoundTrip } from './round-trips.ts';
import {
	median,
	person,
	productionPolling,
	quantile,
	runCleanups,
	within,
	abortAfter,
	connectedAgent
} from './support.ts';

const USERS = 12; // chats taking turns, so no sample waits for a chat's 1 s Telegram pace
const PACE_MS = 1_000; // live output: one Telegram call per chat per second (pace.ts, the throttler)
const PACE_MARGIN_MS = 25;
const SETTLE_MS = 20; // before each timed step: the previous step's tail (acks, replies) lands
const SINGLE_SAMPLES = 60; // one REST command / one SQL statement: what a lone round trip costs
const DEADLINE_MS = 170_000;

const { values: flags } = parseArgs({
	options: {
		'rest-rtt-ms': { type: 'string', default: '2' },
		'sql-rtt-ms': { type: 'string', default: '5' },
		samples: { type: 'string', default: '120' }
	}
});
const RTT = { rest: Number(flags['rest-rtt-ms']), sql: Number(flags['sql-rtt-ms']) };
const SAMPLES = Number(flags.samples);
for (const [name, value] of Object.entries({ ...RTT, samples: SAMPLES })) {
	if (!Number.isFinite(value) || value < 0) throw new Error(`--${name}: not a number ≥ 0`);
}

/** One timed event: from t0 (just before the request) to `at` (the event). */
interface Sample {
	t0: number;
	at: number;
}

interface Lane {
	person: Person;
	userId: string;
	agent: ScriptedAgent;
	/** Resolvers of prompts sent to this lane, by prompt text. */
	waiting: Map<string, (received: Received) => void>;
	/** performance.now() when the stand-in last got a live-output call for this chat. */
	lastLiveCall: number;
	/** The session whose first batch went out, waiting for its second (an edit). */
	open: { sessionId: string; marker: string } | null;
}

async function main(): Promise<void> {
	const started = performance.now();
	const loadBefore = loadavg()[0]!;
	const restTrips: RoundTrip[] = [];
	const sqlTrips = new SqlRoundTrips();
	const t = await startTestRelay(
		{ TELEGRAM_RATE_PER_MINUTE: '1000000' },
		{
			redisRttMs: RTT.rest,
			sql: { postgres: true, rttMs: RTT.sql },
			onRestExchange: (exchange) => {
				const trip = restRoundTrip(exchange);
				if (trip) restTrips.push(trip);
			},
			onSqlMessage: (message) => sqlTrips.add(message)
		}
	);
	const cleanups: (() => unknown)[] = [() => t.stop()];
	const stopDeadline = abortAfter(DEADLINE_MS, cleanups);
	try {
		productionPolling(t);
		const single = await singleRoundTrips(t);
		const lanes = await connectLanes(t, cleanups);
		const calls = botCalls(t, lanes, cleanups);

		const prompt: Sample[] = [];
		const firstBatch: Sample[] = [];
		const edit: Sample[] = [];
		let seq = 0;
		// Round -1 warms up (connections, JIT, prepared scripts) and is not counted; nor are the
		// edits of its sessions, the first edits of the run, made in round 0.
		for (let round = -1; edit.length < SAMPLES; round++) {
			const keep = round >= 0;
			const keepEdits = round >= 1;
			// The second batch of last round's sessions: an edit, once the chat's turn is free.
			for (const lane of lanes) {
				if (!lane.open) continue;
				const { sessionId, marker } = lane.open;
				await paceFree(lane);
				await settle();
				const arrived = calls.next(lane, 'editMessageText', marker);
				const t0 = performance.now();
				await lane.agent.client.session.output.mutate({ sessionId, seq: 1, text: ` ${marker}` });
				const at = await within(arrived, 'edit');
				if (keepEdits) edit.push({ t0, at });
				lane.open = null;
				// Untimed: the session ends, so the next prompt finds the agent idle.
				await t.relay.db
					.update(sessions)
					.set({ status: 'done', endedAt: new Date() })
					.where(eq(sessions.id, sessionId));
			}
			// A prompt to each idle agent, which starts the session and sends its first batch.
			for (const lane of lanes) {
				const n = seq++;
				const text = `latency ${n}`;
				await settle();
				const delivered = new Promise<Received>((resolve) => lane.waiting.set(text, resolve));
				const t0 = performance.now();
				const response = await t.postUpdate(textUpdate(lane.person, text));
				const got = await within(delivered, 'prompt delivery');
				lane.waiting.delete(text);
				if (response.status !== 200) throw new Error(`webhook answered ${response.status}`);
				if (keep) prompt.push({ t0, at: got.at });
				if (got.command.type !== 'prompt') throw new Error('not a prompt');
				const sessionId = got.command.sessionId;
				const { run } = await lane.agent.client.session.start.mutate({
					sessionId,
					instance: TEST_INSTANCE
				});
				if (!run) throw new Error('session.start: told not to run');

				const marker = `out-${n}-a`;
				await paceFree(lane);
				await settle();
				const arrived = calls.next(lane, 'sendMessage', marker);
				const t1 = performance.now();
				await lane.agent.client.session.output.mutate({ sessionId, seq: 0, text: marker });
				const at = await within(arrived, 'first output message');
				if (keep) firstBatch.push({ t0: t1, at });
				lane.open = { sessionId, marker: `out-${n}-b` };
			}
		}
		for (const lane of lanes) lane.agent.disconnect();

		const trips = [...restTrips, ...sqlTrips.trips].sort((a, b) => a.start - b.start);
		const paths = [
			{ name: 'webhook received → agent has the command', samples: prompt },
			{ name: 'first output batch → new message (sendMessage)', samples: firstBatch },
			{ name: 'next output batch → edit (editMessageText)', samples: edit }
		].map((path) => analyse(path.name, path.samples.slice(0, SAMPLES), trips));
		printTable(paths, single);
		console.log(
			`\nmachine: ${availableParallelism()} cores (${cpus()[0]?.model.trim() ?? 'unknown cpu'}), node ${process.version}; ` +
				`${SAMPLES} samples per path (${USERS} chats taking turns) after one warm-up round; ` +
				`relay, proxies, REST server and fake Telegram share one process, redis-server and PostgreSQL are their own; ` +
				`load average ${loadBefore.toFixed(1)} at start, ${loadavg()[0]!.toFixed(1)} at end.`
		);
		for (const path of paths) printPath(path);
		console.log(`\ntotal run time ${((performance.now() - started) / 1000).toFixed(1)} s`);
	} finally {
		stopDeadline();
		await runCleanups(cleanups);
	}
}

/** What one round trip costs through the proxies here, alone: the unit of every floor. */
async function singleRoundTrips(t: TestRelay) {
	const time = async (run: () => Promise<unknown>) => {
		const times: number[] = [];
		for (let i = -10; i < SINGLE_SAMPLES; i++) {
			const t0 = performance.now();
			await run();
			if (i >= 0) times.push(performance.now() - t0);
		}
		return median(times);
	};
	return {
		rest: await time(() => t.relay.redis.ping()),
		sql: await time(() => t.relay.db.execute(sql`select 1`))
	};
}

async function connectLanes(t: TestRelay, cleanups: (() => unknown)[]): Promise<Lane[]> {
	const lanes: Lane[] = [];
	for (let i = 0; i < USERS; i++) {
		const p = person(4000 + i, 'latency');
		const account = await pairAgent(t.relay, t.services, p, `latency-${i}`);
		const { agent, waiting } = await connectedAgent(t, account, cleanups);
		lanes.push({
			person: p,
			userId: account.userId,
			agent,
			waiting,
			lastLiveCall: -Infinity,
			open: null
		});
	}
	return lanes;
}

/**
 * The Bot API stand-in's calls as they arrive: `next` resolves with the arrival time of the
 * next `method` call to the lane's chat whose text contains `marker`; every live-output call
 * restarts the chat's pace.
 */
function botCalls(t: TestRelay, lanes: Lane[], cleanups: (() => unknown)[]) {
	const waiting: { lane: Lane; method: string; marker: string; resolve: (at: number) => void }[] =
		[];
	const byChat = new Map(lanes.map((lane) => [String(lane.person.id), lane]));
	const unsubscribe = t.telegram.onCall((call: RecordedCall) => {
		const lane = byChat.get(String(call.payload.chat_id));
		const text = String(call.payload.text ?? '');
		if (!lane) return;
		const i = waiting.findIndex(
			(w) => w.lane === lane && w.method === call.method && text.includes(w.marker)
		);
		if (i === -1) return;
		lane.lastLiveCall = call.receivedAt;
		waiting.splice(i, 1)[0]!.resolve(call.receivedAt);
	});
	cleanups.push(unsubscribe);
	return {
		next: (lane: Lane, method: string, marker: string) =>
			new Promise<number>((resolve) => waiting.push({ lane, method, marker, resolve }))
	};
}

/**
 * Live output takes turns per chat: one Telegram call a second (a Redis key in pace.ts, and
 * grammY's throttler in the process). Waiting is by design, not latency: each timed batch goes
 * out when its chat's turn is free.
 */
async function paceFree(lane: Lane): Promise<void> {
	const wait = lane.lastLiveCall + PACE_MS + PACE_MARGIN_MS - performance.now();
	if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
}

const settle = () => new Promise((resolve) => setTimeout(resolve, SETTLE_MS));

interface PathResult {
	name: string;
	latencies: number[];
	/** The most common critical path: its round trips by kind, and in how many samples it was that. */
	rest: number;
	sql: number;
	/** Every path seen, most common first: `5 REST + 6 SQL (22/36)`. */
	seen: string[];
	floor: number;
	/** Median over samples of latency / that sample's own floor. */
	ownRatio: number;
	/** The median sample of the most common path: its chain relative to its t0. */
	typical: { latency: number; chain: RoundTrip[] };
	/** Samples whose critical path includes a pace wait (PTTL): should be none. */
	paced: number;
}

function analyse(name: string, samples: Sample[], trips: RoundTrip[]): PathResult {
	const results = samples.map(({ t0, at }) => {
		const chain = criticalPath(trips, t0, at);
		const count = (kind: RoundTrip['kind']) => chain.filter((trip) => trip.kind === kind).length;
		return {
			latency: at - t0,
			chain: chain.map((trip) => ({ ...trip, start: trip.start - t0, end: trip.end - t0 })),
			rest: count('rest'),
			sql: count('sql'),
			floor: count('rest') * RTT.rest + count('sql') * RTT.sql
		};
	});
	results.sort((a, b) => a.latency - b.latency);
	// Counted per sample; a round trip run alongside can stand in for a step now and then, so the
	// floor takes the path most samples had.
	const tally = new Map<string, number>();
	for (const r of results)
		tally.set(`${r.rest},${r.sql}`, (tally.get(`${r.rest},${r.sql}`) ?? 0) + 1);
	const ranked = [...tally].sort((a, b) => b[1] - a[1]);
	const seen = ranked.map(([key, n]) => {
		const [r, q] = key.split(',');
		return `${r} REST + ${q} SQL (${n}/${results.length})`;
	});
	const [rest, sqlCount] = ranked[0]![0].split(',').map(Number) as [number, number];
	const usual = results.filter((r) => r.rest === rest && r.sql === sqlCount);
	return {
		name,
		latencies: results.map((r) => r.latency),
		rest,
		sql: sqlCount,
		seen,
		floor: rest * RTT.rest + sqlCount * RTT.sql,
		ownRatio: median(results.map((r) => (r.floor > 0 ? r.latency / r.floor : Number.NaN))),
		typical: usual[Math.floor(usual.length / 2)]!,
		paced: results.filter((r) => r.chain.some((trip) => trip.what === 'PTTL')).length
	};
}

const ms = (n: number) => `${n.toFixed(1)} ms`;
const ratio = (value: number, floor: number) =>
	floor > 0 ? `${(value / floor).toFixed(2)}×` : '—';

function printTable(paths: PathResult[], single: { rest: number; sql: number }): void {
	console.log(
		`\nlatency benchmark — Redis REST RTT ${RTT.rest} ms, SQL RTT ${RTT.sql} ms (Neon WebSocket path to PostgreSQL), one run\n`
	);
	console.log(
		'| path | p50 | p99 | round trips waited for (samples) | floor = most common × RTT | p50 / floor | median of latency / own floor | p50 / (same round trips × a lone one here) |'
	);
	console.log('|---|---:|---:|---|---:|---:|---:|---:|');
	for (const path of paths) {
		const p50 = quantile(path.latencies, 0.5);
		const measured = path.rest * single.rest + path.sql * single.sql;
		console.log(
			`| ${path.name} | ${ms(p50)} | ${ms(quantile(path.latencies, 0.99))} | ` +
				`${path.seen.join(', ')} | ${ms(path.floor)} | ` +
				`${ratio(p50, path.floor)} | ${Number.isNaN(path.ownRatio) ? '—' : `${path.ownRatio.toFixed(2)}×`} | ${ratio(p50, measured)} |`
		);
	}
	console.log(
		`\none round trip alone, p50 of ${SINGLE_SAMPLES}: REST (PING) ${ms(single.rest)} for an RTT of ${RTT.rest} ms, ` +
			`SQL (select 1) ${ms(single.sql)} for an RTT of ${RTT.sql} ms`
	);
	const paced = paths.reduce((sum, path) => sum + path.paced, 0);
	if (paced > 0)
		console.log(`warning: ${paced} samples waited for a chat's pace (PTTL on the path)`);
}

function printPath(path: PathResult): void {
	const f = (n: number) => n.toFixed(1);
	const waiting = path.typical.chain.reduce((sum, trip) => sum + trip.end - trip.start, 0);
	console.log(
		`\n${path.name}: the median sample of that path (${f(path.typical.latency)} ms: ${f(waiting)} ms in ` +
			`these round trips, ${f(path.typical.latency - waiting)} ms elsewhere), ms from t0:`
	);
	for (const trip of path.typical.chain) {
		console.log(
			`  ${f(trip.start).padStart(6)} → ${f(trip.end).padStart(6)}  ${trip.kind.padEnd(4)} ${trip.what}`
		);
	}
}

main().catch((error: unknown) => {
	console.error(
		`error: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`
	);
	process.exit(1);
});
