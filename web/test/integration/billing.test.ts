/**
 * Billing end to end on the real `stripe` SDK against the Stripe stand-in: checkout through the
 * hosted page and its signed events, the webhook's refusals (each asserted on the account row
 * before and after), convergence of out-of-order events, and the failed-payment notice.
 */
import { eq } from 'drizzle-orm';
import Stripe from 'stripe';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signInWithTelegram } from '../../src/lib/server/accounts/accounts.ts';
import {
	ensureCustomer,
	openPortal,
	startCheckout
} from '../../src/lib/server/billing/checkout.ts';
import { stripeEvents, users, type User } from '../../src/lib/server/db/schema/index.ts';
import {
	billingConfig,
	createFakeStripe,
	STANDIN_PRICES,
	type FakeStripe
} from '../harness/stripe-api.ts';
import { startTestRelay, type TestRelay } from '../harness/relay.ts';
import type { Person } from '../harness/accounts.ts';

let fake: FakeStripe;
let t: TestRelay;
let webhookUrl: string;

beforeAll(async () => {
	fake = await createFakeStripe({ retries: 1 });
	t = await startTestRelay(billingConfig(fake));
	webhookUrl = `${t.url}/api/stripe/webhook`;
	fake.webhookUrl = webhookUrl;
});
afterAll(async () => {
	await fake?.close();
	await t?.stop();
});

let nextPerson = 50_000;
const person = (): Person => {
	const id = ++nextPerson;
	return { id, firstName: `P${id}`, username: `p${id}` };
};

const row = async (id: string): Promise<User> => {
	const [user] = await t.relay.db.select().from(users).where(eq(users.id, id));
	return user!;
};

/** A signed-in account with a Stripe customer (what pressing Upgrade creates first). */
async function customerAccount(): Promise<{ user: User; customer: string; who: Person }> {
	const who = person();
	const user = await signInWithTelegram(t.relay, who);
	const customer = await ensureCustomer(t.relay, t.relay.stripe!, user);
	return { user: await row(user.id), customer, who };
}

/** POST a payload to the app's webhook, signed like Stripe unless told otherwise. */
function post(
	event: unknown,
	opts: { secret?: string; timestamp?: number; header?: string | null; body?: string } = {}
) {
	const payload = typeof event === 'string' ? event : JSON.stringify(event);
	const header =
		opts.header !== undefined
			? opts.header
			: Stripe.webhooks.generateTestHeaderString({
					payload,
					secret: opts.secret ?? fake.webhookSecret,
					...(opts.timestamp ? { timestamp: opts.timestamp } : {})
				});
	return fetch(webhookUrl, {
		method: 'POST',
		headers: {
			'content-type': 'application/json',
			...(header === null ? {} : { 'stripe-signature': header })
		},
		body: opts.body ?? payload
	});
}

const recorded = async (eventId: string) =>
	(await t.relay.db.select().from(stripeEvents).where(eq(stripeEvents.id, eventId))).length;

describe('checkout through the stand-in', () => {
	it('creates the customer once, and only the webhook events change the plan', async () => {
		const who = person();
		const user = await signInWithTelegram(t.relay, who);
		const customersBefore = fake.calls.filter((c) => c.path === '/v1/customers').length;
		const url = await startCheckout(t.relay, t.relay.stripe!, user, 'pro', 'http://relay.test');
		const again = await startCheckout(
			t.relay,
			t.relay.stripe!,
			await row(user.id),
			'pro',
			'http://relay.test'
		);
		expect(again).not.toBe(url);
		expect(fake.calls.filter((c) => c.path === '/v1/customers')).toHaveLength(customersBefore + 1);
		const session = fake.calls.filter((c) => c.path === '/v1/checkout/sessions').at(-1)!;
		expect(session.params).toMatchObject({
			mode: 'subscription',
			customer: (await row(user.id)).stripeCustomerId,
			client_reference_id: user.id,
			line_items: [{ price: STANDIN_PRICES[1]!.id, quantity: '1' }],
			success_url: 'http://relay.test/billing?checkout=done'
		});
		expect((await row(user.id)).plan).toBe('trial');

		const paid = await fetch(url, { method: 'POST', redirect: 'manual' });
		expect(paid.headers.get('location')).toBe('http://relay.test/billing?checkout=done');
		await fake.settled();
		const after = await row(user.id);
		expect(after).toMatchObject({ plan: 'pro', subscriptionStatus: 'active' });
		expect(after.stripeSubscriptionId).toMatch(/^sub_/);
		expect(after.currentPeriodEnd!.getTime()).toBeGreaterThan(Date.now());
		expect(fake.deliveries.slice(-3).every((d) => d.attempts.at(-1) === 200)).toBe(true);
	});

	it('opens the customer portal for the account’s own customer', async () => {
		const { user, customer } = await customerAccount();
		const url = await openPortal(t.relay, t.relay.stripe!, user, 'http://relay.test');
		expect(url).toContain('/p/session/');
		expect(fake.calls.at(-1)?.params).toEqual({
			customer,
			return_url: 'http://relay.test/billing'
		});
	});
});

