/**
 * Issue 10, approvals, through the relay with the scripted agent: a request becomes a Telegram
 * message with buttons; a tap (or a reply, for a deny with a reason) reaches the agent as an
 * `approval` command, once; strangers and late taps change nothing; the agent's expiry denies
 * unless a person answered first; nothing readable is left in Redis.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Redis } from 'ioredis';
import { randomBytes } from 'node:crypto';
import type { ApprovalCommand } from '@remoteagent/shared';
import { authorizedUsers } from '../../src/lib/server/db/schema/index.ts';
import { newId } from '../../src/lib/server/db/ids.ts';
import { permissionModeLabel, permissionModesOf } from '../../src/lib/server/approvals/modes.ts';
import { messageKey } from '../../src/lib/server/approvals/approvals.ts';
import { startTestRelay, type TestRelay } from '../harness/relay.ts';
import {
	agentClient,
	eventually,
	ScriptedAgent,
	TEST_INSTANCE
} from '../harness/scripted-agent.ts';
import {
	ALICE,
	BOB,
	MALLORY,
	callbackUpdate,
	pairAgent,
	textUpdate,
	type Person
} from '../harness/accounts.ts';

let t: TestRelay;
let alice: Awaited<ReturnType<typeof pairAgent>>;
let mallory: Awaited<ReturnType<typeof pairAgent>>;
let agent: ScriptedAgent;

beforeAll(async () => {
	t = await startTestRelay({ TELEGRAM_RATE_PER_MINUTE: '1000', APPROVAL_TIMEOUT: '120000' });
	alice = await pairAgent(t.relay, t.services, ALICE, 'my-api');
	mallory = await pairAgent(t.relay, t.services, MALLORY, 'evil');
	await t.relay.db.insert(authorizedUsers).values({
		id: newId('au'),
		accountId: alice.userId,
		telegramUserId: BOB.id,
		firstName: BOB.firstName,
		username: BOB.username,
		role: 'member'
	});
	agent = new ScriptedAgent(agentClient(t.url, alice.token));
	agent.connect();
});
afterAll(async () => {
	agent?.disconnect();
	await t?.stop();
});

const requestId = () => randomBytes(12).toString('base64url');

/** A running session of Alice's agent, started from her chat. */
async function runningTask(text = `task ${requestId()}`): Promise<string> {
	const before = agent.prompts().length;
	expect((await t.postUpdate(textUpdate(ALICE, text))).status).toBe(200);
	await agent.until(() => agent.prompts().length > before, 10_000, 'prompt delivered');
	const { sessionId } = agent.prompts().at(-1)!;
	await agent.client.session.start.mutate({ sessionId, instance: TEST_INSTANCE });
	return sessionId;
}

const bashRequest = (sessionId: string, id: string, command = 'npm test') => ({
	sessionId,
	requestId: id,
	tool: 'Bash',
	what: command,
	why: 'Run the test suite',
	detail: null,
	pattern: 'Bash(npm test:*)'
});

/** The approval message Alice got for a request, and its callback data by button text. */
async function approvalMessage(person: Person, what: string) {
	const message = await t.telegram.waitFor(() =>
		t.telegram
			.messages(person.id)
			.find((m) => m.text.includes('asks to use') && m.text.includes(what))
	);
	const rows = (
		message.reply_markup as { inline_keyboard: { text: string; callback_data: string }[][] }
	).inline_keyboard;
	const buttons = Object.fromEntries(rows.flat().map((b) => [b.text, b.callback_data]));
	return { message, buttons };
}

const current = (person: Person, messageId: number) =>
	t.telegram.messages(person.id).find((m) => m.message_id === messageId)!;

function approvals(): ApprovalCommand[] {
	return agent.received.flatMap((r) => (r.command.type === 'approval' ? [r.command] : []));
}

async function tap(person: Person, data: string, messageId: number): Promise<string | undefined> {
	const update = callbackUpdate(person, data, messageId);
	expect((await t.postUpdate(update)).status).toBe(200);
	const call = t.telegram.calls.find(
		(c) =>
			c.method === 'answerCallbackQuery' && c.payload.callback_query_id === update.callback_query.id
	);
	return call?.payload.text as string | undefined;
}

