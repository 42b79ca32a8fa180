/**
 * Issue 12's promise on the critical path, counted rather than timed: from the webhook to the
 * agent having the command, a prompt costs exactly one Redis round trip (claim + rate limit),
 * one SQL statement (authorisation, target, plan, queue position, insert) and one Redis round
 * trip (enqueue + publish); the agent gets the command from the published message, without
 * another read. The Bot API reply and the bookkeeping come after. An output batch, on its way to
 * the chat, waits for the session check, then the live view's append and the chat's state read
 * side by side, then the chat's pace mark.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eq } from 'drizzle-orm';
import { sessions } from '../../src/lib/server/db/schema/index.ts';
import { CHAT_PACE_MS } from '../../src/lib/server/telegram/pace.ts';
import { startTestRelay, type TestRelay } from '../harness/relay.ts';
import { ALICE, pairAgent, startedSession, textUpdate } from '../harness/accounts.ts';
import { agentClient, eventually, ScriptedAgent } from '../harness/scripted-agent.ts';

let t: TestRelay;
let alice: Awaited<ReturnType<typeof pairAgent>>;

beforeAll(async () => {
	t = await startTestRelay({ TELEGRAM_RATE_PER_MINUTE: '1000' });
	alice = await pairAgent(t.relay, t.services, ALICE, 'my-api');
	// The harness's periodic check runs every 300 ms; here it would add unrelated reads.
	(t.relay.queue as unknown as { pollMs: number }).pollMs = 3_600_000;
});
afterAll(async () => {
	await t?.stop();
});

/** `done`: a REST call's answer arrived (its `what` is the call's). */
type Entry = { kind: 'rest' | 'done' | 'sql' | 'bot' | 'agent'; what: string };

/** Records every REST call, SQL statement and Bot API call in order while `log` is set. */
function trace(restUrl: string) {
	let log: Entry[] | null = null;
	const originalFetch = globalThis.fetch;
	globalThis.fetch = (input, init) => {
		const url = String(input instanceof Request ? input.url : input);
		if (log && url.startsWith(restUrl)) {
			const body = typeof init?.body === 'string' ? init.body : '';
			const what = `${url.slice(restUrl.length)} ${body.slice(0, 300)}`;
			log.push({ kind: 'rest', what });
			return originalFetch(input, init).then((response) => {
				log?.push({ kind: 'done', what });
				return response;
			});
		}
		return originalFetch(input, init);
	};
	const pglite = t.relay.database.client as unknown as {
		query: (...args: unknown[]) => Promise<unknown>;
	};
	const originalQuery = pglite.query;
	pglite.query = function (this: unknown, ...args: unknown[]) {
		log?.push({ kind: 'sql', what: String(args[0]).trim().slice(0, 400) });
		return originalQuery.apply(this, args);
	};
	// The bot's replies, and the relay's own calls (live output, notices) when that is another Api.
	for (const api of new Set([t.bot.bot.api, t.relay.telegram!])) {
		api.config.use((prev, method, payload, signal) => {
			log?.push({ kind: 'bot', what: method });
			return prev(method, payload, signal);
		});
	}
	return {
		start: () => (log = []),
		mark: (entry: Entry) => log?.push(entry),
		stop: () => {
			const out = log ?? [];
			log = null;
			return out;
		},
		restore: () => {
			globalThis.fetch = originalFetch;
			pglite.query = originalQuery;
		}
	};
}