describe('the webhook refuses and ignores', () => {
	it('a missing signature, a wrong secret, a tampered body or an old timestamp: 400, nothing changes', async () => {
		const { user, customer } = await customerAccount();
		const subscription = fake.store.createSubscription(customer, STANDIN_PRICES[2]!.id);
		const event = fake.event('customer.subscription.created', subscription);
		const payload = JSON.stringify(event);
		const before = await row(user.id);
		const attempts = [
			post(event, { header: null }),
			post(event, { header: '' }),
			post(event, { secret: 'whsec_not_the_endpoint_secret' }),
			post(event, {
				body: payload.replace(subscription.id, 'sub_someone_else')
			}),
			post(event, { timestamp: Math.floor(Date.now() / 1000) - 600 }),
			post('not json at all')
		];
		for (const response of await Promise.all(attempts)) expect(response.status).toBe(400);
		expect(await row(user.id)).toEqual(before);
		expect(await recorded(event.id)).toBe(0);

		// The same event, signed correctly, is applied: the refusals above were the signature's.
		expect((await post(event)).status).toBe(200);
		expect(await row(user.id)).toMatchObject({ plan: 'team', subscriptionStatus: 'active' });
	});

	it('a replayed event id: applied once, never again', async () => {
		const { user, customer } = await customerAccount();
		const subscription = fake.store.createSubscription(customer, STANDIN_PRICES[0]!.id);
		const event = fake.event('customer.subscription.created', subscription);
		expect((await post(event)).status).toBe(200);
		const applied = await row(user.id);
		expect(applied.plan).toBe('solo');
		// Stripe's state moves on without an event; a replay must not be what applies it.
		subscription.status = 'canceled';
		const replays = await Promise.all([post(event), post(event), post(event)]);
		expect(replays.map((r) => r.status)).toEqual([200, 200, 200]);
		expect(await row(user.id)).toEqual(applied);
		expect(await recorded(event.id)).toBe(1);
	});

	it("a valid event about another account's customer changes only that account, if anything", async () => {
		const alice = await customerAccount();
		const bob = await customerAccount();
		const aliceBefore = await row(alice.user.id);
		const bobBefore = await row(bob.user.id);
		// A completed checkout of Bob's customer naming Alice's account: neither is trusted.
		const bobs = fake.store.createSubscription(bob.customer, STANDIN_PRICES[1]!.id);
		const session = {
			id: 'cs_test_forged',
			object: 'checkout.session',
			mode: 'subscription',
			status: 'complete',
			customer: bob.customer,
			client_reference_id: alice.user.id,
			subscription: bobs.id
		};
		expect((await post(fake.event('checkout.session.completed', session))).status).toBe(200);
		expect(await row(alice.user.id)).toEqual(aliceBefore);
		expect(await row(bob.user.id)).toEqual(bobBefore);
		// An event naming Alice's customer but carrying Bob's subscription: refused as well.
		const mixed = { ...fake.store.view(bobs), customer: alice.customer };
		expect((await post(fake.event('customer.subscription.updated', mixed))).status).toBe(200);
		expect(await row(alice.user.id)).toEqual(aliceBefore);
		// Bob's own subscription event applies to Bob only.
		expect((await post(fake.event('customer.subscription.created', bobs))).status).toBe(200);
		expect(await row(alice.user.id)).toEqual(aliceBefore);
		expect((await row(bob.user.id)).plan).toBe('pro');
	});

	it('an event for a customer no account has, and unknown event types', async () => {
		const { user } = await customerAccount();
		const before = await row(user.id);
		const stranger = await t.relay.stripe!.customers.create({});
		const theirs = fake.store.createSubscription(stranger.id, STANDIN_PRICES[2]!.id);
		expect((await post(fake.event('customer.subscription.created', theirs))).status).toBe(200);
		const other = fake.event('customer.updated', { id: stranger.id, object: 'customer' });
		expect((await post(other)).status).toBe(200);
		expect(await recorded(other.id)).toBe(0);
		expect(await row(user.id)).toEqual(before);
		const [count] = await t.relay.db
			.select()
			.from(users)
			.where(eq(users.stripeSubscriptionId, theirs.id));
		expect(count).toBeUndefined();
	});
});

