import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ALICE, pairAgent, textUpdate } from './accounts.ts';
import type { HttpExchange } from './delaying-http-proxy.ts';
import { startTestRelay, type TestRelay } from './relay.ts';
import { agentClient, eventually, ScriptedAgent } from './scripted-agent.ts';
import type { RecordedCall } from './telegram-api.ts';
import type { WsProxyMessage } from './ws-proxy.ts';

const exchanges: HttpExchange[] = [];
const sqlMessages: WsProxyMessage[] = [];
let t: TestRelay;

beforeAll(async () => {
	t = await startTestRelay(
		{},
		{
			redisRttMs: 4,
			sql: { postgres: true, rttMs: 4 },
			onRestExchange: (e) => exchanges.push(e),
			onSqlMessage: (m) => sqlMessages.push(m)
		}
	);
});
afterAll(() => t?.stop());

describe('startTestRelay with a network between the relay and its stores', () => {
	it('reaches Redis through the delaying REST proxy and PostgreSQL through the Neon WebSocket path', async () => {
		expect(t.relay.database.driver).toBe('neon');
		const account = await pairAgent(t.relay, t.services, ALICE);
		const agent = new ScriptedAgent(agentClient(t.url, account.token));
		agent.connect();
		try {
			await eventually(
				async () => (await t.services.agents.list({ userId: account.userId }))[0]?.online
			);
			const calls: RecordedCall[] = [];
			const unsubscribe = t.telegram.onCall((call) => calls.push(call));
			const restBefore = exchanges.length;
			const sqlBefore = sqlMessages.length;
			await t.relay.redis.set('probe', 'through the proxy');
			// Reported once the proxy has forwarded the end, which can be just after the client has it all.
			// (eventually resolves only with a value: the find's undefined means "not yet".)
			const probe = (await eventually(() =>
				exchanges.slice(restBefore).find((e) => e.body.includes('through the proxy'))
			))!;
			expect(probe.end).toBeGreaterThan(probe.start);

			const response = await t.postUpdate(textUpdate(ALICE, 'hello over the network'));
			expect(response.status).toBe(200);
			await agent.until(() => agent.prompts().length > 0, 10_000, 'the prompt');
			expect(agent.prompts()[0]?.prompt).toBe('hello over the network');
			expect(sqlMessages.length).toBeGreaterThan(sqlBefore);
			expect(sqlMessages.slice(sqlBefore).map((m) => m.direction)).toContain('down');
			// The stand-in told its listener about the reply as it arrived (after the agent had the
			// prompt: the reply is not on the prompt's path).
			await eventually(() => calls.some((c) => c.method === 'sendMessage'));
			expect(calls.map((c) => [c.method, String(c.payload.text)])).toContainEqual([
				'sendMessage',
				expect.stringContaining('working…')
			]);
			unsubscribe();
		} finally {
			agent.disconnect();
		}
	});
});
