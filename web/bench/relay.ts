/**
 * Benchmark (not a test): the whole relay, built from real parts by the integration-test harness
 * (redis-server, the Upstash-compatible REST/SSE server, PGlite, the Telegram Bot API stand-in,
 * the relay's tRPC and webhook handlers over HTTP), against raw Redis on the same machine, the
 * same redis-server and the same run. Loopback only, bounded loops; absolute numbers depend on
 * the machine, the ratios are the point. What every number means: bench/README.md.
 *
 *   cd web && pnpm bench:relay        (or: npx tsx bench/relay.ts)
 */
import { availableParallelism, cpus, loadavg } from 'node:os';
import { performance as nodePerformance } from 'node:perf_hooks';
import { Redis } from '@upstash/redis';
import { Redis as IORedis } from 'ioredis';
import { deriveWebhookSecret, SECRET_HEADER } from '../src/lib/server/telegram/webhook-secret.ts';
import { startTestRelay, TEST_WEBHOOK_SECRET, type TestRelay } from '../test/harness/relay.ts';
import { ALICE, pairAgent, textUpdate, type Person } from '../test/harness/accounts.ts';
import {
	agentClient,
	eventually,
	ScriptedAgent,
	type Received
} from '../test/harness/scripted-agent.ts';
import {
	finish,
	median,
	online,
	person,
	productionPolling,
	quantile,
	restCommand,
	runCleanups,
	sqlSummary,
	STEP_TIMEOUT_MS,
	within,
	abortAfter,
	connectedAgent
} from './support.ts';
import { rps, startLoadWorker, type LoadResult } from './load.ts';
import { processUpdate } from '../src/lib/server/telegram/gateway.ts';

const LATENCY_SAMPLES = 200; // per measured path, interleaved in LATENCY_CHUNKS chunks
const LATENCY_CHUNKS = 4;
const LATENCY_WARMUP = 30;
const CONCURRENCY = 8; // parallel request lanes; on the prompt path each lane is its own user + agent
const ROUNDS = 3; // timed rounds per throughput row, alternating paths; the median counts
const REQUESTS = { prompt: 400, direct: 400, unauthorised: 800, unauthenticated: 2000 }; // per round, at most
const ROUND_MAX_MS = 12_000; // a round also ends after this long (a slow machine stays in budget)
const TRACES = 21; // single prompts traced for the "where the time goes" summary
const DEADLINE_MS = 170_000; // the whole run, including start-up and clean-up

type Sample = () => Promise<number>;

