/** Team invites: the link adds a member once; members can prompt; removed members are silenced. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createInvite, listMembers, removeMember } from '../../src/lib/server/team/team.ts';
import { startTestRelay, type TestRelay } from '../harness/relay.ts';
import { agentClient, ScriptedAgent } from '../harness/scripted-agent.ts';
import { ALICE, BOB, MALLORY, pairAgent, textUpdate } from '../harness/accounts.ts';

let t: TestRelay;
let alice: Awaited<ReturnType<typeof pairAgent>>;

beforeAll(async () => {
	t = await startTestRelay({ TELEGRAM_RATE_PER_MINUTE: '1000' });
	alice = await pairAgent(t.relay, t.services, ALICE, 'shared-box');
});
afterAll(async () => {
	await t?.stop();
});

const last = (id: number) => t.telegram.messages(id).at(-1)?.visible ?? '';

describe('team invites', () => {
	it('adds the person who opens the link, once', async () => {
		const { code } = await createInvite(t.relay, alice.userId, alice.userId);
		expect(code).toMatch(/^[A-Za-z0-9_-]{20,58}$/);
		await t.postUpdate(textUpdate(BOB, `/start join_${code}`));
		expect(last(BOB.id)).toBe(
			'Welcome to Alice’s team. Send any text to give your first prompt; /agents lists the agents.'
		);
		await t.postUpdate(textUpdate(MALLORY, `/start join_${code}`));
		expect(last(MALLORY.id)).toBe('This invite link was already used. Ask for a new one.');
		const members = await listMembers(t.relay, alice.userId);
		expect(members.map((m) => [m.telegramUserId, m.role])).toEqual([
			[ALICE.id, 'owner'],
			[BOB.id, 'member']
		]);
	});

	it('refuses expired and unknown links', async () => {
		const { code } = await createInvite(t.relay, alice.userId, alice.userId);
		t.advance(8 * 86_400_000);
		try {
			await t.postUpdate(textUpdate(MALLORY, `/start join_${code}`));
			expect(last(MALLORY.id)).toBe('This invite link has expired. Ask for a new one.');
		} finally {
			t.advance(-8 * 86_400_000);
		}
		await t.postUpdate(textUpdate(MALLORY, '/start join_nonsense'));
		expect(last(MALLORY.id)).toBe('This invite link is not valid. Ask for a new one.');
	});

	it('lets a member prompt the account’s agent, and silences them once removed', async () => {
		const agent = new ScriptedAgent(agentClient(t.url, alice.token));
		agent.connect();
		try {
			await t.postUpdate(textUpdate(BOB, 'bob asks for a fix'));
			await agent.until(
				() => agent.prompts().some((p) => p.prompt === 'bob asks for a fix'),
				10_000,
				'bob’s prompt'
			);
			expect(agent.prompts().at(-1)?.startedBy).toEqual({ telegramUserId: BOB.id, name: '@bob' });
			const bob = (await listMembers(t.relay, alice.userId)).find(
				(m) => m.telegramUserId === BOB.id
			)!;
			expect(await removeMember(t.relay, alice.userId, bob.id)).toBe(true);
			const before = t.telegram.messages(BOB.id).length;
			await t.postUpdate(textUpdate(BOB, 'still there?'));
			expect(t.telegram.messages(BOB.id).length).toBe(before);
		} finally {
			agent.disconnect();
		}
	});

	it('never removes the owner', async () => {
		const owner = (await listMembers(t.relay, alice.userId)).find((m) => m.role === 'owner')!;
		expect(await removeMember(t.relay, alice.userId, owner.id)).toBe(false);
	});
});
