import { connect, createServer, type Socket } from 'node:net';
import { describe, expect, it } from 'vitest';
import { TOKEN, useUpstashRest } from '../../../../tools/upstash-rest/testing.ts';
import { createLogger } from '../log.ts';
import {
	AgentChannels,
	BEAT_MESSAGE,
	parseSignal,
	type AgentSignal,
	type ChannelEvent
} from './agent-channels.ts';

const env = useUpstashRest();

async function until(predicate: () => boolean, what: string): Promise<void> {
	for (let i = 0; i < 200 && !predicate(); i++) await new Promise((r) => setTimeout(r, 25));
	if (!predicate()) throw new Error(`timed out waiting for ${what}`);
}

const command = (id: string, prev = ''): AgentSignal => ({
	kind: 'command',
	id,
	prev,
	type: 'prompt',
	session: 'ses_1',
	sealed: 'v1.sealed'
});

/**
 * A TCP relay to the REST server whose open connections can be frozen: from then on they carry
 * nothing either way and stay open (a half-open connection, a NAT that forgot it). New
 * connections flow.
 */
async function freezableProxy(target: string) {
	const { hostname, port } = new URL(target);
	const open = new Set<{ frozen: boolean; sockets: Socket[] }>();
	const server = createServer((client) => {
		const upstream = connect(Number(port), hostname);
		const link = { frozen: false, sockets: [client, upstream] };
		open.add(link);
		client.on('data', (data) => link.frozen || upstream.write(data));
		upstream.on('data', (data) => link.frozen || client.write(data));
		for (const socket of link.sockets) {
			socket.on('error', () => {});
			socket.on('close', () => {
				open.delete(link);
				for (const other of link.sockets) other.destroy();
			});
		}
	});
	await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
	const address = server.address() as { port: number };
	return {
		url: `http://127.0.0.1:${address.port}`,
		freeze: () => open.forEach((link) => (link.frozen = true)),
		close: async () => {
			open.forEach((link) => link.sockets.forEach((socket) => socket.destroy()));
			await new Promise((resolve) => server.close(resolve));
		}
	};
}

describe('AgentChannels', () => {
	it('fans one subscription out to the listeners of each agent, and hears every agent', async () => {
		const heard: [string, AgentSignal][] = [];
		const channels = new AgentChannels({
			url: env.server.url,
			token: TOKEN,
			log: createLogger('error'),
			onSignal: (agentId, signal) => heard.push([agentId, signal])
		});
		const a: ChannelEvent[] = [];
		const b: ChannelEvent[] = [];
		const stopA = await channels.listen('agt_a', (e) => a.push(e));
		const stopB = await channels.listen('agt_b', (e) => b.push(e));
		expect(channels.live).toBe(true);
		expect(channels.opened).toBe(1);
		// One Redis subscriber connection for the whole process, whatever the number of agents.
		expect(await env.direct.pubsub('NUMPAT')).toBe(1);

		await env.direct.publish('agent:agt_a', JSON.stringify(command('1-0')));
		await env.direct.publish('agent:agt_c', JSON.stringify({ kind: 'revoked' }));
		await env.direct.publish('agent:agt_b', 'new'); // a relay from before the shared subscriber
		await env.direct.publish('agent:agt_b', 'not a signal');
		await until(() => b.length === 1 && heard.length === 3, 'the messages');
		expect(a).toEqual([{ kind: 'message', message: command('1-0') }]);
		expect(b).toEqual([{ kind: 'message', message: { kind: 'wake' } }]);
		expect(heard.map(([agentId, s]) => `${agentId} ${s.kind}`)).toEqual([
			'agt_a command',
			'agt_c revoked',
			'agt_b wake'
		]);

		stopA();
		stopB();
		expect(channels.live).toBe(false);
		await until(() => channels.size === 0, 'no listeners');
	});

	it('reports a dropped stream as a gap to every listener and opens it again', async () => {
		let gaps = 0;
		const channels = new AgentChannels({
			url: env.server.url,
			token: TOKEN,
			log: createLogger('error'),
			retryMs: 20,
			onGap: () => gaps++
		});
		const events: ChannelEvent[] = [];
		const stop = await channels.listen('agt_x', (e) => events.push(e));
		try {
			// Redis drops the REST server's subscriber connection: the SSE stream ends.
			await env.direct.client('KILL', 'TYPE', 'pubsub');
			await until(() => events.filter((e) => e.kind === 'gap').length >= 2, 'drop and reconnect');
			expect(gaps).toBeGreaterThanOrEqual(2);
			expect(channels.live).toBe(true);
			expect(channels.opened).toBe(2);
			await env.direct.publish('agent:agt_x', JSON.stringify({ kind: 'wake' }));
			await until(() => events.at(-1)?.kind === 'message', 'a message after the reconnect');
		} finally {
			stop();
		}
	});

	it('hears beats as signs of life only, and takes a stream gone silent for a dropped one', async () => {
		const proxy = await freezableProxy(env.server.url);
		const heard: AgentSignal[] = [];
		const channels = new AgentChannels({
			url: proxy.url,
			token: TOKEN,
			log: createLogger('error'),
			retryMs: 20,
			silenceMs: 400,
			onSignal: (_agentId, signal) => heard.push(signal)
		});
		const events: ChannelEvent[] = [];
		const stop = await channels.listen('agt_h', (e) => events.push(e));
		try {
			// Heartbeats of some agent every 100 ms, for three silence windows: the stream lives.
			for (let i = 0; i < 12; i++) {
				await env.direct.publish('agent:agt_other', BEAT_MESSAGE);
				await new Promise((r) => setTimeout(r, 100));
			}
			expect(channels.silenced).toBe(0);
			expect(channels.opened).toBe(1);
			expect(events).toEqual([]);
			expect(heard).toEqual([]);

			// The connection stops carrying anything but stays open: what is published is lost.
			proxy.freeze();
			await env.direct.publish('agent:agt_h', JSON.stringify(command('1-0')));
			await until(() => events.some((e) => e.kind === 'gap'), 'the silence noticed');
			expect(channels.silenced).toBe(1);
			// Told as a gap (the listener re-reads its stream), then subscribed again.
			await until(() => channels.live && channels.opened === 2, 'a new stream');
			expect(events.every((e) => e.kind === 'gap')).toBe(true);
			await env.direct.publish('agent:agt_h', JSON.stringify({ kind: 'wake' }));
			await until(() => events.at(-1)?.kind === 'message', 'a message on the new stream');
		} finally {
			stop();
			await proxy.close();
		}
	});

	it('fails the first listen when the REST server refuses, and lets the next one try again', async () => {
		const channels = new AgentChannels({
			url: env.server.url,
			token: 'wrong-token',
			log: createLogger('error')
		});
		await expect(channels.listen('agt_y', () => {})).rejects.toThrow(/psubscribe answered 401/);
		expect(channels.live).toBe(false);
		expect(channels.size).toBe(0);
	});
});

describe('parseSignal', () => {
	it('accepts only well-formed signals', () => {
		expect(parseSignal(JSON.stringify(command('2-1', '1-0')))).toEqual(command('2-1', '1-0'));
		expect(parseSignal('{"kind":"command","id":"1-0"}')).toBeNull();
		expect(parseSignal('{"kind":"evicted","lease":"abc"}')).toEqual({
			kind: 'evicted',
			lease: 'abc'
		});
		expect(parseSignal('{"kind":"evicted"}')).toBeNull();
		expect(parseSignal('revoked')).toEqual({ kind: 'revoked' });
		expect(parseSignal('42')).toBeNull();
		expect(parseSignal('{"kind":"other"}')).toBeNull();
	});
});