describe('events out of order or repeated converge on Stripe’s latest state', () => {
	it('`updated` before `created`', async () => {
		const { user, customer } = await customerAccount();
		const subscription = fake.store.createSubscription(customer, STANDIN_PRICES[0]!.id);
		const created = fake.event('customer.subscription.created', subscription);
		const [updated] = (
			fake.store.updateSubscription(subscription.id, {
				items: [{ price: STANDIN_PRICES[2]!.id }]
			}) as { type: string; object: typeof subscription }[]
		).map((e) => fake.event(e.type, e.object));
		expect((await post(updated)).status).toBe(200);
		expect((await post(created)).status).toBe(200);
		expect(await row(user.id)).toMatchObject({
			plan: 'team',
			subscriptionStatus: 'active',
			stripeSubscriptionId: subscription.id
		});
	});

	it('`deleted` before a late `updated`, and an old subscription after a new one', async () => {
		const { user, customer } = await customerAccount();
		const first = fake.store.createSubscription(customer, STANDIN_PRICES[1]!.id);
		const updated = fake.event('customer.subscription.updated', first);
		const [deleted] = fake.store
			.cancelSubscription(first.id)
			.map((e) => fake.event(e.type, e.object));
		expect((await post(deleted)).status).toBe(200);
		expect((await post(updated)).status).toBe(200);
		expect(await row(user.id)).toMatchObject({ plan: 'pro', subscriptionStatus: 'canceled' });

		// Subscribing again; a late event of the ended subscription does not undo it.
		const second = fake.store.createSubscription(customer, STANDIN_PRICES[0]!.id);
		expect((await post(fake.event('customer.subscription.created', second))).status).toBe(200);
		expect((await post(fake.event('customer.subscription.updated', first))).status).toBe(200);
		expect(await row(user.id)).toMatchObject({
			plan: 'solo',
			subscriptionStatus: 'active',
			stripeSubscriptionId: second.id
		});
	});
});

describe('failed payments', () => {
	it('are told to the owner once per invoice, with the billing link', async () => {
		const { user, customer, who } = await customerAccount();
		const subscription = fake.store.createSubscription(customer, STANDIN_PRICES[0]!.id);
		await post(fake.event('customer.subscription.created', subscription));
		const invoice = fake.store.createInvoice(subscription, 'open');
		subscription.status = 'past_due';
		const failed = () => fake.event('invoice.payment_failed', invoice);
		for (const response of await Promise.all([post(failed()), post(failed()), post(failed())])) {
			expect(response.status).toBe(200);
		}
		const told = () =>
			t.telegram.messages(who.id).filter((m) => /payment .* failed/i.test(m.text ?? ''));
		expect(told()).toHaveLength(1);
		expect(told()[0]!.text).toContain('http://relay.test/billing');
		// Past due still relays (Stripe is retrying); a second invoice is told again.
		expect(await row(user.id)).toMatchObject({ plan: 'solo', subscriptionStatus: 'past_due' });
		const next = fake.store.createInvoice(subscription, 'open');
		await post(fake.event('invoice.payment_failed', next));
		expect(told()).toHaveLength(2);
	});
});
