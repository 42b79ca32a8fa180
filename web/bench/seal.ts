/**
 * Benchmark (not a test): what sealing adds to a message on its way through Redis. One output
 * batch (3,000 characters, the agent's flush size) sealed and opened, against the same batch
 * serialised and parsed without sealing, and against one REST round trip (SET + GET through the
 * Upstash-compatible server over a real redis-server) that carries it anyway. Same run, ratios.
 *
 *   cd web && npx tsx bench/seal.ts
 */
import { performance } from 'node:perf_hooks';
import { Redis } from '@upstash/redis';
import { OUTPUT_FLUSH_CHARS } from '@remoteagent/shared';
import { createSealer } from '../src/lib/server/crypto/seal.ts';
import { startRedisServer } from '../test/harness/redis.ts';
import { createUpstashRestServer } from '../tools/upstash-rest/server.ts';

const ROUNDS = 2_000;
const TRIPS = 300;
const TOKEN = 'bench-token';

function median(samples: number[]): number {
	const sorted = [...samples].sort((a, b) => a - b);
	return sorted[Math.floor(sorted.length / 2)]!;
}

async function timeEach(rounds: number, run: (i: number) => Promise<unknown>): Promise<number> {
	for (let i = 0; i < Math.min(100, rounds); i++) await run(i); // warm-up
	const samples: number[] = [];
	for (let i = 0; i < rounds; i++) {
		const start = performance.now();
		await run(i);
		samples.push(performance.now() - start);
	}
	return median(samples);
}

async function main(): Promise<void> {
	const sealer = createSealer('bench-secret-0123456789-abcdefghijklmnop');
	const event = JSON.stringify({
		kind: 'text',
		seq: 7,
		text: 'Refactoring the parser: naïve 日本語 😀 <div> & more. '
			.repeat(60)
			.slice(0, OUTPUT_FLUSH_CHARS)
	});
	const plain = await timeEach(ROUNDS, async () => JSON.parse(JSON.stringify(event)));
	const sealed = await timeEach(ROUNDS, async () =>
		sealer.open('output', 'ses_bench', await sealer.seal('output', 'ses_bench', event))
	);
	const redisServer = await startRedisServer();
	const rest = await createUpstashRestServer({ redisUrl: redisServer.url, token: TOKEN });
	const redis = new Redis({ url: rest.url, token: TOKEN, enableTelemetry: false });
	const value = await sealer.seal('output', 'ses_bench', event);
	const trip = await timeEach(TRIPS, async (i) => {
		await redis.set(`bench:${i % 10}`, value);
		await redis.get(`bench:${i % 10}`);
	});
	await rest.close();
	await redisServer.stop();
	const us = (ms: number) => `${(ms * 1000).toFixed(1)} µs`;
	console.log(`one ${OUTPUT_FLUSH_CHARS}-character output batch, median of ${ROUNDS}:`);
	console.log(`  serialise + parse, no sealing   ${us(plain)}`);
	console.log(`  seal + open (AES-256-GCM)       ${us(sealed)}   (+${us(sealed - plain)})`);
	console.log(`  REST SET + GET round trip       ${us(trip)}   (median of ${TRIPS})`);
	console.log(
		`sealing adds ${(((sealed - plain) / trip) * 100).toFixed(1)} % of one local REST round trip`
	);
}

await main();