describe('the critical path of a prompt', () => {
	it('is one Redis round trip, one SQL statement and one Redis round trip before the agent has it', async () => {
		const tracer = trace(t.relay.config.UPSTASH_REDIS_REST_URL);
		// No acknowledgements: they are the agent's own calls, not part of the delivery.
		const agent = new ScriptedAgent(agentClient(t.url, alice.token), {
			ack: false,
			onCommand: (received) => {
				if (received.command.type === 'prompt') {
					tracer.mark({ kind: 'agent', what: received.command.prompt });
				}
			}
		});
		agent.connect();
		try {
			await eventually(
				async () => (await t.services.agents.list({ userId: alice.userId }))[0]?.online,
				10_000,
				'agent online'
			);
			const traces: Entry[][] = [];
			// The first prompt loads the scripts into Redis (EVALSHA → NOSCRIPT → EVAL).
			for (const text of ['warm-up', 'counted one', 'counted two']) {
				tracer.start();
				expect((await t.postUpdate(textUpdate(ALICE, text))).status).toBe(200);
				await agent.until(
					() => agent.prompts().some((p) => p.prompt === text),
					10_000,
					'the prompt'
				);
				traces.push(tracer.stop());
				await t.relay.db
					.update(sessions)
					.set({ status: 'done' })
					.where(eq(sessions.agentId, alice.agentId));
			}
			for (const entries of traces.slice(1)) {
				const io = entries.filter((e) => e.kind !== 'agent' && e.kind !== 'done');
				const shown = JSON.stringify(entries.map((e) => `${e.kind} ${e.what.slice(0, 80)}`));
				// First the three round trips, in this order, before anything else.
				expect(io[0]?.kind, shown).toBe('rest');
				expect(io[0]!.what, shown).toContain('tg:update:');
				expect(io[1]?.kind, shown).toBe('sql');
				expect(io[1]!.what, shown).toMatch(/^SELECT \* FROM intake_prompt\(/);
				expect(io[2]?.kind, shown).toBe('rest');
				expect(io[2]!.what, shown).toContain(':queue');
				// Until the agent has it, nothing else waits on Redis or the database for it: the
				// only other calls are the reply to Telegram and the bookkeeping after it.
				const agentAt = entries.findIndex((e) => e.kind === 'agent');
				expect(agentAt, shown).toBeGreaterThan(0);
				const between = entries
					.slice(0, agentAt)
					.filter((e) => e.kind !== 'done' && !io.slice(0, 3).includes(e));
				for (const entry of between) {
					expect(
						entry.kind === 'bot' || (entry.kind === 'rest' && entry.what.includes('tg:')),
						shown
					).toBe(true);
				}
				expect(entries.some((e) => e.kind === 'bot' && e.what === 'sendMessage')).toBe(true);
			}
		} finally {
			agent.disconnect();
			tracer.restore();
		}
	});
	it('an output batch waits for the session, then the log append and the chat state together, then the pace', async () => {
		// Connected, as an agent streaming output is: its identity is then in the relay's memory.
		const agent = new ScriptedAgent(agentClient(t.url, alice.token), { ack: false });
		agent.connect();
		const tracer = trace(t.relay.config.UPSTASH_REDIS_REST_URL);
		try {
			await eventually(
				async () => (await t.services.agents.list({ userId: alice.userId }))[0]?.online,
				10_000,
				'agent online'
			);
			const client = agentClient(t.url, alice.token);
			const sessionId = await startedSession(t.relay, alice, client, { prompt: 'output trace' });
			// The first batch loads the output script into Redis and sends the message; the next two
			// edit it, each after the chat's pace interval so that no wait shows up in the trace.
			await client.session.output.mutate({ sessionId, seq: 0, text: 'warm-up' });
			for (const seq of [1, 2]) {
				await new Promise((resolve) => setTimeout(resolve, CHAT_PACE_MS + 100));
				tracer.start();
				await client.session.output.mutate({ sessionId, seq, text: ` batch ${seq}` });
				const entries = tracer.stop();
				const shown = JSON.stringify(entries.map((e) => `${e.kind} ${e.what.slice(0, 80)}`));
				const botAt = entries.findIndex((e) => e.kind === 'bot');
				expect(entries[botAt]?.what, shown).toBe('editMessageText');
				const toTelegram = entries.slice(0, botAt);
				const io = toTelegram.filter((e) => e.kind !== 'done');
				expect(
					io.map((e) => e.kind),
					shown
				).toEqual(['sql', 'rest', 'rest', 'rest']);
				expect(io[0]!.what, shown).toMatch(/from "sessions"/);
				const append = io.find((e) => /"evalsha"/i.test(e.what));
				const read = io.find((e) => /"get","tg:live:/i.test(e.what));
				expect(append && read, shown).toBeTruthy();
				// Side by side: both are sent before either answer comes back.
				const firstDone = toTelegram.findIndex((e) => e.kind === 'done');
				expect(toTelegram.indexOf(append!), shown).toBeLessThan(firstDone);
				expect(toTelegram.indexOf(read!), shown).toBeLessThan(firstDone);
				// Then the pace mark, once both are back.
				expect(io[3]!.what, shown).toContain('tg:pace:');
				expect(toTelegram.indexOf(io[3]!), shown).toBeGreaterThan(
					toTelegram.findLastIndex((e) => e.kind === 'done' && e.what === read!.what)
				);
			}
		} finally {
			agent.disconnect();
			tracer.restore();
		}
	});
});
