/**
 * Benchmark (not a test): the REST server + @upstash/redis against ioredis straight to the
 * same redis-server, measured side by side in one run. Loopback only, bounded loops.
 *
 *   cd web && pnpm bench        (or: npx tsx tools/upstash-rest/bench.ts)
 *
 * The REST server runs as its own process (the CLI), like in real use, so it does not share
 * an event loop with the clients being timed. Absolute numbers depend on the machine; the
 * ratios are the point.
 */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { Redis } from '@upstash/redis';
import { Redis as IORedis } from 'ioredis';
import { startRedisServer } from '../../test/harness/redis.ts';

const ROUNDS = 3; // timed rounds per throughput row; the median is reported
const SEQUENTIAL_OPS = 1000; // SET+GET pairs
const PIPELINES = 100;
const PIPELINE_SIZE = 50;
const CONCURRENT_GETS = 5000;
const PUBSUB_MESSAGES = 500;
const WARMUP = 100;
const TOKEN = 'bench-token';

type Row = { name: string; unit: string; direct: number; rest: number; higherIsBetter: boolean };

async function main(): Promise<void> {
	const redisServer = await startRedisServer();
	const rest = await startCli(redisServer.url);
	const direct = new IORedis(redisServer.url);
	const single = new Redis({
		url: rest.url,
		token: TOKEN,
		enableTelemetry: false,
		enableAutoPipelining: false
	});
	const auto = new Redis({ url: rest.url, token: TOKEN, enableTelemetry: false });
	const rows: Row[] = [];
	try {
		// Both clients expose set/get/pipeline with the same shape; each row runs the same loop on each.
		type Client = Pick<IORedis, 'set' | 'get'> | Pick<Redis, 'set' | 'get'>;
		const sequential = (client: Client) => async () => {
			for (let i = 0; i < SEQUENTIAL_OPS; i++) {
				await client.set(`bench:${i}`, 'value');
				await client.get(`bench:${i}`);
			}
		};
		rows.push(
			await compare(
				`SET+GET, sequential (${SEQUENTIAL_OPS}×2)`,
				SEQUENTIAL_OPS * 2,
				sequential(direct),
				sequential(single)
			)
		);
		rows.push(
			await compare(
				`pipelines (${PIPELINES}×${PIPELINE_SIZE} SET)`,
				PIPELINES * PIPELINE_SIZE,
				async () => {
					for (let p = 0; p < PIPELINES; p++) {
						const pipe = direct.pipeline();
						for (let i = 0; i < PIPELINE_SIZE; i++) pipe.set(`bench:p:${i}`, p);
						await pipe.exec();
					}
				},
				async () => {
					for (let p = 0; p < PIPELINES; p++) {
						const pipe = single.pipeline();
						for (let i = 0; i < PIPELINE_SIZE; i++) pipe.set(`bench:p:${i}`, p);
						await pipe.exec();
					}
				}
			)
		);
		const concurrent = (client: Client) => () =>
			Promise.all(
				Array.from({ length: CONCURRENT_GETS }, (_, i) => client.get(`bench:${i % SEQUENTIAL_OPS}`))
			);
		rows.push(
			await compare(
				`${CONCURRENT_GETS} concurrent GETs (client auto-pipelining)`,
				CONCURRENT_GETS,
				concurrent(direct),
				concurrent(auto)
			)
		);

		const publish = (channel: string, seq: number) => direct.publish(channel, String(seq));
		const baseline = await latencies(
			PUBSUB_MESSAGES,
			await ioredisSubscriber(redisServer.url, 'bench:ps:direct'),
			(s) => publish('bench:ps:direct', s)
		);
		const viaSse = await latencies(
			PUBSUB_MESSAGES,
			await sseSubscriber(auto, 'bench:ps:sse'),
			(s) => publish('bench:ps:sse', s)
		);
		const fullRest = await latencies(
			PUBSUB_MESSAGES,
			await sseSubscriber(auto, 'bench:ps:full'),
			(s) => single.publish('bench:ps:full', String(s))
		);
		for (const [label, q] of [
			['p50', 0.5],
			['p99', 0.99]
		] as const) {
			rows.push({
				name: `pub/sub latency ${label}: ioredis publish → SSE subscriber`,
				unit: 'ms',
				higherIsBetter: false,
				direct: quantile(baseline, q),
				rest: quantile(viaSse, q)
			});
			rows.push({
				name: `pub/sub latency ${label}: REST publish → SSE subscriber`,
				unit: 'ms',
				higherIsBetter: false,
				direct: quantile(baseline, q),
				rest: quantile(fullRest, q)
			});
		}
	} finally {
		direct.disconnect();
		await rest.stop();
		await redisServer.stop();
	}
	print(rows);
}

