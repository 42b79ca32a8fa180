// Bad input over raw HTTP: every case gets the {"error": …} shape and the server keeps answering.
import { Redis } from '@upstash/redis';
import { afterEach, describe, expect, it } from 'vitest';
import { startRedisServer } from '../../test/harness/redis.ts';
import { createUpstashRestServer } from './server.ts';
import { TOKEN, command, useUpstashRest } from './testing.ts';

const env = useUpstashRest();

/** Raw POST / with an arbitrary body string. */
async function postRaw(body: string, headers: Record<string, string> = {}) {
	const res = await env.fetch('/', { body, headers });
	return { status: res.status, json: (await res.json()) as { error?: string; result?: unknown } };
}

// After every bad request the same server must still serve a normal command.
afterEach(async () => {
	expect(await command(env, ['PING'])).toEqual({ status: 200, body: { result: 'PONG' } });
});

describe('malformed requests → 400', () => {
	it.each([
		['malformed JSON', '["SET","k"', /^ERR failed to parse JSON body/],
		['a JSON object instead of an array', '{"cmd":"GET"}', /must be a JSON array/],
		['an empty command', '[]', /empty command/],
		['an empty body', '', /empty command/],
		['a nested object argument', '["SET","k",{"a":1}]', /argument 2 must be a string or a number/],
		['a null argument', '["GET",null]', /argument 1 must be a string or a number/]
	])('%s', async (_name, body, message) => {
		const { status, json } = await postRaw(body);
		expect(status).toBe(400);
		expect(Object.keys(json)).toEqual(['error']);
		expect(json.error).toMatch(message);
	});

	it('a pipeline body that is not an array of commands', async () => {
		for (const body of ['{"a":1}', '[]', '[["GET","k"],"GET"]', 'not json']) {
			const res = await env.fetch('/pipeline', { body });
			expect(res.status).toBe(400);
			expect(typeof ((await res.json()) as { error: unknown }).error).toBe('string');
		}
	});

	it('broken percent-encoding in a path-style command', async () => {
		const res = await env.fetch('/get/%E0%A4%A', { method: 'GET' });
		expect(res.status).toBe(400);
		expect(await res.json()).toEqual({ error: 'ERR malformed percent-encoding in the URL path' });
	});

	it('an unsupported response format', async () => {
		const { status, json } = await postRaw('["PING"]', { 'Upstash-Response-Format': 'resp2' });
		expect(status).toBe(400);
		expect(json.error).toMatch(/resp2/);
	});
});

describe('Redis errors → 400 with the Redis message', () => {
	it('unknown command', async () => {
		const { status, body } = await command(env, ['NOSUCHCOMMAND', 'x']);
		expect(status).toBe(400);
		expect(body.error).toMatch(/^ERR unknown command 'NOSUCHCOMMAND'/);
	});

	it('wrong arity', async () => {
		const { status, body } = await command(env, ['GET']);
		expect(status).toBe(400);
		expect(body).toEqual({ error: "ERR wrong number of arguments for 'get' command" });
	});

	it('WRONGTYPE, and the client turns it into an UpstashError', async () => {
		await env.redis.lpush('err:list', 'x');
		const { status, body } = await command(env, ['GET', 'err:list']);
		expect(status).toBe(400);
		expect(body.error).toMatch(/^WRONGTYPE/);
		await expect(env.redis.get('err:list')).rejects.toThrow(/WRONGTYPE Operation against a key/);
	});
});

describe('commands that make no sense over REST → 400', () => {
	it.each([
		[['SELECT', 1], /SELECT/],
		[['MONITOR'], /MONITOR/],
		[['MULTI'], /\/multi-exec/],
		[['WATCH', 'k'], /WATCH/],
		[['PSUBSCRIBE', 'p*'], /\/psubscribe/],
		[['CLIENT', 'REPLY', 'OFF'], /CLIENT/],
		[['HELLO', 3], /HELLO/],
		[['blpop', 'k', 0], /timeout 0/],
		[['BRPOP', 'k', '0.0'], /timeout 0/],
		[['XREAD', 'BLOCK', 0, 'STREAMS', 's', '$'], /timeout 0/]
	])('%j', async (cmd, message) => {
		const { status, body } = await command(env, cmd);
		expect(status).toBe(400);
		expect(body.error).toMatch(message);
	});
});

describe('HTTP-level errors', () => {
	it('a body over the limit → 413', async () => {
		const huge = JSON.stringify(['SET', 'err:huge', 'x'.repeat(11 * 1024 * 1024)]);
		const { status, json } = await postRaw(huge);
		expect(status).toBe(413);
		expect(json.error).toMatch(/exceeds the limit of 10485760 bytes/);
		expect(await env.direct.exists('err:huge')).toBe(0);
	});

	it('wrong token, missing token, wrong scheme, wrong ?_token → 401 Unauthorized', async () => {
		const attempts: [string, RequestInit][] = [
			['/', { method: 'POST', body: '["PING"]', headers: { Authorization: 'Bearer wrong' } }],
			['/', { method: 'POST', body: '["PING"]' }],
			['/', { method: 'POST', body: '["PING"]', headers: { Authorization: `Basic ${TOKEN}` } }],
			['/', { method: 'POST', body: '["PING"]', headers: { Authorization: `Bearer ${TOKEN}x` } }],
			['/get/k?_token=nope', { method: 'GET' }],
			['/pipeline', { method: 'POST', body: '[["PING"]]' }]
		];
		for (const [path, init] of attempts) {
			const res = await fetch(env.server.url + path, init);
			expect(res.status).toBe(401);
			expect(await res.json()).toEqual({ error: 'Unauthorized' });
		}
		const wrong = new Redis({ url: env.server.url, token: 'wrong', enableTelemetry: false });
		await expect(wrong.get('k')).rejects.toThrow(/^Unauthorized/);
	});

	it('an unsupported method → 405', async () => {
		const res = await env.fetch('/get/k', { method: 'DELETE' });
		expect(res.status).toBe(405);
		expect(res.headers.get('allow')).toBe('GET, HEAD, POST, PUT');
		expect(await res.json()).toEqual({ error: 'Method Not Allowed' });
	});

	it('garbage that is not HTTP → 400 on that socket only', async () => {
		const { connect } = await import('node:net');
		const reply = await new Promise<string>((resolve) => {
			const socket = connect(env.server.port, '127.0.0.1', () =>
				socket.write('NOT HTTP AT ALL\r\n\r\n')
			);
			let text = '';
			socket.on('data', (chunk) => (text += chunk.toString()));
			socket.on('close', () => resolve(text));
		});
		expect(reply).toMatch(/^HTTP\/1\.1 400/);
	});
});

describe('Redis unreachable', () => {
	it('commands get a 500 error, the server stays up, and startup against a dead Redis fails', async () => {
		const redisServer = await startRedisServer();
		const server = await createUpstashRestServer({ redisUrl: redisServer.url, token: TOKEN });
		await redisServer.stop();
		const res = await fetch(server.url, {
			method: 'POST',
			headers: { Authorization: `Bearer ${TOKEN}` },
			body: '["PING"]'
		});
		expect(res.status).toBe(500);
		expect(((await res.json()) as { error: string }).error).toMatch(/^ERR internal error/);
		await server.close();
		await expect(
			createUpstashRestServer({ redisUrl: redisServer.url, token: TOKEN })
		).rejects.toThrow(/^cannot reach Redis at redis:\/\/127\.0\.0\.1:\d+: connect ECONNREFUSED/);
	});
});