async function main(): Promise<void> {
	const started = performance.now();
	const loadBefore = loadavg()[0]!;
	const t = await startTestRelay({ TELEGRAM_RATE_PER_MINUTE: '1000000' });
	const cleanups: (() => unknown)[] = [() => t.stop()];
	const stopDeadline = abortAfter(DEADLINE_MS, cleanups);
	try {
		const restUrl = t.relay.config.UPSTASH_REDIS_REST_URL!;
		const restToken = t.relay.config.UPSTASH_REDIS_REST_TOKEN!;
		// The redis-server behind the REST server: the baseline runs on the very same one.
		const redisUrl = t.redisUrl;
		productionPolling(t);

		// ── Latency: webhook received → agent has the command, one prompt at a time ──────────
		const alice = await pairAgent(t.relay, t.services, ALICE, 'bench-latency');
		const relayProbe = await promptProbe(t, alice, cleanups);
		const ioredisProbe = await ioredisPubSubProbe(redisUrl, cleanups);
		const restProbe = await upstashPubSubProbe(restUrl, restToken, cleanups);
		const probes = { relay: relayProbe.sample, ioredis: ioredisProbe, rest: restProbe };
		for (let i = 0; i < LATENCY_WARMUP; i++)
			for (const probe of Object.values(probes)) await probe();
		const latency = { relay: [] as number[], ioredis: [] as number[], rest: [] as number[] };
		const perChunk = Math.ceil(LATENCY_SAMPLES / LATENCY_CHUNKS);
		for (let chunk = 0; chunk < LATENCY_CHUNKS; chunk++) {
			for (const [name, probe] of Object.entries(probes) as [keyof typeof latency, Sample][]) {
				for (let i = 0; i < perChunk && latency[name].length < LATENCY_SAMPLES; i++) {
					latency[name].push(await probe());
				}
			}
		}
		const idleReplies = relayProbe.idleReplies();
		relayProbe.agent.disconnect();

		// ── Throughput: webhook requests/second at fixed concurrency ─────────────────────────
		const load = startLoadWorker();
		cleanups.push(() => load.stop());
		const webhookUrl = `${t.url}/api/telegram`;
		const goodHeaders = {
			'content-type': 'application/json',
			[SECRET_HEADER]: deriveWebhookSecret(TEST_WEBHOOK_SECRET)
		};
		const lanes = await promptLanes(t, cleanups);
		const strangers = Array.from({ length: CONCURRENCY }, (_, i) => person(9000 + i, 'stranger'));
		const lanesOf = (people: Person[], total: number, label: string) =>
			people.map((p) =>
				Array.from({ length: Math.ceil(total / people.length) }, (_, k) =>
					JSON.stringify(textUpdate(p, `${label} ${k}`))
				)
			);
		const paths = {
			prompt: async (total: number, maxMs: number) => {
				const before = lanes.delivered();
				const result = await load.run(
					maxMs,
					webhookUrl,
					goodHeaders,
					lanesOf(lanes.people, total, 'load')
				);
				// Every accepted prompt must reach its agent (outside the timed part).
				const sent = result.statuses[200] ?? 0;
				await eventually(() => lanes.delivered() - before >= sent, STEP_TIMEOUT_MS, 'delivery');
				return result;
			},
			// The same prompts handed to the gateway in-process: no HTTP, no SvelteKit in front.
			direct: async (total: number, maxMs: number) => {
				const before = lanes.delivered();
				const result = await directRun(t, maxMs, lanesOf(lanes.people, total, 'direct'));
				const sent = result.statuses[200] ?? 0;
				await eventually(() => lanes.delivered() - before >= sent, STEP_TIMEOUT_MS, 'delivery');
				return result;
			},
			unauthorised: (total: number, maxMs: number) =>
				load.run(maxMs, webhookUrl, goodHeaders, lanesOf(strangers, total, 'hello')),
			unauthenticated: (total: number, maxMs: number) =>
				load.run(
					maxMs,
					webhookUrl,
					{ 'content-type': 'application/json', [SECRET_HEADER]: 'wrong-secret' },
					lanesOf(strangers, total, 'hello')
				)
		};
		const expected = { prompt: 200, direct: 200, unauthorised: 200, unauthenticated: 401 };
		// How busy the main thread (relay, stand-ins, PGlite, agents) was during each prompt round.
		const busy = { prompt: [] as number[], direct: [] as number[] };
		const rates = {
			prompt: [] as number[],
			direct: [] as number[],
			unauthorised: [] as number[],
			unauthenticated: [] as number[]
		};
		for (let round = -1; round < ROUNDS; round++) {
			for (const name of Object.keys(paths) as (keyof typeof paths)[]) {
				// Round -1 is the warm-up: a quarter of the requests and time, not counted.
				const share = round < 0 ? 4 : 1;
				const elu = nodePerformance.eventLoopUtilization();
				const result = await paths[name](REQUESTS[name] / share, ROUND_MAX_MS / share);
				const utilisation = nodePerformance.eventLoopUtilization(elu).utilization;
				if (round >= 0 && (name === 'prompt' || name === 'direct')) busy[name].push(utilisation);
				const wrong = Object.entries(result.statuses).filter(([s]) => Number(s) !== expected[name]);
				if (wrong.length > 0) {
					throw new Error(`${name}: unexpected statuses ${JSON.stringify(result.statuses)}`);
				}
				if (round >= 0) rates[name].push(result.requests / (result.elapsedMs / 1000));
			}
		}
		const promptReplies = lanes.replies();

		// ── Where the time goes: a few single prompts, every REST call / SQL / Bot API call timed ─
		lanes.disconnect();
		const trace = await tracePrompts(t, alice, ALICE, restUrl);

		const rows: Row[] = [];
		for (const [label, q] of [
			['p50', 0.5],
			['p99', 0.99]
		] as const) {
			const relay = quantile(latency.relay, q);
			rows.push({
				metric: `webhook received → agent has command, ${label}`,
				value: ms(relay),
				baseline: `${ms(quantile(latency.ioredis, q))} (ioredis PUBLISH → ioredis subscriber)`,
				ratio: relay / quantile(latency.ioredis, q)
			});
			rows.push({
				metric: `webhook received → agent has command, ${label}`,
				value: ms(relay),
				baseline: `${ms(quantile(latency.rest, q))} (@upstash/redis publish → subscribe via REST/SSE)`,
				ratio: relay / quantile(latency.rest, q)
			});
		}
		const prompt = median(rates.prompt);
		rows.push({
			metric: `webhook req/s, authorised prompt (concurrency ${CONCURRENCY})`,
			value: rps(prompt),
			baseline: `${rps(median(rates.unauthorised))} (unauthorised update, stops at the gate)`,
			ratio: prompt / median(rates.unauthorised)
		});
		rows.push({
			metric: `webhook req/s, authorised prompt (concurrency ${CONCURRENCY})`,
			value: rps(prompt),
			baseline: `${rps(median(rates.unauthenticated))} (wrong secret → 401)`,
			ratio: prompt / median(rates.unauthenticated)
		});
		rows.push({
			metric: `authorised prompts/s handed to the gateway in-process (concurrency ${CONCURRENCY})`,
			value: rps(median(rates.direct)),
			baseline: `${rps(prompt)} (through the webhook over HTTP)`,
			ratio: median(rates.direct) / prompt
		});
		rows.push({
			metric: `webhook req/s, unauthorised update (concurrency ${CONCURRENCY})`,
			value: rps(median(rates.unauthorised)),
			baseline: `${rps(median(rates.unauthenticated))} (wrong secret → 401)`,
			ratio: median(rates.unauthorised) / median(rates.unauthenticated)
		});

		printTable(rows);
		console.log(
			`\nmachine: ${availableParallelism()} cores (${cpus()[0]?.model.trim() ?? 'unknown cpu'}), node ${process.version}; ` +
				`${LATENCY_SAMPLES} latency samples per path after ${LATENCY_WARMUP} warm-up, interleaved; ` +
				`throughput = median of ${ROUNDS} rounds (${REQUESTS.prompt} / ${REQUESTS.unauthorised} / ${REQUESTS.unauthenticated} requests or ${ROUND_MAX_MS / 1000} s), ` +
				`load generator in a worker thread; relay, REST server, PGlite and fake Telegram share one process; ` +
				`load average ${loadBefore.toFixed(1)} at start, ${loadavg()[0]!.toFixed(1)} at end.`
		);
		console.log(
			`replies: latency prompts ${idleReplies.idle}/${idleReplies.total} "working…" (idle agent); ` +
				`load prompts ${promptReplies.idle} "working…", ${promptReplies.busy} "busy, queued"; ` +
				`latency spread (ms) relay min ${ms(latency.relay.sort((a, b) => a - b)[0]!)} max ${ms(latency.relay.at(-1)!)}`
		);
		const busyMs = (name: keyof typeof busy) => (1000 * median(busy[name])) / median(rates[name]);
		console.log(
			`main thread busy during prompt rounds: ${pct(median(busy.prompt))} over HTTP (${busyMs('prompt').toFixed(1)} ms a prompt), ` +
				`${pct(median(busy.direct))} handed in-process (${busyMs('direct').toFixed(1)} ms a prompt); ` +
				`a thread busy near 100 % is the limit: relay, REST server, PGlite, fake Telegram and the agents' side all run on it.`
		);
		printTrace(trace);
		console.log(`\ntotal run time ${((performance.now() - started) / 1000).toFixed(1)} s`);
	} finally {
		stopDeadline();
		await runCleanups(cleanups);
	}
}

