// Commands that would administer, reconfigure or inspect the server behind the REST token are
// refused on every path (POST /, path style, /pipeline, /multi-exec); data commands are not.
import { afterEach, describe, expect, it } from 'vitest';
import { command, useUpstashRest } from './testing.ts';

const env = useUpstashRest();

type Entry = { result?: unknown; error?: string };

async function post(path: string, body: unknown) {
	const res = await env.fetch(path, { body: JSON.stringify(body) });
	return { status: res.status, body: (await res.json()) as unknown };
}

const refusedMessage = (name: string) =>
	new RegExp(`^ERR command '${name}' is not supported over REST: `);

// Had REPLICAOF got through, the server would now follow a dead primary: take it back so the
// failure shows in that test, not in every later one.
afterEach(async () => {
	await env.direct.call('REPLICAOF', 'NO', 'ONE');
});

/** Server administration, replication, persistence and diagnostics: none of it is data. */
const REFUSED: (string | number)[][] = [
	['REPLICAOF', '127.0.0.1', 1],
	['SLAVEOF', '127.0.0.1', 1],
	['FAILOVER'],
	['MIGRATE', '127.0.0.1', 1, 'policy:k', 0, 100],
	['MODULE', 'LOAD', '/tmp/evil.so'],
	['CONFIG', 'GET', 'dir'],
	['CONFIG', 'SET', 'maxmemory', '1'],
	['ACL', 'LIST'],
	['CLUSTER', 'INFO'],
	['ASKING'],
	['SENTINEL', 'MASTERS'],
	['SAVE'],
	['BGSAVE'],
	['BGREWRITEAOF'],
	['INFO'],
	['SLOWLOG', 'GET'],
	['LATENCY', 'RESET'],
	['PFDEBUG', 'GETREG', 'policy:hll'],
	['PFSELFTEST'],
	['SWAPDB', 0, 1],
	['MOVE', 'policy:k', 1]
];

describe('server commands are refused', () => {
	it.each(REFUSED.map((cmd) => [cmd.join(' '), cmd] as const))('%s', async (_title, cmd) => {
		const { status, body } = await command(env, cmd);
		expect(status).toBe(400);
		expect(body.error).toMatch(refusedMessage(`${cmd[0]}`));
	});

	it('REPLICAOF in path style does not turn the server into a replica', async () => {
		const res = await env.fetch('/replicaof/127.0.0.1/1', { method: 'GET' });
		expect(res.status).toBe(400);
		expect(((await res.json()) as Entry).error).toMatch(refusedMessage('REPLICAOF'));
		expect(((await env.direct.call('ROLE')) as unknown[])[0]).toBe('master');
	});

	it('in /pipeline each one fails alone and the data commands around them run', async () => {
		await env.direct.del('policy:count');
		const { status, body } = await post('/pipeline', [
			['INCR', 'policy:count'],
			...REFUSED,
			['INCR', 'policy:count']
		]);
		expect(status).toBe(200);
		const entries = body as Entry[];
		expect(entries[0]).toEqual({ result: 1 });
		REFUSED.forEach(([name], i) =>
			expect(entries[i + 1]?.error).toMatch(refusedMessage(`${name}`))
		);
		expect(entries.at(-1)).toEqual({ result: 2 });
		expect(((await env.direct.call('ROLE')) as unknown[])[0]).toBe('master');
	});

	it('in /multi-exec any one discards the whole transaction', async () => {
		for (const cmd of REFUSED) {
			const { status, body } = await post('/multi-exec', [['SET', 'policy:never', '1'], cmd]);
			expect(status).toBe(400);
			expect((body as Entry).error).toMatch(refusedMessage(`${cmd[0]}`));
			expect(await env.direct.exists('policy:never')).toBe(0);
		}
	});
});

describe('subcommands: what clients need runs, the rest is refused', () => {
	it('SCRIPT LOAD/EXISTS/FLUSH and EVALSHA run; SCRIPT KILL and SCRIPT DEBUG are refused', async () => {
		const sha = (await command(env, ['SCRIPT', 'LOAD', 'return 7'])).body.result as string;
		expect((await command(env, ['EVALSHA', sha, 0])).body).toEqual({ result: 7 });
		expect((await command(env, ['SCRIPT', 'EXISTS', sha])).body).toEqual({ result: [1] });
		expect((await command(env, ['SCRIPT', 'FLUSH'])).body).toEqual({ result: 'OK' });
		for (const sub of ['KILL', 'debug']) {
			const { status, body } = await command(env, ['SCRIPT', sub, 'YES']);
			expect(status).toBe(400);
			expect(body.error).toMatch(refusedMessage(`SCRIPT ${sub.toUpperCase()}`));
		}
		expect((await command(env, ['EVAL', 'return 8', 0])).body).toEqual({ result: 8 });
	});

	it('FUNCTION LIST runs; FUNCTION KILL is refused', async () => {
		expect((await command(env, ['FUNCTION', 'LIST'])).body).toEqual({ result: [] });
		const { status, body } = await command(env, ['FUNCTION', 'KILL']);
		expect(status).toBe(400);
		expect(body.error).toMatch(refusedMessage('FUNCTION KILL'));
	});

	it('MEMORY USAGE of a key runs; MEMORY STATS and PURGE are refused', async () => {
		await env.direct.set('policy:mem', 'x');
		const usage = await command(env, ['MEMORY', 'USAGE', 'policy:mem']);
		expect(typeof usage.body.result).toBe('number');
		for (const sub of ['STATS', 'PURGE']) {
			const { status, body } = await command(env, ['MEMORY', sub]);
			expect(status).toBe(400);
			expect(body.error).toMatch(refusedMessage(`MEMORY ${sub}`));
		}
	});

	it('COPY within database 0 runs; COPY … DB n is refused', async () => {
		await env.direct.set('policy:src', 'v');
		expect((await command(env, ['COPY', 'policy:src', 'policy:dst'])).body).toEqual({
			result: 1
		});
		const { status, body } = await command(env, ['COPY', 'policy:src', 'policy:other', 'db', 1]);
		expect(status).toBe(400);
		expect(body.error).toMatch(refusedMessage('COPY'));
		// A key may well be called "DB".
		expect((await command(env, ['COPY', 'policy:src', 'DB'])).body).toEqual({ result: 1 });
	});
});
