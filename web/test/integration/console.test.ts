/**
 * Issue 11, the web console's relay side: a prompt from the dashboard reaches the agent through
 * the same queue as a Telegram message (once, however often the request is repeated), shares
 * the sender's Telegram rate limit, streams back through `session.onOutput`, and stops with
 * Abort; another account can neither send to the agent nor stop its sessions.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eq } from 'drizzle-orm';
import { appRouter, createCallerFactory } from '@remoteagent/shared/api';
import { outputLogKey } from '@remoteagent/shared';
import { sessions } from '../../src/lib/server/db/schema/index.ts';
import { CONSOLE_OUTPUT_GRACE_S } from '../../src/lib/server/sessions/sessions.ts';
import { startTestRelay, type TestRelay } from '../harness/relay.ts';
import { agentClient, ScriptedAgent, TEST_INSTANCE } from '../harness/scripted-agent.ts';
import { ALICE, BOB, pairAgent, textUpdate, type Person } from '../harness/accounts.ts';

/** Each test signs in its own person: the rate limit (4 a minute here) is per person. */
let people = 0;
const person = (): Person => {
	const n = ++people;
	return { id: 4000 + n, firstName: `P${n}`, username: `person${n}` };
};

let t: TestRelay;
const caller = createCallerFactory(appRouter);
const asUser = (userId: string) =>
	caller({ services: t.services, agentToken: null, user: { userId }, clientAddress: 'x' });
let requests = 0;
const requestId = () => `console-test-request-${++requests}`;

beforeAll(async () => {
	t = await startTestRelay({ TELEGRAM_RATE_PER_MINUTE: '4' });
});
afterAll(async () => {
	await t?.stop();
});

async function statusOf(sessionId: string) {
	const [row] = await t.relay.db.select().from(sessions).where(eq(sessions.id, sessionId));
	return row?.status;
}