// ─── Latency probes: each call measures one message, start → received, in ms ────────────────

/** One prompt through the relay: t0 just before the webhook POST, t1 in the agent's onData. */
async function promptProbe(
	t: TestRelay,
	account: Awaited<ReturnType<typeof pairAgent>>,
	cleanups: (() => unknown)[]
) {
	const { agent, waiting } = await connectedAgent(t, account, cleanups);
	let seq = 0;
	const sample: Sample = async () => {
		const text = `latency probe ${seq++}`;
		const received = new Promise<Received>((resolve) => waiting.set(text, resolve));
		const t0 = performance.now();
		const response = t.postUpdate(textUpdate(ALICE, text));
		const got = await within(received, 'prompt delivery');
		const t1 = got.at;
		const status = (await response).status;
		waiting.delete(text);
		if (status !== 200) throw new Error(`webhook answered ${status}`);
		// Untimed: end the session so the next prompt finds the agent idle again.
		await finish(t, got);
		return t1 - t0;
	};
	return {
		agent,
		sample,
		idleReplies: () => {
			const all = t.telegram.messages(ALICE.id);
			return { idle: all.filter((m) => m.visible.includes('working…')).length, total: seq };
		}
	};
}

async function ioredisPubSubProbe(redisUrl: string, cleanups: (() => unknown)[]): Promise<Sample> {
	const publisher = new IORedis(redisUrl);
	const subscriber = new IORedis(redisUrl);
	cleanups.push(
		() => publisher.disconnect(),
		() => subscriber.disconnect()
	);
	const channel = 'bench:baseline:ioredis';
	await subscriber.subscribe(channel);
	const waiting = new Map<string, (at: number) => void>();
	subscriber.on('message', (_channel: string, message: string) =>
		waiting.get(message)?.(performance.now())
	);
	let seq = 0;
	return async () => {
		const message = String(seq++);
		const received = new Promise<number>((resolve) => waiting.set(message, resolve));
		const t0 = performance.now();
		await publisher.publish(channel, message);
		const t1 = await within(received, 'ioredis message');
		waiting.delete(message);
		return t1 - t0;
	};
}

