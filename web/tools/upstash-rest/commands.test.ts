// Data commands through the unmodified @upstash/redis client, plus the raw wire format.
import { Redis } from '@upstash/redis';
import { beforeAll, describe, expect, it } from 'vitest';
import { TOKEN, command, useUpstashRest } from './testing.ts';

const env = useUpstashRest();

// The client auto-pipelines by default (everything goes through /pipeline); with it off,
// each command is its own POST /. Both paths must behave the same.
describe.each(['auto-pipelined', 'one request per command'] as const)('%s', (mode) => {
	let redis: Redis;
	beforeAll(async () => {
		redis = mode === 'auto-pipelined' ? env.redis : env.single;
		await env.direct.flushdb();
	});

	describe('strings', () => {
		it('set/get/del/exists', async () => {
			expect(await redis.set('s:a', 'hello')).toBe('OK');
			expect(await redis.get('s:a')).toBe('hello');
			expect(await redis.exists('s:a', 's:missing')).toBe(1);
			expect(await redis.del('s:a')).toBe(1);
			expect(await redis.get('s:a')).toBeNull();
		});

		it('NX/XX, incr/decr, append, mset/mget, getrange', async () => {
			expect(await redis.set('s:nx', 'first', { nx: true })).toBe('OK');
			expect(await redis.set('s:nx', 'second', { nx: true })).toBeNull();
			expect(await redis.incr('s:n')).toBe(1);
			expect(await redis.incrby('s:n', 41)).toBe(42);
			expect(await redis.decr('s:n')).toBe(41);
			expect(await redis.incrbyfloat('s:f', 1.5)).toBe(1.5);
			expect(await redis.append('s:nx', '!')).toBe(6);
			expect(await redis.mset({ 's:m1': 'one', 's:m2': 'two' })).toBe('OK');
			expect(await redis.mget('s:m1', 's:missing', 's:m2')).toEqual(['one', null, 'two']);
			expect(await redis.getrange('s:m1', 0, 1)).toBe('on');
			expect(await redis.strlen('s:m2')).toBe(3);
		});

		it('objects and arrays round-trip through JSON (de)serialisation', async () => {
			const value = { name: 'agent', tags: ['a', 'b'], nested: { n: 1.25, ok: true, none: null } };
			await redis.set('s:json', value);
			expect(await redis.get('s:json')).toEqual(value);
			// What Redis stores is the JSON text.
			expect(JSON.parse((await env.direct.get('s:json')) ?? '')).toEqual(value);
			await redis.set('s:arr', [1, 'two', { three: 3 }]);
			expect(await redis.get('s:arr')).toEqual([1, 'two', { three: 3 }]);
		});
	});

	describe('hashes, lists, sets, sorted sets', () => {
		it('hashes', async () => {
			expect(await redis.hset('h:1', { name: 'x', count: 1, meta: { a: 1 } })).toBe(3);
			expect(await redis.hget('h:1', 'name')).toBe('x');
			expect(await redis.hincrby('h:1', 'count', 4)).toBe(5);
			expect(await redis.hgetall('h:1')).toEqual({ name: 'x', count: 5, meta: { a: 1 } });
			expect((await redis.hkeys('h:1')).sort()).toEqual(['count', 'meta', 'name']);
			expect(await redis.hdel('h:1', 'name')).toBe(1);
			expect(await redis.hlen('h:1')).toBe(2);
			expect(await redis.hgetall('h:missing')).toBeNull();
		});

		it('lists', async () => {
			expect(await redis.rpush('l:1', 'b', 'c')).toBe(2);
			expect(await redis.lpush('l:1', 'a')).toBe(3);
			expect(await redis.lrange('l:1', 0, -1)).toEqual(['a', 'b', 'c']);
			expect(await redis.lindex('l:1', 1)).toBe('b');
			expect(await redis.lpop('l:1')).toBe('a');
			expect(await redis.rpop('l:1')).toBe('c');
			expect(await redis.llen('l:1')).toBe(1);
			await redis.rpush('l:obj', { id: 1 }, { id: 2 });
			expect(await redis.lrange('l:obj', 0, -1)).toEqual([{ id: 1 }, { id: 2 }]);
		});

		it('sets', async () => {
			expect(await redis.sadd('set:1', 'a', 'b', 'c')).toBe(3);
			expect(await redis.sadd('set:2', 'b', 'c', 'd')).toBe(3);
			expect((await redis.smembers('set:1')).sort()).toEqual(['a', 'b', 'c']);
			expect(await redis.sismember('set:1', 'b')).toBe(1);
			expect(await redis.sismember('set:1', 'z')).toBe(0);
			expect((await redis.sinter('set:1', 'set:2')).sort()).toEqual(['b', 'c']);
			expect(await redis.srem('set:1', 'a')).toBe(1);
			expect(await redis.scard('set:1')).toBe(2);
		});

		it('sorted sets', async () => {
			expect(
				await redis.zadd(
					'z:1',
					{ score: 3, member: 'c' },
					{ score: 1, member: 'a' },
					{ score: 2, member: 'b' }
				)
			).toBe(3);
			expect(await redis.zrange('z:1', 0, -1)).toEqual(['a', 'b', 'c']);
			expect(await redis.zrange('z:1', 0, -1, { withScores: true })).toEqual([
				'a',
				1,
				'b',
				2,
				'c',
				3
			]);
			expect(await redis.zrange('z:1', 0, 0, { rev: true })).toEqual(['c']);
			expect(await redis.zrange('z:1', 2, 3, { byScore: true })).toEqual(['b', 'c']);
			expect(await redis.zscore('z:1', 'b')).toBe(2);
			expect(await redis.zincrby('z:1', 2.5, 'a')).toBe(3.5);
			expect(await redis.zrank('z:1', 'a')).toBe(2);
			expect(await redis.zcard('z:1')).toBe(3);
		});
	});

	describe('streams', () => {
		it('xadd/xrange/xlen/xdel with JSON field values', async () => {
			const first = await redis.xadd('x:1', '*', { event: JSON.stringify({ n: 1 }), kind: 'a' });
			const second = await redis.xadd('x:1', '*', {
				event: JSON.stringify({ n: 2, text: 'a,b\nc' })
			});
			expect(first).toMatch(/^\d+-\d+$/);
			expect(await redis.xlen('x:1')).toBe(2);
			expect(await redis.xrange('x:1', '-', '+')).toEqual({
				[first]: { event: { n: 1 }, kind: 'a' },
				[second]: { event: { n: 2, text: 'a,b\nc' } }
			});
			expect(await redis.xrange('x:1', second, '+', 1)).toEqual({
				[second]: { event: { n: 2, text: 'a,b\nc' } }
			});
			expect(await redis.xdel('x:1', first)).toBe(1);
			expect(Object.keys(await redis.xrange('x:1', '-', '+'))).toEqual([second]);
		});
	});

	describe('expiry', () => {
		it('EX/PX, ttl/pttl, expire, persist, and keys really expire', async () => {
			await redis.set('e:1', 'v', { ex: 100 });
			const ttl = await redis.ttl('e:1');
			expect(ttl).toBeGreaterThan(95);
			expect(ttl).toBeLessThanOrEqual(100);
			expect(await redis.pexpire('e:1', 5000)).toBe(1);
			expect(await redis.pttl('e:1')).toBeLessThanOrEqual(5000);
			expect(await redis.persist('e:1')).toBe(1);
			expect(await redis.ttl('e:1')).toBe(-1);
			expect(await redis.ttl('e:missing')).toBe(-2);
			await redis.set('e:short', 'v', { px: 50 });
			expect(await redis.get('e:short')).toBe('v');
			await new Promise((r) => setTimeout(r, 120));
			expect(await redis.get('e:short')).toBeNull();
			await redis.setex('e:2', 30, 'v');
			expect(await redis.ttl('e:2')).toBeGreaterThan(25);
		});
	});
});