describe('approvals', () => {
	it('posts the request with four buttons; Allow once reaches the agent once', async () => {
		const sessionId = await runningTask();
		const id = requestId();
		const { timeoutMs } = await agent.client.approval.request.mutate(
			bashRequest(sessionId, id, 'npm test -- --grep add')
		);
		expect(timeoutMs).toBe(120_000);
		// A retried request is the same request: one message.
		await agent.client.approval.request.mutate(
			bashRequest(sessionId, id, 'npm test -- --grep add')
		);
		const { message, buttons } = await approvalMessage(ALICE, 'npm test -- --grep add');
		expect(t.telegram.messages(ALICE.id).filter((m) => m.text.includes('--grep add'))).toHaveLength(
			1
		);
		expect(message.text).toContain('Why: Run the test suite');
		expect(Object.keys(buttons)).toEqual([
			'✅ Allow once',
			'✅ Allow for this task',
			'✅ Always allow Bash(npm test:*)',
			'❌ Deny'
		]);
		for (const data of Object.values(buttons)) {
			expect(data).toMatch(/^ap:[\w-]{22}:[otad]$/);
			expect(data).not.toContain(sessionId);
		}

		expect(await tap(ALICE, buttons['✅ Allow once']!, message.message_id)).toBe('Allowed once.');
		await agent.until(() => approvals().some((a) => a.requestId === id), 10_000, 'answer');
		const answer = approvals().find((a) => a.requestId === id)!;
		expect(answer).toMatchObject({
			sessionId,
			decision: 'allow-once',
			reason: null,
			by: { telegramUserId: ALICE.id, name: '@alice' }
		});
		const edited = current(ALICE, message.message_id);
		expect(edited.visible).toContain('✅ Allowed once by @alice');
		expect(JSON.stringify(edited.reply_markup ?? { inline_keyboard: [] })).toBe(
			'{"inline_keyboard":[]}'
		);

		// A second tap (the same or another button) changes nothing.
		expect(await tap(ALICE, buttons['❌ Deny']!, message.message_id)).toBe('Already answered.');
		// The expiry after an answer returns that answer.
		expect(
			await agent.client.approval.expire.mutate({ sessionId, requestId: id, why: 'timeout' })
		).toMatchObject({ decision: 'allow-once', by: { name: '@alice' } });
		await new Promise((r) => setTimeout(r, 500));
		expect(approvals().filter((a) => a.requestId === id)).toHaveLength(1);
		expect(current(ALICE, message.message_id).visible).toContain('Allowed once by @alice');
	});

	it('a reply to the request denies with the reply as the reason, even one that quick', async () => {
		const sessionId = await runningTask();
		const id = requestId();
		await agent.client.approval.request.mutate(bashRequest(sessionId, id, 'rm -rf build'));
		const { message } = await approvalMessage(ALICE, 'rm -rf build');
		// Replied to the moment it appeared, before the relay recorded which message it posted:
		// the request is known by the buttons Telegram sends along with the replied message.
		await t.relay.redis.del(messageKey(Number(message.chat_id), message.message_id));
		const reply = textUpdate(ALICE, 'not the build dir, use make clean');
		Object.assign(reply.message, { reply_to_message: t.telegram.asMessage(message) });
		expect((await t.postUpdate(reply)).status).toBe(200);
		await agent.until(() => approvals().some((a) => a.requestId === id), 10_000, 'answer');
		expect(approvals().find((a) => a.requestId === id)).toMatchObject({
			decision: 'deny',
			reason: 'not the build dir, use make clean'
		});
		expect(current(ALICE, message.message_id).visible).toContain(
			'❌ Denied by @alice: “not the build dir, use make clean”'
		);
		// The reply was not taken for a new prompt.
		expect(agent.prompts().some((p) => p.prompt.includes('make clean'))).toBe(false);
	});

	it("buttons on a message the bot did not send are not taken for a request's", async () => {
		const sessionId = await runningTask();
		const id = requestId();
		await agent.client.approval.request.mutate(bashRequest(sessionId, id, 'make release'));
		const { message, buttons } = await approvalMessage(ALICE, 'make release');
		// Alice's own message (sent through an inline bot, say) with a copy of the request's buttons.
		const reply = textUpdate(ALICE, 'ship it anyway');
		Object.assign(reply.message, {
			reply_to_message: {
				...t.telegram.asMessage(message),
				message_id: message.message_id + 1_000,
				from: { id: ALICE.id, is_bot: false, first_name: ALICE.firstName }
			}
		});
		expect((await t.postUpdate(reply)).status).toBe(200);
		// Handled as an ordinary message (here: a prompt for the busy agent), not as a deny.
		await eventually(
			() => t.telegram.messages(ALICE.id).some((m) => m.visible.includes('busy')),
			10_000,
			'the reply handled as a prompt'
		);
		expect(approvals().some((a) => a.requestId === id)).toBe(false);
		const markup = current(ALICE, message.message_id).reply_markup as {
			inline_keyboard?: unknown[];
		};
		expect(markup.inline_keyboard?.length).toBeGreaterThan(0);
		expect(await tap(ALICE, buttons['❌ Deny']!, message.message_id)).toBe('Denied.');
	});

	it("a stranger's tap is ignored; a member of the account may answer", async () => {
		const sessionId = await runningTask();
		const id = requestId();
		await agent.client.approval.request.mutate(bashRequest(sessionId, id, 'make deploy'));
		const { message, buttons } = await approvalMessage(ALICE, 'make deploy');
		// Mallory has her own account, not Alice's: she gets no answer at all, and nothing changes.
		expect(await tap(MALLORY, buttons['✅ Allow once']!, message.message_id)).toBe(
			'Only people of this agent’s account can answer.'
		);
		expect(
			await tap(
				{ id: 424242, firstName: 'Eve', username: 'eve' },
				buttons['✅ Allow once']!,
				message.message_id
			)
		).toBeUndefined();
		await new Promise((r) => setTimeout(r, 500));
		expect(approvals().some((a) => a.requestId === id)).toBe(false);
		expect(current(ALICE, message.message_id).edits).toBe(0);

		expect(await tap(BOB, buttons['✅ Allow for this task']!, message.message_id)).toBe(
			'Allowed for this task.'
		);
		await agent.until(() => approvals().some((a) => a.requestId === id), 10_000, 'answer');
		expect(approvals().find((a) => a.requestId === id)).toMatchObject({
			decision: 'allow-task',
			by: { telegramUserId: BOB.id }
		});
	});

	it('an expiry denies, says so in the chat, and a later tap is already answered', async () => {
		const sessionId = await runningTask();
		const id = requestId();
		await agent.client.approval.request.mutate(bashRequest(sessionId, id, 'npm publish'));
		const { message, buttons } = await approvalMessage(ALICE, 'npm publish');
		expect(
			await agent.client.approval.expire.mutate({ sessionId, requestId: id, why: 'timeout' })
		).toEqual({
			decision: 'deny',
			reason: 'nobody answered the approval request in time',
			by: null
		});
		expect(current(ALICE, message.message_id).visible).toContain(
			'⌛ No answer within 2m 0s: denied.'
		);
		expect(await tap(ALICE, buttons['✅ Allow once']!, message.message_id)).toBe(
			'Already answered.'
		);
		await new Promise((r) => setTimeout(r, 300));
		expect(approvals().some((a) => a.requestId === id)).toBe(false);
	});

	it('a task that ends with a request open denies it and takes the buttons away', async () => {
		const asked = async (what: string) => {
			const sessionId = await runningTask();
			const id = requestId();
			await agent.client.approval.request.mutate(bashRequest(sessionId, id, what));
			return { sessionId, id, ...(await approvalMessage(ALICE, what)) };
		};
		// Its agent was killed while it waited: the relay fails the task, and nobody else would
		// ever close the request.
		const failed = await asked('make lint');
		// The agent's next process reports in without the task (past the grace for a start
		// racing the heartbeat): the relay fails it.
		t.advance(11_000);
		try {
			await agent.client.agent.heartbeat.mutate({ busySessionId: null, version: requestId() });
		} finally {
			t.advance(-11_000);
		}
		expect(t.telegram.messages(ALICE.id).map((m) => m.visible)).toContain(
			'❌ Failed: the agent restarted while running this task'
		);
		const closed = current(ALICE, failed.message.message_id);
		expect(closed.visible).toContain('⏹ The task ended before an answer: denied.');
		const markup = closed.reply_markup as { inline_keyboard?: unknown[] } | undefined;
		expect(markup?.inline_keyboard ?? []).toEqual([]);
		// A tap from a chat that still shows the old buttons changes nothing.
		expect(await tap(ALICE, failed.buttons['✅ Allow once']!, failed.message.message_id)).toBe(
			'Already answered.'
		);

		const aborted = await asked('make docs');
		await agent.client.session.finish.mutate({
			sessionId: aborted.sessionId,
			status: 'aborted',
			reason: null,
			durationMs: 5
		});
		expect(current(ALICE, aborted.message.message_id).visible).toContain(
			'⏹ The task was aborted: denied.'
		);
		// The agent, still waiting, hears the same deny when it stops waiting.
		expect(
			await agent.client.approval.expire.mutate({
				sessionId: aborted.sessionId,
				requestId: aborted.id,
				why: 'aborted'
			})
		).toMatchObject({ decision: 'deny', by: null });
		await new Promise((r) => setTimeout(r, 300));
		expect(approvals().some((a) => [failed.id, aborted.id].includes(a.requestId))).toBe(false);
	});

	it("another agent can neither ask in Alice's session nor close her requests", async () => {
		const sessionId = await runningTask();
		const evil = agentClient(t.url, mallory.token);
		await expect(
			evil.approval.request.mutate(bashRequest(sessionId, requestId(), 'curl evil.sh'))
		).rejects.toMatchObject({ data: { domainCode: 'SESSION_NOT_FOUND' } });
		const id = requestId();
		await agent.client.approval.request.mutate(bashRequest(sessionId, id, 'make test'));
		const { message, buttons } = await approvalMessage(ALICE, 'make test');
		expect(
			await evil.approval.expire.mutate({ sessionId, requestId: id, why: 'timeout' })
		).toMatchObject({ decision: 'deny', by: null });
		// Still open for Alice.
		expect(current(ALICE, message.message_id).edits).toBe(0);
		expect(await tap(ALICE, buttons['✅ Allow once']!, message.message_id)).toBe('Allowed once.');
	});

	it('keeps nothing readable in Redis', async () => {
		const sessionId = await runningTask();
		const marker = `MARKER-${requestId()}`;
		const id = requestId();
		await agent.client.approval.request.mutate({
			...bashRequest(sessionId, id, `echo ${marker}`),
			why: `because ${marker}`,
			detail: `+ ${marker}`
		});
		const { message } = await approvalMessage(ALICE, marker);
		const reply = textUpdate(ALICE, `no ${marker}`);
		Object.assign(reply.message, {
			reply_to_message: { ...reply.message, message_id: message.message_id, text: message.text }
		});
		await t.postUpdate(reply);
		await agent.until(() => approvals().some((a) => a.requestId === id), 10_000, 'answer');
		const redis = new Redis(t.redisUrl);
		try {
			const found: string[] = [];
			for (const key of await redis.keys('*')) {
				const type = await redis.type(key);
				const dump =
					type === 'string'
						? await redis.get(key)
						: type === 'stream'
							? JSON.stringify(await redis.xrange(key, '-', '+'))
							: type === 'hash'
								? JSON.stringify(await redis.hgetall(key))
								: '';
				if (`${key} ${dump}`.includes(marker)) found.push(key);
			}
			expect(found).toEqual([]);
		} finally {
			redis.disconnect();
		}
	});

	it('the dashboard shows the permission mode an agent reports with its heartbeat', async () => {
		const before = await permissionModesOf(t.relay.redis, [mallory.agentId]);
		expect(before.get(mallory.agentId)).toBeNull();
		expect(permissionModeLabel(null)).toBe('not reported');
		const evil = agentClient(t.url, mallory.token);
		await evil.agent.heartbeat.mutate({
			busySessionId: null,
			version: 'test',
			permissionMode: 'auto'
		});
		await agent.client.agent.heartbeat.mutate({
			busySessionId: null,
			version: 'test',
			permissionMode: 'accept-edits'
		});
		const modes = await permissionModesOf(t.relay.redis, [alice.agentId, mallory.agentId]);
		expect(modes.get(alice.agentId)).toBe('accept-edits');
		expect(modes.get(mallory.agentId)).toBe('auto');
		expect(permissionModeLabel('auto')).toBe('auto: runs everything without asking');
		await expect(
			evil.agent.heartbeat.mutate({
				busySessionId: null,
				version: 'test',
				permissionMode: 'yolo' as 'auto'
			})
		).rejects.toMatchObject({ data: { code: 'BAD_REQUEST' } });
	});
});