async function upstashPubSubProbe(
	url: string,
	token: string,
	cleanups: (() => unknown)[]
): Promise<Sample> {
	const publisher = new Redis({ url, token, enableTelemetry: false, enableAutoPipelining: false });
	const reader = new Redis({ url, token, enableTelemetry: false });
	const channel = 'bench:baseline:rest';
	const subscription = reader.subscribe<string>(channel);
	cleanups.push(() => subscription.unsubscribe());
	await within(
		new Promise<void>((resolve) => subscription.on('subscribe', () => resolve())),
		'REST subscribe'
	);
	const waiting = new Map<string, (at: number) => void>();
	subscription.on('message', ({ message }) => waiting.get(String(message))?.(performance.now()));
	let seq = 0;
	return async () => {
		// Not a bare number: @upstash/redis would parse it back as one; the map keys are strings anyway.
		const message = `m${seq++}`;
		const received = new Promise<number>((resolve) => waiting.set(message, resolve));
		const t0 = performance.now();
		await publisher.publish(channel, message);
		const t1 = await within(received, 'REST/SSE message');
		waiting.delete(message);
		return t1 - t0;
	};
}

const pct = (fraction: number) => `${(100 * fraction).toFixed(0)} %`;

/**
 * The load generator's lanes, but handed to `processUpdate` in this process (what the webhook
 * route calls after reading the body): the prompt path's cost without the HTTP server in front.
 */
async function directRun(t: TestRelay, maxMs: number, lanes: string[][]): Promise<LoadResult> {
	const statuses: Record<number, number> = {};
	let requests = 0;
	const start = performance.now();
	const stopAt = start + maxMs;
	await Promise.all(
		lanes.map(async (bodies) => {
			for (const body of bodies) {
				if (performance.now() >= stopAt) break;
				const outcome = await processUpdate(t.bot.deps, t.bot.bot, JSON.parse(body));
				const status = outcome === 'handled' ? 200 : 500;
				statuses[status] = (statuses[status] ?? 0) + 1;
				requests++;
			}
		})
	);
	return { requests, elapsedMs: performance.now() - start, statuses };
}

