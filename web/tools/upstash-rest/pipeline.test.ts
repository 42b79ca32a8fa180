// /pipeline and /multi-exec, through the client and on the wire.
import { Redis } from '@upstash/redis';
import { describe, expect, it } from 'vitest';
import { TOKEN, useUpstashRest } from './testing.ts';

const env = useUpstashRest();

async function post(path: string, body: unknown, headers: Record<string, string> = {}) {
	const res = await env.fetch(path, { body: JSON.stringify(body), headers });
	return { status: res.status, body: (await res.json()) as unknown };
}

describe('pipeline', () => {
	it('runs commands in order and returns typed results', async () => {
		const results = await env.redis
			.pipeline()
			.set('pl:a', 1)
			.incr('pl:a')
			.hset('pl:h', { f: { nested: true } })
			.hget('pl:h', 'f')
			.get('pl:a')
			.exec();
		expect(results).toEqual(['OK', 2, 1, { nested: true }, 2]);
	});

	it("one command's error does not fail the others", async () => {
		await env.redis.set('pl:text', 'not a number');
		const results = await env.redis
			.pipeline()
			.set('pl:b', 'x')
			.incr('pl:text')
			.get('pl:b')
			.exec({ keepErrors: true });
		expect(results[0]).toEqual({ error: undefined, result: 'OK' });
		expect(results[1]?.error).toMatch(/^ERR value is not an integer/);
		expect(results[2]).toEqual({ error: undefined, result: 'x' });
		// Without keepErrors the client turns the error into an exception.
		await expect(env.redis.pipeline().incr('pl:text').exec()).rejects.toThrow(
			/Command 1 \[ incr \] failed/
		);
	});

	it('on the wire: 200 with a result or an error per command; refused commands fail alone', async () => {
		const { status, body } = await post('/pipeline', [
			['SET', 'pl:w', 'v'],
			['NOSUCHCOMMAND'],
			['SELECT', 1],
			['BLPOP', 'pl:list', 1],
			['GET', 'pl:w']
		]);
		expect(status).toBe(200);
		const entries = body as { result?: unknown; error?: string }[];
		expect(entries).toHaveLength(5);
		expect(entries[0]).toEqual({ result: 'OK' });
		expect(entries[1]?.error).toMatch(/^ERR unknown command/);
		expect(entries[2]?.error).toMatch(/SELECT/);
		expect(entries[3]?.error).toMatch(/blocking/);
		expect(entries[4]).toEqual({ result: 'v' });
	});

	it('auto-pipelining batches concurrent calls into few requests', async () => {
		const auto = new Redis({
			url: env.server.url,
			token: TOKEN,
			enableAutoPipelining: true,
			enableTelemetry: false
		});
		const keys = Array.from({ length: 50 }, (_, i) => `pl:auto:${i}`);
		await Promise.all(keys.map((key, i) => auto.set(key, { i })));
		const values = await Promise.all(keys.map((key) => auto.get(key)));
		expect(values).toEqual(keys.map((_, i) => ({ i })));
		expect((auto as unknown as { pipelineCounter: number }).pipelineCounter).toBeLessThanOrEqual(4);
	});
});

describe('multi-exec', () => {
	it('executes atomically and returns results', async () => {
		const results = await env.redis.multi().set('tx:a', 10).incrby('tx:a', 5).get('tx:a').exec();
		expect(results).toEqual(['OK', 15, 15]);
	});

	it('concurrent transactions do not interleave', async () => {
		// Each transaction bumps a shared counter twice; had the commands of concurrent requests
		// been mixed, some transaction would see a jump of more than 1 between its two INCRs.
		// (The EXECABORT test below is what tells MULTI apart from a plain pipeline.)
		const runs = await Promise.all(
			Array.from({ length: 40 }, () =>
				env.redis.multi().incr('tx:counter').incr('tx:counter').exec()
			)
		);
		for (const [first, second] of runs) expect(second).toBe((first as number) + 1);
		expect(await env.redis.get('tx:counter')).toBe(80);
	});

	it('a runtime error is reported per command and the other commands still run', async () => {
		await env.redis.set('tx:text', 'abc');
		const { status, body } = await post('/multi-exec', [
			['SET', 'tx:b', '1'],
			['INCR', 'tx:text'],
			['SET', 'tx:c', '2']
		]);
		expect(status).toBe(200);
		const entries = body as { result?: unknown; error?: string }[];
		expect(entries[0]).toEqual({ result: 'OK' });
		expect(entries[1]?.error).toMatch(/^ERR value is not an integer/);
		expect(entries[2]).toEqual({ result: 'OK' });
		expect(await env.direct.get('tx:c')).toBe('2');
	});

	it('a command rejected while queueing discards the whole transaction with one 400 error', async () => {
		const { status, body } = await post('/multi-exec', [['SET', 'tx:never', '1'], ['GET']]);
		expect(status).toBe(400);
		expect((body as { error: string }).error).toMatch(/^EXECABORT.*wrong number of arguments/);
		expect(await env.direct.exists('tx:never')).toBe(0);
	});

	it('a refused command discards the transaction before anything runs', async () => {
		const { status, body } = await post('/multi-exec', [
			['SET', 'tx:never2', '1'],
			['SUBSCRIBE', 'ch']
		]);
		expect(status).toBe(400);
		expect((body as { error: string }).error).toMatch(/SUBSCRIBE/);
		expect(await env.direct.exists('tx:never2')).toBe(0);
	});

	it('base64 encoding applies to each result', async () => {
		await env.direct.set('tx:enc', 'bar');
		const { body } = await post(
			'/multi-exec',
			[
				['GET', 'tx:enc'],
				['SET', 'tx:enc', 'x'],
				['STRLEN', 'tx:enc']
			],
			{
				'Upstash-Encoding': 'base64'
			}
		);
		expect(body).toEqual([{ result: 'YmFy' }, { result: 'OK' }, { result: 1 }]);
	});
});