describe('binary safety and odd strings', () => {
	const odd = [
		'comma, separated, values',
		'line one\nline two\r\nline three',
		'tabs\tand "quotes" and \\backslashes\\',
		'unicode: héllo wörld — 日本語 — 🚀👩‍💻',
		'data: message,ch,fake-sse-line',
		'',
		' leading and trailing spaces '
	];

	it('odd strings round-trip exactly through the client', async () => {
		for (const client of [env.redis, env.single]) {
			for (const [i, value] of odd.entries()) {
				await client.set(`b:odd:${i}`, value);
				expect(await client.get(`b:odd:${i}`)).toBe(value);
				expect(await env.direct.get(`b:odd:${i}`)).toBe(value);
			}
		}
	});

	it('non-UTF-8 bytes written by Redis come back byte-exact with Upstash-Encoding: base64', async () => {
		const bytes = Buffer.from([0x00, 0xff, 0xfe, 0x80, 0x0a, 0x2c, 0xc3, 0x28, 0x7f]);
		await env.direct.set('b:bin', bytes);
		const { status, body } = await command(env, ['GET', 'b:bin'], { 'Upstash-Encoding': 'base64' });
		expect(status).toBe(200);
		expect(Buffer.from(body.result as string, 'base64').equals(bytes)).toBe(true);
		// Inside arrays too.
		const list = await command(env, ['MGET', 'b:bin', 'b:none'], { 'Upstash-Encoding': 'base64' });
		expect(Buffer.from((list.body.result as string[])[0]!, 'base64').equals(bytes)).toBe(true);
		expect((list.body.result as unknown[])[1]).toBeNull();
	});

	it('a raw binary POST body (path style) is stored byte-exact', async () => {
		const bytes = Buffer.from([0xde, 0xad, 0xbe, 0xef, 0x00, 0x01, 0xff]);
		const res = await env.fetch('/set/b:posted', { body: bytes });
		expect(await res.json()).toEqual({ result: 'OK' });
		expect((await env.direct.getBuffer('b:posted'))?.equals(bytes)).toBe(true);
	});

	it('a 1 MiB value round-trips', async () => {
		const big = 'x'.repeat(1024 * 1024 - 3) + 'end';
		await env.redis.set('b:big', big);
		expect(await env.redis.get('b:big')).toBe(big);
	});

	it('automaticDeserialization: false returns the stored text untouched', async () => {
		const raw = new Redis({
			url: env.server.url,
			token: TOKEN,
			automaticDeserialization: false,
			enableTelemetry: false
		});
		await raw.set('b:raw', '{"a":1}');
		await raw.set('b:num', '007');
		expect(await raw.get('b:raw')).toBe('{"a":1}');
		expect(await raw.get('b:num')).toBe('007');
	});
});