// ─── Throughput ───────────────────────────────────────────────────────────────────────────

/**
 * CONCURRENCY users, each with their own account and paired agent (connected), so parallel
 * prompts do not queue behind each other. Each agent ends a session as soon as it receives its
 * command — the real agent would report start/finish; this keeps every agent idle between its
 * user's prompts, which is the common case the prompt path is built for.
 */
async function promptLanes(t: TestRelay, cleanups: (() => unknown)[]) {
	const people = Array.from({ length: CONCURRENCY }, (_, i) => person(3000 + i, 'user'));
	const agents: ScriptedAgent[] = [];
	let delivered = 0;
	for (const p of people) {
		const account = await pairAgent(t.relay, t.services, p, `bench-${p.id}`);
		const agent = new ScriptedAgent(agentClient(t.url, account.token), {
			onCommand: (received) => {
				if (received.command.type !== 'prompt') return;
				void finish(t, received).then(() => delivered++);
			}
		});
		agent.connect();
		agents.push(agent);
		cleanups.push(() => agent.disconnect());
		await online(t, account.userId);
	}
	return {
		people,
		disconnect: () => agents.forEach((agent) => agent.disconnect()),
		delivered: () => delivered,
		replies: () => {
			const all = people.flatMap((p) => t.telegram.messages(p.id).map((m) => m.visible));
			return {
				idle: all.filter((text) => text.includes('working…')).length,
				busy: all.filter((text) => text.includes('is busy')).length
			};
		}
	};
}

// ─── Trace: where the time of one prompt goes ──────────────────────────────────────────────

interface Span {
	start: number;
	end: number;
	what: string;
	kind: 'rest' | 'sql' | 'bot' | 'agent';
}

/**
 * Times every REST call (global fetch, which @upstash/redis uses), every SQL statement (the
 * PGlite client) and every Bot API call (a grammY transformer) during single prompts, relative
 * to t0 = just before the webhook POST. Returns the spans of the median prompt and per-kind
 * medians over all traced prompts.
 */