describe('web console', () => {
	it('queues the prompt for the agent once, however often the request is repeated', async () => {
		const alice = await pairAgent(t.relay, t.services, ALICE, 'console-once');
		const agent = new ScriptedAgent(agentClient(t.url, alice.token));
		agent.connect();
		try {
			const input = {
				agentId: alice.agentId,
				prompt: '  list the *files*  ',
				requestId: requestId()
			};
			// Two at once (a double click, a retry racing the first try): one session.
			const [first, again] = await Promise.all([
				asUser(alice.userId).session.create(input),
				asUser(alice.userId).session.create(input)
			]);
			expect(again.sessionId).toBe(first.sessionId);
			expect(first.ahead).toBe(0);
			// A still-queued session is queued again (as for a redelivered Telegram update); it is
			// one session, and only one agent process gets to run it.
			await agent.until(() => agent.prompts().length >= 1, 10_000, 'the prompt');
			expect(new Set(agent.prompts().map((p) => p.sessionId))).toEqual(new Set([first.sessionId]));
			expect(agent.prompts()[0]).toMatchObject({
				prompt: 'list the *files*',
				startedBy: { telegramUserId: ALICE.id, name: '@alice' }
			});
			const client = agentClient(t.url, alice.token);
			const start = (instance: string) =>
				client.session.start.mutate({ sessionId: first.sessionId, instance });
			expect(await start(TEST_INSTANCE)).toEqual({ run: true });
			expect(await start('another-agent-process-0002')).toEqual({ run: false });
			expect(await asUser(alice.userId).session.create(input)).toMatchObject({
				sessionId: first.sessionId
			});
			expect(await statusOf(first.sessionId)).toBe('running');
			const count = await t.relay.db
				.select()
				.from(sessions)
				.where(eq(sessions.accountId, alice.userId));
			expect(count.filter((r) => r.promptPreview === 'list the *files*')).toHaveLength(1);
			const [row] = await t.relay.db
				.select()
				.from(sessions)
				.where(eq(sessions.id, first.sessionId));
			expect(row).toMatchObject({ accountId: alice.userId, telegramChatId: null });

			// A different request is a different session.
			const other = await asUser(alice.userId).session.create({ ...input, requestId: requestId() });
			expect(other.sessionId).not.toBe(first.sessionId);
			expect(other.ahead).toBe(1);
		} finally {
			agent.disconnect();
		}
	});

	it('streams the output to the page and stops the running task on Abort', async () => {
		const alice = await pairAgent(t.relay, t.services, person(), 'console-stream');
		const client = agentClient(t.url, alice.token);
		const agent = new ScriptedAgent(client);
		agent.connect();
		try {
			const { sessionId } = await asUser(alice.userId).session.create({
				agentId: alice.agentId,
				prompt: 'stream please',
				requestId: requestId()
			});
			await agent.until(() => agent.prompts().length === 1, 10_000, 'the prompt');
			await client.session.start.mutate({ sessionId, instance: TEST_INSTANCE });

			const events: unknown[] = [];
			const controller = new AbortController();
			const stream = t.services.sessions.streamOutput(
				{ userId: alice.userId },
				sessionId,
				null,
				controller.signal
			);
			const reading = (async () => {
				for await (const { event } of stream) events.push(event);
			})();
			await client.session.output.mutate({ sessionId, seq: 0, text: '# Title\n' });
			await client.session.output.mutate({ sessionId, seq: 1, text: 'more' });

			await asUser(alice.userId).session.abort({ sessionId });
			await agent.until(
				() => agent.received.some((r) => r.command.type === 'abort'),
				10_000,
				'the abort command'
			);
			expect(agent.received.at(-1)!.command).toEqual({ type: 'abort', sessionId });
			expect(await statusOf(sessionId)).toBe('running'); // until the agent reports the end
			await client.session.finish.mutate({
				sessionId,
				status: 'aborted',
				reason: null,
				durationMs: 5
			});
			await reading;
			expect(events).toEqual([
				{ kind: 'text', text: '# Title\n', seq: 0 },
				{ kind: 'text', text: 'more', seq: 1 },
				{ kind: 'end', status: 'aborted', reason: null }
			]);
			// Nothing went to Telegram: the session has no chat.
			expect(t.telegram.messages(ALICE.id).some((m) => m.visible.includes('Title'))).toBe(false);
		} finally {
			agent.disconnect();
		}
	});

	it('keeps a quick task’s output for a page that connects after the end, briefly', async () => {
		const owner = await pairAgent(t.relay, t.services, person(), 'console-quick');
		const client = agentClient(t.url, owner.token);
		const { sessionId } = await asUser(owner.userId).session.create({
			agentId: owner.agentId,
			prompt: 'quick',
			requestId: requestId()
		});
		await client.session.start.mutate({ sessionId, instance: TEST_INSTANCE });
		await client.session.output.mutate({ sessionId, seq: 0, text: 'all done' });
		await client.session.finish.mutate({ sessionId, status: 'done', reason: null, durationMs: 1 });
		const read = async () => {
			const events: unknown[] = [];
			const stream = t.services.sessions.streamOutput(
				{ userId: owner.userId },
				sessionId,
				null,
				new AbortController().signal
			);
			for await (const { event } of stream) events.push(event);
			return events;
		};
		expect(await read()).toEqual([
			{ kind: 'text', text: 'all done', seq: 0 },
			{ kind: 'end', status: 'done', reason: null }
		]);
		const ttl = await t.relay.redis.ttl(outputLogKey(sessionId));
		expect(ttl).toBeGreaterThan(0);
		expect(ttl).toBeLessThanOrEqual(CONSOLE_OUTPUT_GRACE_S);
		// After the grace the relay has nothing but the end.
		await t.relay.redis.del(outputLogKey(sessionId));
		expect(await read()).toEqual([{ kind: 'end', status: 'done', reason: null }]);
	});

	it('ends a queued session at once on Abort', async () => {
		const alice = await pairAgent(t.relay, t.services, person(), 'console-queued');
		const { sessionId } = await asUser(alice.userId).session.create({
			agentId: alice.agentId,
			prompt: 'never mind',
			requestId: requestId()
		});
		expect(await statusOf(sessionId)).toBe('queued');
		await asUser(alice.userId).session.abort({ sessionId });
		expect(await statusOf(sessionId)).toBe('aborted');
		// Aborting an ended session is harmless.
		await asUser(alice.userId).session.abort({ sessionId });
		expect(await statusOf(sessionId)).toBe('aborted');
	});

	it('shares the sender’s Telegram rate limit', async () => {
		const carol = person();
		const mine = await pairAgent(t.relay, t.services, carol, 'console-limited');
		const send = () =>
			asUser(mine.userId).session.create({
				agentId: mine.agentId,
				prompt: 'again',
				requestId: requestId()
			});
		// All in one minute's window: across a boundary four requests would not use up the limit.
		const undo = t.atMinuteStart();
		try {
			// Two Telegram messages and two console prompts use up the 4 a minute.
			for (const text of ['one', 'two']) {
				expect((await t.postUpdate(textUpdate(carol, text))).status).toBe(200);
			}
			await send();
			await send();
			await expect(send()).rejects.toMatchObject({ code: 'TOO_MANY_REQUESTS' });
		} finally {
			undo();
		}
	});

	it('lets no other account send to the agent or stop its sessions', async () => {
		const alice = await pairAgent(t.relay, t.services, person(), 'console-private');
		const bob = await pairAgent(t.relay, t.services, BOB, 'console-bobs');
		await expect(
			asUser(bob.userId).session.create({
				agentId: alice.agentId,
				prompt: 'rm -rf /',
				requestId: requestId()
			})
		).rejects.toMatchObject({ code: 'NOT_FOUND' });
		const request = requestId();
		const { sessionId } = await asUser(alice.userId).session.create({
			agentId: alice.agentId,
			prompt: 'mine',
			requestId: request
		});
		await expect(asUser(bob.userId).session.abort({ sessionId })).rejects.toMatchObject({
			code: 'NOT_FOUND'
		});
		expect(await statusOf(sessionId)).toBe('queued');
		// Bob repeating Alice's request id makes his own session, never finds hers.
		const bobs = await asUser(bob.userId).session.create({
			agentId: bob.agentId,
			prompt: 'mine too',
			requestId: request
		});
		expect(bobs.sessionId).not.toBe(sessionId);
	});

	it('refuses a blank prompt', async () => {
		const alice = await pairAgent(t.relay, t.services, person(), 'console-blank');
		await expect(
			asUser(alice.userId).session.create({
				agentId: alice.agentId,
				prompt: '  \n ',
				requestId: requestId()
			})
		).rejects.toMatchObject({ code: 'BAD_REQUEST' });
	});
});
