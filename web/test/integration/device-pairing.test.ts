/**
 * Device-flow pairing through the real API and the real approval functions: approve, replay,
 * expiry, denial, a stranger (another signed-in user) approving or polling, the rate limits.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { domainCodeOf } from '@remoteagent/shared';
import { signInWithTelegram } from '../../src/lib/server/accounts/accounts.ts';
import { decideDeviceRequest, viewDeviceRequest } from '../../src/lib/server/pairing/device.ts';
import { DEVICE_LOOKUPS_PER_USER_PER_10_MIN } from '../../src/lib/server/ratelimit/limits.ts';
import { startTestRelay, type TestRelay } from '../harness/relay.ts';
import { agentClient } from '../harness/scripted-agent.ts';
import { ALICE, BOB, MALLORY, pairAgent, type Person } from '../harness/accounts.ts';
import { billingConfig, createFakeStripe } from '../harness/stripe-api.ts';

let t: TestRelay;
beforeAll(async () => {
	t = await startTestRelay();
});
afterAll(async () => {
	await t?.stop();
});

function start(name = 'laptop') {
	return agentClient(t.url, null).pairing.startDevice.mutate({
		name,
		runner: 'claude-code',
		hostname: 'dev-box',
		directory: '/home/alice/src/api'
	});
}
const poll = (deviceCode: string) =>
	agentClient(t.url, null).pairing.pollDevice.mutate({ deviceCode });

async function signedIn(person: Person) {
	const user = await signInWithTelegram(t.relay, person);
	return { userId: user.id, telegramUserId: person.id };
}

async function codeOf(promise: Promise<unknown>) {
	return promise.then(
		() => null,
		(e: unknown) => domainCodeOf(e) ?? (e as { code?: string }).code ?? String(e)
	);
}

describe('device pairing', () => {
	it('shows the machine, then hands the approving user’s agent its token once', async () => {
		const alice = await signedIn(ALICE);
		const started = await start();
		expect(started.verificationUrl).toBe(`${t.relay.config.PUBLIC_URL}/pair/${started.userCode}`);
		expect(started.deviceCode).not.toContain(started.userCode);
		expect(await poll(started.deviceCode)).toEqual({ status: 'pending' });

		const view = await viewDeviceRequest(t.relay, alice, started.userCode.toLowerCase());
		expect(view).toMatchObject({
			name: 'laptop',
			runner: 'claude-code',
			hostname: 'dev-box',
			directory: '/home/alice/src/api',
			status: 'pending'
		});
		await decideDeviceRequest(t.relay, alice, started.userCode, true);

		const approved = await poll(started.deviceCode);
		if (approved.status !== 'approved') throw new Error('not approved');
		expect(approved.accountName).toBe('Alice');
		const me = await agentClient(t.url, approved.token).agent.me.query();
		expect(me.agentId).toBe(approved.agentId);
		const agents = await t.services.agents.list({ userId: alice.userId });
		expect(agents.find((a) => a.id === approved.agentId)?.name).toBe('laptop');

		// Replay: the token is handed out once.
		expect(await codeOf(poll(started.deviceCode))).toBe('PAIRING_CODE_USED');
		expect((await viewDeviceRequest(t.relay, alice, started.userCode))?.status).toBe('approved');
	});

	it('a stranger cannot take over a request already approved, nor poll without its secret', async () => {
		const alice = await signedIn(ALICE);
		const mallory = await signedIn(MALLORY);
		const started = await start('victim-box');
		await decideDeviceRequest(t.relay, alice, started.userCode, true);
		expect(await codeOf(decideDeviceRequest(t.relay, mallory, started.userCode, true))).toBe(
			'PAIRING_CODE_USED'
		);
		expect(await codeOf(decideDeviceRequest(t.relay, mallory, started.userCode, false))).toBe(
			'PAIRING_CODE_USED'
		);
		// The short code is not the secret: polling with it (or anything else) gets nothing.
		expect(await codeOf(poll(`${started.userCode}-padding-to-length`))).toBe(
			'PAIRING_CODE_UNKNOWN'
		);
		const approved = await poll(started.deviceCode);
		if (approved.status !== 'approved') throw new Error('not approved');
		const malloryAgents = await t.services.agents.list({ userId: mallory.userId });
		expect(malloryAgents.map((a) => a.id)).not.toContain(approved.agentId);
		const aliceAgents = await t.services.agents.list({ userId: alice.userId });
		expect(aliceAgents.map((a) => a.id)).toContain(approved.agentId);
	});

	it('whoever approves first owns it: a stranger approving binds it to the stranger, not to anyone else', async () => {
		const bob = await signedIn(BOB);
		const mallory = await signedIn(MALLORY);
		const started = await start('shared-link');
		await decideDeviceRequest(t.relay, mallory, started.userCode, true);
		expect(await codeOf(decideDeviceRequest(t.relay, bob, started.userCode, true))).toBe(
			'PAIRING_CODE_USED'
		);
		const approved = await poll(started.deviceCode);
		if (approved.status !== 'approved') throw new Error('not approved');
		expect(approved.accountName).toBe('Mallory');
		const bobAgents = await t.services.agents.list({ userId: bob.userId });
		expect(bobAgents.map((a) => a.id)).not.toContain(approved.agentId);
	});

	it('a denied request tells the agent so and pairs nothing', async () => {
		const alice = await signedIn(ALICE);
		const before = (await t.services.agents.list({ userId: alice.userId })).length;
		const started = await start('denied-box');
		await decideDeviceRequest(t.relay, alice, started.userCode, false);
		expect(await codeOf(poll(started.deviceCode))).toBe('PAIRING_DENIED');
		expect(await codeOf(decideDeviceRequest(t.relay, alice, started.userCode, true))).toBe(
			'PAIRING_CODE_USED'
		);
		expect((await t.services.agents.list({ userId: alice.userId })).length).toBe(before);
	});

	it('expires after 10 minutes, and is still told as expired (not unknown) later', async () => {
		const alice = await signedIn(ALICE);
		const started = await start('late-box');
		const late = 10 * 60_000 + 6_000;
		t.advance(late);
		try {
			expect(await codeOf(poll(started.deviceCode))).toBe('PAIRING_CODE_EXPIRED');
			expect(await codeOf(decideDeviceRequest(t.relay, alice, started.userCode, true))).toBe(
				'PAIRING_CODE_EXPIRED'
			);
			expect((await viewDeviceRequest(t.relay, alice, started.userCode))?.status).toBe('expired');
		} finally {
			t.advance(-late);
		}
	});

	it('rate-limits starting per address and opening links per user', async () => {
		const outcomes = [];
		for (let i = 0; i < 11; i++) {
			outcomes.push(
				await codeOf(
					t.services.pairing.startDevice(
						{ name: 'x', runner: 'custom', hostname: 'h', directory: '/d' },
						'10.77.0.1'
					)
				)
			);
		}
		expect(outcomes.slice(0, 10).every((o) => o === null)).toBe(true);
		expect(outcomes[10]).toBe('RATE_LIMITED');

		const guesser = await signedIn({ id: 7777, firstName: 'Guesser', username: 'guesser' });
		const seen = [];
		for (let i = 0; i <= DEVICE_LOOKUPS_PER_USER_PER_10_MIN; i++) {
			seen.push(await codeOf(viewDeviceRequest(t.relay, guesser, 'AAAA-AAAA')));
		}
		expect(seen.slice(0, -1).every((o) => o === null)).toBe(true);
		expect(seen.at(-1)).toBe('RATE_LIMITED');
	});

	it('honours the plan: a trial account at its agent limit cannot approve a third', async () => {
		const fake = await createFakeStripe({ retries: 1 });
		const billed = await startTestRelay(billingConfig(fake));
		try {
			const who: Person = { id: 88_001, firstName: 'Trial', username: 'trial' };
			const first = await pairAgent(billed.relay, billed.services, who, 'one');
			await pairAgent(billed.relay, billed.services, who, 'two');
			const started = await billed.services.pairing.startDevice(
				{ name: 'three', runner: 'custom', hostname: 'h', directory: '/d' },
				'10.88.0.1'
			);
			const user = { userId: first.userId, telegramUserId: who.id };
			expect(await codeOf(decideDeviceRequest(billed.relay, user, started.userCode, true))).toBe(
				'PLAN_LIMIT_REACHED'
			);
			// Nothing was decided: still pending for the agent, and approvable after an upgrade.
			expect(await billed.services.pairing.pollDevice(started.deviceCode)).toEqual({
				status: 'pending'
			});
			expect((await viewDeviceRequest(billed.relay, user, started.userCode))?.status).toBe(
				'pending'
			);
		} finally {
			await billed.stop();
			await fake.close();
		}
	});
});
