import { describe, expect, it } from 'vitest';
import { TOKEN, useUpstashRest } from '../../../../tools/upstash-rest/testing.ts';
import { createLogger } from '../log.ts';
import {
	AgentChannels,
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
