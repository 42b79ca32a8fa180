/**
 * What the plans allow, enforced where it matters: pairing, team invites and relaying prompts;
 * downgrades pause instead of deleting; trial reminders go out once each. Plans change through
 * signed events from the Stripe stand-in, as in production. Without STRIPE_SECRET_KEY billing is
 * off: unlimited, and the stand-in sees no call at all.
 */
import { and, count, eq } from 'drizzle-orm';
import { DomainError } from '@remoteagent/shared';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { setActiveAgent, signInWithTelegram } from '../../src/lib/server/accounts/accounts.ts';
import { ensureCustomer } from '../../src/lib/server/billing/checkout.ts';
import { accountUsage, PlanLimitError } from '../../src/lib/server/billing/entitlements.ts';
import {
	agents,
	authorizedUsers,
	sessions,
	teamInvites,
	users
} from '../../src/lib/server/db/schema/index.ts';
import { issuePairingCode } from '../../src/lib/server/pairing/pairing.ts';
import { runSweep } from '../../src/lib/server/sweep.ts';
import { createInvite } from '../../src/lib/server/team/team.ts';
import { pairAgent, textUpdate, type Person } from '../harness/accounts.ts';
import { startTestRelay, type TestRelay } from '../harness/relay.ts';
import {
	billingConfig,
	createFakeStripe,
	STANDIN_PRICES,
	type FakeStripe,
	type StripeObject
} from '../harness/stripe-api.ts';

const DAY = 86_400_000;
let fake: FakeStripe;
let t: TestRelay;

beforeAll(async () => {
	fake = await createFakeStripe({ retries: 1 });
	t = await startTestRelay({ ...billingConfig(fake), TELEGRAM_RATE_PER_MINUTE: '1000' });
	fake.webhookUrl = `${t.url}/api/stripe/webhook`;
});
afterAll(async () => {
	await fake?.close();
	await t?.stop();
});

let nextPerson = 60_000;
const person = (): Person => {
	const id = ++nextPerson;
	return { id, firstName: `E${id}`, username: `e${id}` };
};
const texts = (who: Person) => t.telegram.messages(who.id).map((m) => m.text ?? '');
const PRICE = {
	solo: STANDIN_PRICES[0]!.id,
	pro: STANDIN_PRICES[1]!.id,
	team: STANDIN_PRICES[2]!.id
};

/** Subscribe the account through Stripe: the stand-in delivers the signed event to the webhook. */
async function subscribe(userId: string, plan: keyof typeof PRICE): Promise<StripeObject> {
	const [user] = await t.relay.db.select().from(users).where(eq(users.id, userId));
	const customer = await ensureCustomer(t.relay, t.relay.stripe!, user!);
	const subscription = fake.store.createSubscription(customer, PRICE[plan]);
	await fake.deliver([fake.event('customer.subscription.created', subscription)]);
	const [after] = await t.relay.db.select().from(users).where(eq(users.id, userId));
	expect(after?.plan).toBe(plan);
	return subscription;
}

const agentCount = async (userId: string) =>
	(await t.relay.db.select({ n: count() }).from(agents).where(eq(agents.ownerId, userId)))[0]!.n;

describe('pairing', () => {
	it('refuses an agent over the plan, and the same code works after an upgrade', async () => {
		const who = person();
		const first = await pairAgent(t.relay, t.services, who, 'one');
		await pairAgent(t.relay, t.services, who, 'two');
		const { code } = await issuePairingCode(t.relay, {
			userId: first.userId,
			telegramUserId: who.id
		});
		const refused = await t.services.pairing
			.redeem({ code, name: 'three', runner: 'custom' }, '10.9.0.1')
			.catch((e: unknown) => e);
		expect(refused).toBeInstanceOf(DomainError);
		expect((refused as DomainError).code).toBe('PLAN_LIMIT_REACHED');
		expect(await agentCount(first.userId)).toBe(2);

		await subscribe(first.userId, 'pro');
		const paired = await t.services.pairing.redeem(
			{ code, name: 'three', runner: 'custom' },
			'10.9.0.2'
		);
		expect(paired.name).toBe('three');
		expect(await agentCount(first.userId)).toBe(3);
	});
});