async function tracePrompts(
	t: TestRelay,
	account: Awaited<ReturnType<typeof pairAgent>>,
	from: Person,
	restUrl: string
) {
	let spans: Span[] | null = null;
	const record = async <T>(kind: Span['kind'], what: string, run: () => Promise<T>): Promise<T> => {
		const list = spans;
		const start = performance.now();
		try {
			return await run();
		} finally {
			list?.push({ start, end: performance.now(), what, kind });
		}
	};
	const originalFetch = globalThis.fetch;
	globalThis.fetch = (input, init) => {
		const url = String(input instanceof Request ? input.url : input);
		if (!spans || !url.startsWith(restUrl)) return originalFetch(input, init);
		return record('rest', restCommand(url.slice(restUrl.length), init?.body), () =>
			originalFetch(input, init)
		);
	};
	const pglite = t.relay.database.client as unknown as {
		query: (...args: unknown[]) => Promise<unknown>;
	};
	const originalQuery = pglite.query;
	pglite.query = function (this: unknown, ...args: unknown[]) {
		if (!spans) return originalQuery.apply(this, args);
		return record('sql', sqlSummary(String(args[0])), () => originalQuery.apply(this, args));
	};
	t.bot.bot.api.config.use((prev, method, payload, signal) =>
		spans
			? record('bot', method, () => prev(method, payload, signal))
			: prev(method, payload, signal)
	);
	const probes: { spans: Span[]; delivered: number; answered: number }[] = [];
	try {
		let deliver: ((received: Received) => void) | null = null;
		const agent = new ScriptedAgent(agentClient(t.url, account.token), {
			onCommand: (received) => {
				if (received.command.type === 'prompt') deliver?.(received);
			}
		});
		agent.connect();
		try {
			await online(t, account.userId);
			for (let i = 0; i < TRACES + 3; i++) {
				const delivered = new Promise<Received>((resolve) => (deliver = resolve));
				const list: Span[] = [];
				spans = list;
				const t0 = performance.now();
				const response = await t.postUpdate(textUpdate(from, `trace ${i}`));
				const answered = performance.now();
				const got = await within(delivered, 'traced prompt');
				// Let the ack (agent → relay → XDEL) land inside the trace too.
				await new Promise((resolve) => setTimeout(resolve, 20));
				spans = null;
				if (response.status !== 200) throw new Error(`webhook answered ${response.status}`);
				await finish(t, got);
				if (i < 3) continue; // warm-up for the wrappers
				for (const span of list) {
					span.start -= t0;
					span.end -= t0;
				}
				probes.push({ spans: list, delivered: got.at - t0, answered: answered - t0 });
			}
		} finally {
			agent.disconnect();
		}
	} finally {
		spans = null;
		globalThis.fetch = originalFetch;
		pglite.query = originalQuery;
	}
	probes.sort((a, b) => a.delivered - b.delivered);
	const summary = (kind: Span['kind']) => {
		const counts = probes.map((p) => p.spans.filter((s) => s.kind === kind).length);
		const busy = probes.map((p) =>
			p.spans.filter((s) => s.kind === kind).reduce((sum, s) => sum + (s.end - s.start), 0)
		);
		return { count: median(counts), ms: median(busy) };
	};
	return {
		typical: probes[Math.floor(probes.length / 2)]!,
		delivered: median(probes.map((p) => p.delivered)),
		answered: median(probes.map((p) => p.answered)),
		rest: summary('rest'),
		sql: summary('sql'),
		bot: summary('bot'),
		count: probes.length
	};
}

const ms = (n: number) => `${n.toFixed(2)} ms`;

interface Row {
	metric: string;
	value: string;
	baseline: string;
	/** value / baseline */
	ratio: number;
}

function printTable(rows: Row[]): void {
	console.log('\nrelay benchmark — whole relay from real parts vs raw Redis, one run\n');
	console.log('| metric | value | baseline | ratio (value / baseline) |');
	console.log('|---|---:|---|---:|');
	for (const row of rows) {
		console.log(`| ${row.metric} | ${row.value} | ${row.baseline} | ${row.ratio.toFixed(2)}× |`);
	}
}

function printTrace(trace: Awaited<ReturnType<typeof tracePrompts>>): void {
	const f = (n: number) => n.toFixed(1);
	console.log(
		`\nwhere the time goes (median of ${trace.count} traced single prompts; "busy" = summed call time, calls overlap little):`
	);
	console.log(
		`  agent has command at ${f(trace.delivered)} ms, webhook answered at ${f(trace.answered)} ms; ` +
			`REST calls ${trace.rest.count} (${f(trace.rest.ms)} ms busy), SQL statements ${trace.sql.count} ` +
			`(${f(trace.sql.ms)} ms), Bot API calls ${trace.bot.count} (${f(trace.bot.ms)} ms)`
	);
	console.log(`  trace of the median prompt (ms from t0 = before the webhook POST):`);
	const typical = trace.typical;
	const marks: Span[] = [
		...typical.spans,
		{
			start: typical.delivered,
			end: typical.delivered,
			what: 'agent onData: has the command',
			kind: 'agent' as const
		},
		{
			start: typical.answered,
			end: typical.answered,
			what: 'webhook response received',
			kind: 'agent' as const
		}
	].sort((a, b) => a.start - b.start);
	for (const span of marks) {
		const duration = span.end > span.start ? ` (${f(span.end - span.start)})` : '';
		console.log(
			`    ${f(span.start).padStart(6)}${duration.padEnd(9)} ${span.kind.padEnd(5)} ${span.what}`
		);
	}
}

main().catch((error: unknown) => {
	console.error(
		`error: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`
	);
	process.exit(1);
});
