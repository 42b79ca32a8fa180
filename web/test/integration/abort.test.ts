/**
 * The dashboard's Abort button (sessions/abort.ts): a running session's agent gets an `abort`
 * command, a queued one ends at once, an ended one is left alone, and another account's session
 * cannot be touched.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eq } from 'drizzle-orm';
import { sessions } from '../../src/lib/server/db/schema/index.ts';
import { abortSession } from '../../src/lib/server/sessions/abort.ts';
import { createSession } from '../../src/lib/server/sessions/sessions.ts';
import { startTestRelay, type TestRelay } from '../harness/relay.ts';
import { agentClient, ScriptedAgent, TEST_INSTANCE } from '../harness/scripted-agent.ts';
import { ALICE, BOB, pairAgent } from '../harness/accounts.ts';

let t: TestRelay;
let alice: Awaited<ReturnType<typeof pairAgent>>;
let bob: Awaited<ReturnType<typeof pairAgent>>;
let agent: ScriptedAgent;

beforeAll(async () => {
	t = await startTestRelay();
	alice = await pairAgent(t.relay, t.services, ALICE, 'abort-box');
	bob = await pairAgent(t.relay, t.services, BOB, 'bobs-box');
	agent = new ScriptedAgent(agentClient(t.url, alice.token));
	agent.connect();
});
afterAll(async () => {
	agent?.disconnect();
	await t?.stop();
});

function queued(prompt = 'a task') {
	return createSession(t.relay, {
		accountId: alice.userId,
		agentId: alice.agentId,
		prompt,
		startedBy: { telegramUserId: ALICE.id, name: '@alice' },
		chatId: null,
		messageId: null,
		continueSessionId: null
	});
}

const statusOf = async (id: string) =>
	(await t.relay.db.select().from(sessions).where(eq(sessions.id, id)))[0]?.status;

const abortsFor = (id: string) =>
	agent.received.filter((r) => r.command.type === 'abort' && r.command.sessionId === id);

describe('aborting from the dashboard', () => {
	it('sends a running session’s agent an abort command and leaves the ending to the agent', async () => {
		const session = await queued();
		await agent.client.session.start.mutate({ sessionId: session.id, instance: TEST_INSTANCE });
		expect(await abortSession(t.relay, alice.userId, session.id)).toBe('stopping');
		await agent.until(() => abortsFor(session.id).length === 1, 10_000, 'the abort command');
		expect(await statusOf(session.id)).toBe('running');
	});

	it('ends a queued session at once', async () => {
		const session = await queued();
		expect(await abortSession(t.relay, alice.userId, session.id)).toBe('aborted');
		expect(await statusOf(session.id)).toBe('aborted');
		await agent.until(() => abortsFor(session.id).length === 1, 10_000, 'the abort command');
	});

	it('leaves an ended session alone, and another account’s session untouched', async () => {
		const session = await queued();
		expect(await abortSession(t.relay, bob.userId, session.id)).toBe('not-found');
		expect(await statusOf(session.id)).toBe('queued');
		expect(await abortSession(t.relay, alice.userId, session.id)).toBe('aborted');
		expect(await abortSession(t.relay, alice.userId, session.id)).toBe('ended');
		expect(await abortSession(t.relay, alice.userId, 'ses_doesnotexist0000000000000')).toBe(
			'not-found'
		);
	});
});