describe('team invites', () => {
	it('are refused past the plan’s Telegram users, counting open invites', async () => {
		const owner = await signInWithTelegram(t.relay, person());
		const refused = await createInvite(t.relay, owner.id, owner.id).catch((e: unknown) => e);
		expect(refused).toBeInstanceOf(PlanLimitError);
		expect((refused as PlanLimitError).message).toBe('Your plan allows 1 Telegram user.');

		const subscription = await subscribe(owner.id, 'team');
		const codes = [];
		for (let i = 0; i < 4; i++) codes.push((await createInvite(t.relay, owner.id, owner.id)).code);
		await expect(createInvite(t.relay, owner.id, owner.id)).rejects.toBeInstanceOf(PlanLimitError);

		const member = person();
		await t.postUpdate(textUpdate(member, `/start join_${codes[0]}`));
		expect(texts(member).at(-1)).toMatch(/^Welcome to/);

		// Down to Pro (one Telegram user): an invite created before cannot add anyone now.
		await fake.updateSubscription(subscription.id, { items: [{ price: PRICE.pro }] });
		const late = person();
		await t.postUpdate(textUpdate(late, `/start join_${codes[1]}`));
		expect(texts(late).at(-1)).toMatch(/team is full on its current plan/);
		const [invite] = await t.relay.db
			.select()
			.from(teamInvites)
			.where(and(eq(teamInvites.accountId, owner.id)))
			.orderBy(teamInvites.createdAt)
			.offset(1)
			.limit(1);
		expect(invite?.usedAt).toBeNull();
		// Nobody was removed: the member past the limit is paused, and told so.
		const usage = await accountUsage(t.relay, owner.id);
		expect(usage?.users).toMatchObject({ used: 2, paused: [{ name: `@${member.username}` }] });
	});
});

describe('relaying prompts', () => {
	it('a downgrade pauses the newest agents past the limit, deleting nothing', async () => {
		const who = person();
		const paired = [];
		for (const name of ['a1', 'a2']) paired.push(await pairAgent(t.relay, t.services, who, name));
		const userId = paired[0]!.userId;
		const subscription = await subscribe(userId, 'pro');
		for (const name of ['a3', 'a4']) paired.push(await pairAgent(t.relay, t.services, who, name));
		await fake.updateSubscription(subscription.id, { items: [{ price: PRICE.solo }] });

		const usage = await accountUsage(t.relay, userId);
		expect(usage?.standing).toMatchObject({ plan: 'solo', active: true, limits: { agents: 3 } });
		expect(usage?.agents).toEqual({ used: 4, paused: [{ id: paired[3]!.agentId, name: 'a4' }] });
		expect(await agentCount(userId)).toBe(4);

		const [me] = await t.relay.db
			.select()
			.from(authorizedUsers)
			.where(eq(authorizedUsers.accountId, userId));
		await setActiveAgent(t.relay, me!.id, paired[3]!.agentId);
		await t.postUpdate(textUpdate(who, 'to the paused one'));
		expect(texts(who).at(-1)).toMatch(/^⏸ a4 is paused: the Solo plan allows 3 agents/);
		await setActiveAgent(t.relay, me!.id, paired[0]!.agentId);
		await t.postUpdate(textUpdate(who, 'to the first one'));
		const relayed = await t.relay.db.select().from(sessions).where(eq(sessions.accountId, userId));
		expect(relayed.map((s) => s.agentId)).toEqual([paired[0]!.agentId]);
	});

	it('an ended trial gets the billing message once, no session, and commands still work', async () => {
		const who = person();
		const { userId } = await pairAgent(t.relay, t.services, who, 'box');
		t.advance(15 * DAY);
		try {
			await t.postUpdate(textUpdate(who, 'please fix the bug'));
			const told = texts(who);
			expect(told.at(-1)).toBe(
				'The RemoteAgent trial of this account has ended, so prompts are not relayed. ' +
					'Choose a plan: http://relay.test/billing'
			);
			await t.postUpdate(textUpdate(who, 'and another one'));
			expect(texts(who)).toHaveLength(told.length);
			const none = await t.relay.db.select().from(sessions).where(eq(sessions.accountId, userId));
			expect(none).toEqual([]);
			await t.postUpdate(textUpdate(who, '/agents'));
			expect(texts(who).at(-1)).toContain('box');

			// Subscribing (a verified event) lets prompts through again.
			await subscribe(userId, 'solo');
			await t.postUpdate(textUpdate(who, 'now it runs'));
			const relayed = await t.relay.db
				.select()
				.from(sessions)
				.where(eq(sessions.accountId, userId));
			expect(relayed).toHaveLength(1);
		} finally {
			t.advance(-15 * DAY);
		}
	});
});

