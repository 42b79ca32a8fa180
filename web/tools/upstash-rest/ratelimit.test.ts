// @upstash/ratelimit end to end: its Lua scripts (with Upstash-only shebang flags) via EVALSHA/EVAL.
import { createHash } from 'node:crypto';
import { Ratelimit } from '@upstash/ratelimit';
import { describe, expect, it } from 'vitest';
import { useUpstashRest } from './testing.ts';

const env = useUpstashRest();

/** Successful EVALSHA calls so far, from redis-server's own statistics. */
async function okEvalshaCalls(): Promise<number> {
	const info = await env.direct.info('commandstats');
	const line = /cmdstat_evalsha:([^\r\n]*)/.exec(info)?.[1] ?? '';
	const field = (name: string) => Number(new RegExp(`${name}=(\\d+)`).exec(line)?.[1] ?? 0);
	return field('calls') - field('failed_calls') - field('rejected_calls');
}

function limiter(limiter: ConstructorParameters<typeof Ratelimit>[0]['limiter'], prefix: string) {
	return new Ratelimit({
		redis: env.redis,
		limiter,
		prefix,
		ephemeralCache: false,
		analytics: false
	});
}

describe('@upstash/ratelimit', () => {
	it('sliding window: allows the limit, then refuses; identifiers are independent', async () => {
		const rl = limiter(Ratelimit.slidingWindow(3, '10 s'), 'rl:sliding');
		const results = [];
		for (let i = 0; i < 4; i++) results.push(await rl.limit('user-1'));
		expect(results.map((r) => r.success)).toEqual([true, true, true, false]);
		expect(results.map((r) => r.remaining)).toEqual([2, 1, 0, 0]);
		expect(results[3]!.reset).toBeGreaterThan(Date.now());
		expect((await rl.limit('user-2')).success).toBe(true);
	});

	it('fixed window: allows the limit, then refuses, and the scripts run via EVALSHA', async () => {
		const before = await okEvalshaCalls();
		const rl = limiter(Ratelimit.fixedWindow(2, '10 s'), 'rl:fixed');
		const results = [];
		for (let i = 0; i < 5; i++) results.push(await rl.limit('user-1'));
		expect(results.map((r) => r.success)).toEqual([true, true, false, false, false]);
		// Only the very first call may miss the script cache (NOSCRIPT → EVAL); the rest must hit
		// it under the client's own SHA, which only works if the SHA mapping does.
		expect((await okEvalshaCalls()) - before).toBeGreaterThanOrEqual(4);
		expect(await rl.getRemaining('user-1')).toMatchObject({ remaining: 0 });
	});

	it('token bucket: refuses once the bucket is empty', async () => {
		const rl = limiter(Ratelimit.tokenBucket(1, '10 s', 2), 'rl:bucket');
		const results = [];
		for (let i = 0; i < 3; i++) results.push((await rl.limit('user-1')).success);
		expect(results).toEqual([true, true, false]);
	});

	it('SCRIPT LOAD of a flagged script answers with the SHA the client computed', async () => {
		const script = '#!lua flags=allow-key-locking\nreturn redis.call("INCRBY", KEYS[1], ARGV[1])';
		const clientSha = createHash('sha1').update(script).digest('hex');
		expect(await env.redis.scriptLoad(script)).toBe(clientSha);
		expect(await env.redis.scriptExists(clientSha)).toEqual([1]);
		expect(await env.redis.evalsha(clientSha, ['rl:counter'], [5])).toBe(5);
		expect(await env.redis.eval(script, ['rl:counter'], [1])).toBe(6);
		// Known flags are kept: a no-writes script may not write.
		const readOnly =
			'#!lua flags=allow-key-locking,no-writes\nreturn redis.call("SET", KEYS[1], "x")';
		await expect(env.redis.eval(readOnly, ['rl:ro'], [])).rejects.toThrow(
			/Write commands are not allowed/
		);
	});
});