describe('wire format', () => {
	it('base64 encodes every string except a top-level OK; numbers and null stay', async () => {
		const b64 = { 'Upstash-Encoding': 'base64' };
		expect((await command(env, ['SET', 'w:k', 'bar'], b64)).body).toEqual({ result: 'OK' });
		expect((await command(env, ['GET', 'w:k'], b64)).body).toEqual({ result: 'YmFy' });
		expect((await command(env, ['TYPE', 'w:k'], b64)).body).toEqual({
			result: Buffer.from('string').toString('base64')
		});
		expect((await command(env, ['STRLEN', 'w:k'], b64)).body).toEqual({ result: 3 });
		expect((await command(env, ['GET', 'w:none'], b64)).body).toEqual({ result: null });
		// An "OK" inside an array is encoded: the client base64-decodes every string in an array.
		const eval_ = await command(env, ['EVAL', "return {redis.call('SET','w:x','1'), 7}", 0], b64);
		expect(eval_.body).toEqual({ result: ['T0s=', 7] });
	});

	it('without the header, strings are plain JSON strings', async () => {
		await command(env, ['RPUSH', 'w:list', 'a', 'b']);
		expect((await command(env, ['GET', 'w:k'])).body).toEqual({ result: 'bar' });
		expect((await command(env, ['LRANGE', 'w:list', 0, -1])).body).toEqual({ result: ['a', 'b'] });
		expect((await command(env, ['PING'])).body).toEqual({ result: 'PONG' });
	});

	it('path style: GET /set/k/v, GET /get/k, POST body as last argument, query as options', async () => {
		expect(await (await env.fetch('/set/p:foo/bar', { method: 'GET' })).json()).toEqual({
			result: 'OK'
		});
		expect(await (await env.fetch('/get/p:foo', { method: 'GET' })).json()).toEqual({
			result: 'bar'
		});
		expect(await (await env.fetch('/SET/p%2Fslash/two%20words', { method: 'GET' })).json()).toEqual(
			{ result: 'OK' }
		);
		expect(await env.direct.get('p/slash')).toBe('two words');
		const posted = await env.fetch('/set/p:json?EX=100', { body: '{"hello":"world"}' });
		expect(await posted.json()).toEqual({ result: 'OK' });
		expect(await env.redis.get('p:json')).toEqual({ hello: 'world' });
		expect(await env.direct.ttl('p:json')).toBeGreaterThan(95);
	});

	it('the token may also come as ?_token=', async () => {
		const res = await fetch(`${env.server.url}/get/p:foo?_token=${TOKEN}`);
		expect(await res.json()).toEqual({ result: 'bar' });
	});
});

describe('scripts and blocking commands', () => {
	it('EVAL, SCRIPT LOAD and EVALSHA pass through', async () => {
		const script = 'return {KEYS[1], ARGV[1], tonumber(ARGV[2]) + 1}';
		expect(await env.redis.eval(script, ['k'], ['v', 41])).toEqual(['k', 'v', 42]);
		const sha = await env.redis.scriptLoad(script);
		expect(sha).toMatch(/^[0-9a-f]{40}$/);
		expect(await env.redis.evalsha(sha, ['k2'], ['w', 1])).toEqual(['k2', 'w', 2]);
		await expect(env.redis.evalsha('0'.repeat(40), [], [])).rejects.toThrow(/NOSCRIPT/);
	});

	it('BLPOP with a timeout waits on its own connection without stalling other requests', async () => {
		// The client has no blpop(); exec() sends any command.
		const blocked = env.redis.exec(['BLPOP', 'blk:list', 3]);
		await new Promise((r) => setTimeout(r, 100));
		const started = Date.now();
		expect(await env.redis.ping()).toBe('PONG');
		expect(Date.now() - started).toBeLessThan(1000);
		await env.redis.rpush('blk:list', 'woken');
		expect(await blocked).toEqual(['blk:list', 'woken']);
	});

	it('BLPOP times out with null', async () => {
		expect(await env.redis.exec(['BLPOP', 'blk:empty', 0.2])).toBeNull();
	});
});
