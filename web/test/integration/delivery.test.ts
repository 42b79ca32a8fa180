/**
 * Issue 4 end to end with the scripted agent: Telegram update → session → command delivered
 * exactly once → output as live Telegram messages → end notice.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { eq } from 'drizzle-orm';
import { agentQueueKey, outputLogKey } from '@remoteagent/shared';
import { authorizedUsers, sessions } from '../../src/lib/server/db/schema/index.ts';
import { newId } from '../../src/lib/server/db/ids.ts';
import { runSweep } from '../../src/lib/server/sweep.ts';
import { intakePrompt } from '../../src/lib/server/sessions/intake.ts';
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
	callbackUpdate,
	pairAgent,
	textUpdate,
	type Person
} from '../harness/accounts.ts';

let t: TestRelay;
let alice: Awaited<ReturnType<typeof pairAgent>>;
const agents: ScriptedAgent[] = [];

beforeAll(async () => {
	t = await startTestRelay({ TELEGRAM_RATE_PER_MINUTE: '1000' });
	alice = await pairAgent(t.relay, t.services, ALICE, 'my-api');
	// Bob is a member of Alice's account.
	await t.relay.db.insert(authorizedUsers).values({
		id: newId('au'),
		accountId: alice.userId,
		telegramUserId: BOB.id,
		firstName: BOB.firstName,
		username: BOB.username,
		role: 'member'
	});
});
afterEach(async () => {
	for (const agent of agents.splice(0)) agent.disconnect();
	await t.relay.db
		.update(sessions)
		.set({ status: 'done' })
		.where(eq(sessions.agentId, alice.agentId));
	await t.relay.redis.del(agentQueueKey(alice.agentId));
});
afterAll(async () => {
	await t?.stop();
});

function connect(opts: { ack?: boolean } = {}, lastEventId: string | null = null): ScriptedAgent {
	const agent = new ScriptedAgent(agentClient(t.url, alice.token), opts);
	agent.lastEventId = lastEventId;
	agent.connect();
	agents.push(agent);
	return agent;
}

async function online(): Promise<void> {
	await eventually(
		async () => (await t.services.agents.list({ userId: alice.userId }))[0]?.online,
		10_000,
		'agent online'
	);
}

const texts = (person: Person) => t.telegram.messages(person.id).map((m) => m.visible);
const lastText = (person: Person) => texts(person).at(-1) ?? '';

async function say(person: Person, text: string): Promise<void> {
	const response = await t.postUpdate(textUpdate(person, text));
	expect(response.status).toBe(200);
}

async function promptAndReceive(agent: ScriptedAgent, text: string) {
	const before = agent.prompts().length;
	await say(ALICE, text);
	await agent.until(() => agent.prompts().length > before, 10_000, 'prompt delivered');
	return agent.prompts().at(-1)!;
}

describe('relay', () => {
	it('answers /help for an authorised user', async () => {
		await say(ALICE, '/help');
		expect(lastText(ALICE)).toContain('I relay your messages');
	});

	it('delivers a prompt, streams output as edits, and ends with a new message', async () => {
		const agent = connect();
		await online();
		const long = 'Refactor the parser. '.repeat(20);
		const command = await promptAndReceive(agent, long);
		expect(command.prompt).toBe(long);
		expect(lastText(ALICE)).toBe('▶ my-api: working…');
		const [row] = await t.relay.db
			.select()
			.from(sessions)
			.where(eq(sessions.id, command.sessionId));
		expect(row?.promptPreview.length).toBeLessThanOrEqual(200);
		expect(row?.startedByTelegramUserId).toBe(ALICE.id);

		const client = agent.client;
		expect(
			await client.session.start.mutate({ sessionId: command.sessionId, instance: TEST_INSTANCE })
		).toEqual({
			run: true
		});
		await client.session.output.mutate({
			sessionId: command.sessionId,
			seq: 0,
			text: 'Reading `src/a.ts`…\n'
		});
		await client.session.output.mutate({
			sessionId: command.sessionId,
			seq: 1,
			text: 'Done: **3 files** changed & <ok>.'
		});
		// A retried batch (same seq) is not applied twice.
		await client.session.output.mutate({
			sessionId: command.sessionId,
			seq: 1,
			text: 'Done: **3 files** changed & <ok>.'
		});
		const output = t.telegram.messages(ALICE.id).at(-1)!;
		expect(output.visible).toBe('Reading src/a.ts…\nDone: 3 files changed & <ok>.');
		expect(output.edits).toBe(1);
		await client.session.finish.mutate({
			sessionId: command.sessionId,
			status: 'done',
			reason: null,
			durationMs: 192_000
		});
		expect(lastText(ALICE)).toBe('✅ Done in 3m 12s');
		expect(await t.relay.redis.exists(outputLogKey(command.sessionId))).toBe(0);
		const [ended] = await t.relay.db
			.select()
			.from(sessions)
			.where(eq(sessions.id, command.sessionId));
		expect(ended?.status).toBe('done');
	});

	it('queues prompts for an offline agent and delivers them when it returns', async () => {
		await t.relay.db
			.update((await import('../../src/lib/server/db/schema/index.ts')).agents)
			.set({ status: 'offline' });
		await say(ALICE, 'run while I am away');
		expect(lastText(ALICE)).toMatch(/my-api is offline .* will wait 10m 0s/);
		const agent = connect();
		await agent.until(
			() => agent.prompts().some((p) => p.prompt === 'run while I am away'),
			10_000,
			'queued prompt'
		);
	});

	it('expires prompts that waited too long and tells the user', async () => {
		await t.relay.db
			.update((await import('../../src/lib/server/db/schema/index.ts')).agents)
			.set({ status: 'offline' });
		await say(ALICE, 'too late for this');
		t.advance(11 * 60_000);
		try {
			const report = await runSweep(t.relay);
			expect(report.expiredPrompts).toBe(1);
			expect(lastText(ALICE)).toContain('⌛ Not run');
			const agent = connect();
			await online();
			await new Promise((r) => setTimeout(r, 700));
			expect(agent.prompts().some((p) => p.prompt === 'too late for this')).toBe(false);
		} finally {
			t.advance(-11 * 60_000);
		}
	});

	it('resumes after a disconnect without losing or repeating a command', async () => {
		const first = connect({ ack: false });
		await online();
		await promptAndReceive(first, 'one');
		const resumeFrom = first.lastEventId;
		first.disconnect();
		await say(ALICE, 'two');
		await say(ALICE, 'three');
		const second = connect({ ack: false }, resumeFrom);
		await second.until(() => second.prompts().length >= 2, 10_000, 'backlog');
		await new Promise((r) => setTimeout(r, 700));
		expect(second.prompts().map((p) => p.prompt)).toEqual(['two', 'three']);
	});

	it('still delivers when the pub/sub wake-up is lost', async () => {
		const agent = connect();
		await online();
		// Appended without the pub/sub message that normally wakes the subscription.
		const command = JSON.stringify({ type: 'abort', sessionId: null });
		await t.relay.redis.xadd(agentQueueKey(alice.agentId), '*', {
			type: 'abort',
			session: '',
			sealed: await t.relay.sealer.seal('command', alice.agentId, command)
		});
		await agent.until(
			() => agent.received.some((r) => r.command.type === 'abort'),
			5_000,
			'polled command'
		);
		expect(agent.received.filter((r) => r.command.type === 'abort')).toHaveLength(1);
	});

	it('reads the stream at once when a pushed command names an entry it never saw', async () => {
		const queue = t.relay.queue as unknown as { pollMs: number };
		const harnessPollMs = queue.pollMs;
		queue.pollMs = 3_600_000; // no periodic check: only the gap can bring the lost entry
		try {
			const agent = connect();
			await online();
			// Appended without its pub/sub message, as if that message were lost.
			await t.relay.redis.xadd(agentQueueKey(alice.agentId), '*', {
				type: 'abort',
				session: '',
				sealed: await t.relay.sealer.seal(
					'command',
					alice.agentId,
					JSON.stringify({ type: 'abort', sessionId: null })
				)
			});
			await say(ALICE, 'after the lost one');
			await agent.until(() => agent.prompts().length === 1, 5_000, 'the next prompt');
			expect(agent.received.map((r) => r.command.type)).toEqual(['abort', 'prompt']);
		} finally {
			queue.pollMs = harnessPollMs;
		}
	});

	it('queues the session a relay made before it died, when Telegram delivers the update again', async () => {
		const agent = connect();
		await online();
		const update = textUpdate(ALICE, 'the relay died after the insert');
		// What a relay killed between its SQL statement and its enqueue leaves behind: the session
		// row, no stream entry, no reply, and Telegram still waiting for a 2xx.
		const intake = await intakePrompt(t.relay, {
			sessionId: newId('ses'),
			telegramUserId: ALICE.id,
			startedByName: ALICE.username!,
			chatId: update.message.chat.id,
			messageId: update.message.message_id,
			prompt: update.message.text
		});
		expect(intake).toMatchObject({ kind: 'queued', inserted: true });
		expect((await t.postUpdate(update)).status).toBe(200);
		await agent.until(
			() => agent.prompts().some((p) => p.prompt === 'the relay died after the insert'),
			5_000,
			'the prompt'
		);
		const rows = await t.relay.db
			.select()
			.from(sessions)
			.where(eq(sessions.telegramMessageId, update.message.message_id));
		expect(rows).toHaveLength(1);
		expect(agent.prompts().filter((p) => p.sessionId === rows[0]!.id)).toHaveLength(1);
		expect(lastText(ALICE)).toBe('▶ my-api: working…');
	});

	it('offers a prompt again to a new agent process until its session starts, acknowledged or not', async () => {
		const first = connect();
		await online();
		const command = await promptAndReceive(first, 'survive a kill -9');
		await new Promise((r) => setTimeout(r, 300)); // its ack has been sent
		first.disconnect();
		// A new process of the agent reads its queue from the start.
		const second = connect();
		await second.until(
			() => second.prompts().some((p) => p.sessionId === command.sessionId),
			10_000,
			'the prompt offered again'
		);
		expect(
			await second.client.session.start.mutate({
				sessionId: command.sessionId,
				instance: 'second-process-instance'
			})
		).toEqual({ run: true });
		second.disconnect();
		const third = connect();
		await online();
		await new Promise((r) => setTimeout(r, 700));
		expect(third.prompts().map((p) => p.sessionId)).not.toContain(command.sessionId);
	});

	it('lets only the agent process that started a session run it; its own retry still runs', async () => {
		const agent = connect();
		await online();
		const command = await promptAndReceive(agent, 'only once');
		const start = (instance: string) =>
			agent.client.session.start.mutate({ sessionId: command.sessionId, instance });
		expect(await start('process-one-instance-id')).toEqual({ run: true });
		expect(await start('process-two-instance-id')).toEqual({ run: false });
		expect(await start('process-one-instance-id'), 'a retried start').toEqual({ run: true });
	});

	it('fails a task left running by a killed agent even when the new process is busy', async () => {
		const agent = connect();
		await online();
		const orphan = await promptAndReceive(agent, 'killed mid-task');
		await agent.client.session.start.mutate({
			sessionId: orphan.sessionId,
			instance: 'the-killed-process-id'
		});
		const next = await promptAndReceive(agent, 'the next task');
		await agent.client.session.start.mutate({
			sessionId: next.sessionId,
			instance: 'the-new-process-id-00'
		});
		t.advance(11_000); // past the grace for a start racing the heartbeat
		try {
			await agent.client.agent.heartbeat.mutate({ busySessionId: next.sessionId, version: 't' });
		} finally {
			t.advance(-11_000);
		}
		const status = async (id: string) =>
			(await t.relay.db.select().from(sessions).where(eq(sessions.id, id)))[0]?.status;
		expect(await status(orphan.sessionId)).toBe('failed');
		expect(await status(next.sessionId)).toBe('running');
		expect(texts(ALICE)).toContain('❌ Failed: the agent restarted while running this task');
	});

	it('tells the sender "not run" when the window ends, even if Redis lost the queue', async () => {
		await t.relay.db
			.update((await import('../../src/lib/server/db/schema/index.ts')).agents)
			.set({ status: 'offline' });
		await say(ALICE, 'lost with the queue');
		await t.relay.redis.del(agentQueueKey(alice.agentId));
		t.advance(11 * 60_000);
		try {
			expect((await runSweep(t.relay)).expiredPrompts).toBe(1);
		} finally {
			t.advance(-11 * 60_000);
		}
		expect(lastText(ALICE)).toMatch(
			/^⌛ Not run: no agent took it within 10m 0s\. Prompt: “lost with the queue”/
		);
	});

	it('keeps at most three command subscriptions of one agent: a fourth ends the oldest', async () => {
		const leases = () => t.relay.redis.zcard(`agent:${alice.agentId}:subs`);
		const oldest = connect();
		await eventually(async () => (await leases()) === 1, 10_000, 'the first subscription');
		connect();
		connect();
		await eventually(async () => (await leases()) === 3, 10_000, 'three subscriptions');
		// A lease of a relay that died holds its place until it lapses; a reconnect must still get in.
		const fourth = connect();
		await oldest.until(
			() => oldest.connectionErrors.length + oldest.errors.length > 0,
			10_000,
			'the oldest ended'
		);
		oldest.disconnect();
		expect(String([...oldest.connectionErrors, ...oldest.errors][0])).toContain(
			'too many open connections'
		);
		expect(await leases()).toBeLessThanOrEqual(3);
		await online();
		const command = await promptAndReceive(fourth, 'to the newest');
		expect(command.prompt).toBe('to the newest');
	});

	it('aborts the running task from the word and from the button', async () => {
		const agent = connect();
		await online();
		const command = await promptAndReceive(agent, 'long job');
		await agent.client.session.start.mutate({
			sessionId: command.sessionId,
			instance: TEST_INSTANCE
		});
		await say(ALICE, 'abort');
		await agent.until(
			() =>
				agent.received.some(
					(r) => r.command.type === 'abort' && r.command.sessionId === command.sessionId
				),
			5_000,
			'abort'
		);
		const button = await t.postUpdate(callbackUpdate(ALICE, `abort:${command.sessionId}`));
		expect(button.status).toBe(200);
		await agent.client.session.finish.mutate({
			sessionId: command.sessionId,
			status: 'aborted',
			reason: null,
			durationMs: 5
		});
		expect(lastText(ALICE)).toBe('⏹ Aborted');
	});

	it('an abort before delivery ends the task without running it', async () => {
		await t.relay.db
			.update((await import('../../src/lib/server/db/schema/index.ts')).agents)
			.set({ status: 'offline' });
		await say(ALICE, 'never mind');
		const [queued] = await t.relay.db.select().from(sessions).where(eq(sessions.status, 'queued'));
		await t.postUpdate(callbackUpdate(ALICE, `abort:${queued!.id}`));
		expect(lastText(ALICE)).toBe('⏹ Aborted');
		const agent = connect();
		await online();
		await new Promise((r) => setTimeout(r, 700));
		expect(agent.prompts().some((p) => p.sessionId === queued!.id)).toBe(false);
	});

	it('continue carries the previous session to the agent', async () => {
		const agent = connect();
		await online();
		const first = await promptAndReceive(agent, 'write the tests');
		await agent.client.session.start.mutate({
			sessionId: first.sessionId,
			instance: TEST_INSTANCE
		});
		await agent.client.session.finish.mutate({
			sessionId: first.sessionId,
			status: 'done',
			reason: null,
			durationMs: 1
		});
		const next = await promptAndReceive(agent, 'continue and fix the failures');
		expect(next.continueSessionId).toBe(first.sessionId);
		expect(next.prompt).toBe('and fix the failures');
	});

	it('queues behind a busy agent and says who is working', async () => {
		const agent = connect();
		await online();
		const running = await promptAndReceive(agent, 'alice’s big task');
		await agent.client.session.start.mutate({
			sessionId: running.sessionId,
			instance: TEST_INSTANCE
		});
		await say(BOB, 'bob’s small task');
		expect(lastText(BOB)).toContain('⚠️ @alice is working on: “alice’s big task”');
		expect(lastText(BOB)).toContain('#1 in the queue');
	});

	it('lists agents and switches the active one', async () => {
		await pairAgent(t.relay, t.services, ALICE, 'second');
		await say(ALICE, '/agents');
		expect(lastText(ALICE)).toMatch(/my-api \(custom\)[\s\S]*second \(custom\)/);
		await say(ALICE, '/projects');
		const menu = t.telegram.messages(ALICE.id).at(-1)!;
		const keyboard = JSON.stringify(menu.reply_markup);
		const second = /"callback_data":"use:(agt_[a-z0-9]+)"[^}]*}\]?,?\[?\{?[^}]*$/.exec(keyboard);
		expect(keyboard).toContain('second');
		const ids = [...keyboard.matchAll(/use:(agt_[0-9a-z]+)/g)].map((m) => m[1]);
		const target = ids.find((id) => id !== alice.agentId)!;
		expect(second ?? target).toBeTruthy();
		await t.postUpdate(callbackUpdate(ALICE, `use:${target}`, menu.message_id));
		await say(ALICE, '/agents');
		expect(lastText(ALICE)).toMatch(/second \(custom\) — .*← active/);
		// Back to my-api for the other tests.
		await t.postUpdate(callbackUpdate(ALICE, `use:${alice.agentId}`, menu.message_id));
	});

	it('shows history', async () => {
		await say(ALICE, '/history');
		expect(lastText(ALICE)).toMatch(/✅ my-api · .* — write the tests/);
	});
});