/**
 * Throughput of the same workload both ways: one warm-up pass each (JIT, connections,
 * keep-alive sockets), then ROUNDS timed passes alternating direct/REST so background noise
 * hits both sides alike; the median round counts.
 */
async function compare(
	name: string,
	ops: number,
	direct: () => Promise<unknown>,
	rest: () => Promise<unknown>
): Promise<Row> {
	await direct();
	await rest();
	const directRates: number[] = [];
	const restRates: number[] = [];
	for (let round = 0; round < ROUNDS; round++) {
		directRates.push(await rate(ops, direct));
		restRates.push(await rate(ops, rest));
	}
	return {
		name,
		unit: 'cmds/s',
		higherIsBetter: true,
		direct: median(directRates),
		rest: median(restRates)
	};
}

async function rate(ops: number, work: () => Promise<unknown>): Promise<number> {
	const start = performance.now();
	await work();
	return ops / ((performance.now() - start) / 1000);
}

function median(values: number[]): number {
	return quantile(
		[...values].sort((a, b) => a - b),
		0.5
	);
}

type Subscriber = { onMessage(handler: (seq: number) => void): void; close(): Promise<void> };

/** Publishes messages one at a time and records publish → receive latency in ms. */
async function latencies(
	count: number,
	subscriber: Subscriber,
	send: (seq: number) => Promise<unknown>
) {
	const waiting = new Map<number, () => void>();
	subscriber.onMessage((seq) => waiting.get(seq)?.());
	const results: number[] = [];
	for (let seq = 0; seq < count + WARMUP; seq++) {
		const received = new Promise<void>((resolve) => waiting.set(seq, resolve));
		const start = performance.now();
		await Promise.all([send(seq), received]);
		if (seq >= WARMUP) results.push(performance.now() - start);
		waiting.delete(seq);
	}
	await subscriber.close();
	return results.sort((a, b) => a - b);
}

async function ioredisSubscriber(url: string, channel: string): Promise<Subscriber> {
	const connection = new IORedis(url);
	await connection.subscribe(channel);
	return {
		onMessage: (handler) =>
			connection.on('message', (_channel: string, message: string) => handler(Number(message))),
		close: async () => void connection.disconnect()
	};
}

async function sseSubscriber(redis: Redis, channel: string): Promise<Subscriber> {
	const sub = redis.subscribe<number>(channel);
	await new Promise<void>((resolve) => sub.on('subscribe', () => resolve()));
	return {
		onMessage: (handler) => sub.on('message', ({ message }) => handler(Number(message))),
		close: () => sub.unsubscribe()
	};
}

function quantile(sorted: number[], q: number): number {
	return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? Number.NaN;
}

/** The REST server as a child process via the CLI, on a free port. */
async function startCli(redisUrl: string): Promise<{ url: string; stop(): Promise<void> }> {
	const cli = fileURLToPath(new URL('./cli.ts', import.meta.url));
	const child = spawn(
		process.execPath,
		['--import', 'tsx', cli, '--redis-url', redisUrl, '--port', '0'],
		{
			env: { ...process.env, UPSTASH_REDIS_REST_TOKEN: TOKEN },
			stdio: ['ignore', 'pipe', 'inherit']
		}
	);
	const url = await new Promise<string>((resolve, reject) => {
		let output = '';
		child.stdout.on('data', (chunk) => {
			output += chunk;
			const match = /listening on (http:\/\/\S+)/.exec(output);
			if (match) resolve(match[1]!);
		});
		child.once('exit', (code) => reject(new Error(`REST server exited with ${code}`)));
	});
	return {
		url,
		stop: () =>
			new Promise((resolve) => {
				child.once('exit', () => resolve());
				child.kill('SIGTERM');
			})
	};
}

function print(rows: Row[]): void {
	const format = (n: number, unit: string) =>
		unit === 'ms' ? n.toFixed(2) : Math.round(n).toLocaleString('en-US');
	console.log(
		`\nupstash-rest benchmark — node ${process.version}, loopback, REST server in its own process\n`
	);
	console.log(
		'| benchmark | unit | ioredis direct | REST + @upstash/redis | REST cost (× direct) |'
	);
	console.log('|---|---|---:|---:|---:|');
	for (const row of rows) {
		// One direction for every row, >1 = REST is worse: throughput direct/REST, latency REST/direct.
		const ratio = row.higherIsBetter ? row.direct / row.rest : row.rest / row.direct;
		const cells = [
			row.name,
			row.unit,
			format(row.direct, row.unit),
			format(row.rest, row.unit),
			`${ratio.toFixed(1)}×`
		];
		console.log(`| ${cells.join(' | ')} |`);
	}
}

main().catch((error: unknown) => {
	console.error(`error: ${error instanceof Error ? error.message : String(error)}`);
	process.exit(1);
});