describe('trial reminders', () => {
	it('3 days before, 1 day before and at the end, each once, even with concurrent sweeps', async () => {
		const who = person();
		const user = await signInWithTelegram(t.relay, who);
		const reminders = () => texts(who).filter((m) => m.includes('/billing'));
		const at = async (msBeforeEnd: number) => {
			const shift = user.trialEndsAt.getTime() - msBeforeEnd - t.relay.now().getTime();
			t.advance(shift);
			await Promise.all([runSweep(t.relay), runSweep(t.relay), runSweep(t.relay)]);
			return reminders();
		};
		try {
			expect(await at(4 * DAY)).toEqual([]);
			expect(await at(3 * DAY - 60_000)).toEqual([
				expect.stringMatching(/trial ends in 3 days.*http:\/\/relay\.test\/billing$/)
			]);
			expect(await at(2 * DAY)).toHaveLength(1);
			expect((await at(DAY - 60_000)).at(-1)).toMatch(/trial ends tomorrow/);
			expect((await at(-60_000)).at(-1)).toMatch(/trial has ended/);
			expect(await at(-DAY)).toHaveLength(3);
		} finally {
			t.advance(Date.now() - t.relay.now().getTime());
		}
	});

	it('a subscriber gets none', async () => {
		const who = person();
		const user = await signInWithTelegram(t.relay, who);
		await subscribe(user.id, 'solo');
		t.advance(user.trialEndsAt.getTime() - t.relay.now().getTime() + DAY);
		try {
			await runSweep(t.relay);
			expect(texts(who)).toEqual([]);
		} finally {
			t.advance(Date.now() - t.relay.now().getTime());
		}
	});
});

describe('billing off (no STRIPE_SECRET_KEY)', () => {
	it('is unlimited and makes no Stripe call', async () => {
		const untouched = await createFakeStripe();
		const open = await startTestRelay({
			STRIPE_API_BASE: untouched.apiBase,
			TELEGRAM_RATE_PER_MINUTE: '1000'
		});
		try {
			expect(open.relay.stripe).toBeNull();
			const who = person();
			const paired = [];
			for (let i = 0; i < 5; i++) {
				paired.push(await pairAgent(open.relay, open.services, who, `box${i}`));
			}
			const userId = paired[0]!.userId;
			for (let i = 0; i < 6; i++) await createInvite(open.relay, userId, userId);
			open.advance(30 * DAY);
			expect((await runSweep(open.relay)).trialReminders).toBe(0);
			await open.postUpdate(textUpdate(who, 'still relayed'));
			const relayed = await open.relay.db
				.select()
				.from(sessions)
				.where(eq(sessions.accountId, userId));
			expect(relayed).toHaveLength(1);
			const usage = await accountUsage(open.relay, userId);
			expect(usage?.standing).toMatchObject({ billing: false, active: true });
			expect(usage?.agents.paused).toEqual([]);
			const webhook = await fetch(`${open.url}/api/stripe/webhook`, {
				method: 'POST',
				body: '{}'
			});
			expect(webhook.status).toBe(404);
			expect(untouched.calls).toEqual([]);
		} finally {
			await open.stop();
			await untouched.close();
		}
	});
});
