/** The Stripe stand-in, driven by the unmodified `stripe` SDK through host/port/protocol. */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import Stripe from 'stripe';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createStripe } from '../../src/lib/server/billing/stripe.ts';
import { parseParams } from './stripe-api/form.ts';
import { createFakeStripe, STANDIN_PRICES, type FakeStripe } from './stripe-api.ts';

let fake: FakeStripe;
let stripe: Stripe;

beforeAll(async () => {
	fake = await createFakeStripe({ retries: 2 });
	stripe = (await createStripe({
		STRIPE_SECRET_KEY: fake.secretKey,
		STRIPE_API_BASE: fake.apiBase
	}))!;
});
afterAll(() => fake.close());

async function rejection(call: Promise<unknown>): Promise<Stripe.errors.StripeError> {
	const error = await call.then(
		() => undefined,
		(e: unknown) => e
	);
	expect(error).toBeInstanceOf(Stripe.errors.StripeError);
	return error as Stripe.errors.StripeError;
}

/** A webhook endpoint that verifies every delivery as the app does. */
async function endpoint(statuses: number[] = []) {
	const received: Stripe.Event[] = [];
	const server = createServer(async (req, res) => {
		const chunks: Buffer[] = [];
		for await (const chunk of req as AsyncIterable<Buffer>) chunks.push(chunk);
		const forced = statuses.shift();
		if (forced) return void res.writeHead(forced).end();
		try {
			received.push(
				stripe.webhooks.constructEvent(
					Buffer.concat(chunks).toString('utf8'),
					String(req.headers['stripe-signature']),
					fake.webhookSecret
				)
			);
			res.writeHead(200).end('{}');
		} catch {
			res.writeHead(400).end();
		}
	});
	await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
	const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`;
	return { url, received, close: () => new Promise((r) => server.close(r)) };
}

describe('Stripe stand-in', () => {
	it('decodes stripe-node form bodies into nested objects and arrays', () => {
		expect(
			parseParams('line_items[0][price]=p1&line_items[0][quantity]=2&metadata[a]=b&mode=x')
		).toEqual({ line_items: [{ price: 'p1', quantity: '2' }], metadata: { a: 'b' }, mode: 'x' });
	});

	it('creates and retrieves customers with the metadata sent', async () => {
		const customer = await stripe.customers.create({ name: 'Ada', metadata: { account_id: 'u1' } });
		expect(customer).toMatchObject({ object: 'customer', name: 'Ada', livemode: false });
		expect(customer.id).toMatch(/^cus_/);
		const again = await stripe.customers.retrieve(customer.id);
		expect(again).toMatchObject({ id: customer.id, metadata: { account_id: 'u1' } });
		expect(fake.calls.at(-1)).toMatchObject({
			method: 'GET',
			path: `/v1/customers/${customer.id}`
		});
	});

	it('refuses a wrong key with an authentication error', async () => {
		const other = (await createStripe({
			STRIPE_SECRET_KEY: 'sk_test_wrong_key_00000000',
			STRIPE_API_BASE: fake.apiBase
		}))!;
		const error = await rejection(other.customers.create({}));
		expect(error).toBeInstanceOf(Stripe.errors.StripeAuthenticationError);
		expect(error.statusCode).toBe(401);
		expect(error.message).not.toContain('wrong_key_00000000');
	});

	it("answers unknown objects and bad params with Stripe's error envelope", async () => {
		const missing = await rejection(stripe.subscriptions.retrieve('sub_nope'));
		expect(missing).toBeInstanceOf(Stripe.errors.StripeInvalidRequestError);
		expect(missing).toMatchObject({ code: 'resource_missing', statusCode: 404 });
		expect(missing.message).toBe("No such subscription: 'sub_nope'");
		const customer = await stripe.customers.create({});
		const badPrice = await rejection(
			stripe.checkout.sessions.create({
				mode: 'subscription',
				customer: customer.id,
				line_items: [{ price: 'price_unknown', quantity: 1 }],
				success_url: 'http://app.test/ok'
			})
		);
		expect(badPrice).toMatchObject({ code: 'resource_missing', param: 'line_items[0][price]' });
	});

	it('replays a POST with the same idempotency key', async () => {
		const first = await stripe.customers.create({}, { idempotencyKey: 'same-key' });
		const second = await stripe.customers.create({}, { idempotencyKey: 'same-key' });
		expect(second.id).toBe(first.id);
		expect(fake.store.customers.has(first.id)).toBe(true);
	});

	it('completes a checkout: subscription, paid invoice, then signed, verifiable events', async () => {
		const hook = await endpoint([500]);
		fake.webhookUrl = hook.url;
		try {
			const customer = await stripe.customers.create({});
			const session = await stripe.checkout.sessions.create({
				mode: 'subscription',
				customer: customer.id,
				client_reference_id: 'usr_1',
				line_items: [{ price: STANDIN_PRICES[1]!.id, quantity: 1 }],
				success_url: 'http://app.test/billing?checkout=done'
			});
			expect(session).toMatchObject({ status: 'open', url: expect.stringContaining('/c/pay/') });
			expect(session).not.toHaveProperty('_line_items');
			const page = await fetch(session.url!);
			expect(await page.text()).toContain('Subscribe');
			const paid = await fetch(session.url!, { method: 'POST', redirect: 'manual' });
			expect(paid.status).toBe(303);
			expect(paid.headers.get('location')).toBe('http://app.test/billing?checkout=done');
			await fake.settled();
			expect(hook.received.map((e) => e.type)).toEqual([
				'customer.subscription.created',
				'invoice.paid',
				'checkout.session.completed'
			]);
			// The first attempt got a 500: Stripe (and the stand-in) deliver it again.
			expect(fake.deliveries.at(-3)?.attempts).toEqual([500, 200]);
			const completed = hook.received[2]!.data.object as Stripe.Checkout.Session;
			expect(completed).toMatchObject({ status: 'complete', client_reference_id: 'usr_1' });
			const subscription = await stripe.subscriptions.retrieve(String(completed.subscription));
			expect(subscription).toMatchObject({ status: 'active', customer: customer.id });
			expect(subscription.items.data[0]!.price.id).toBe(STANDIN_PRICES[1]!.id);
			expect(subscription.items.data[0]!.current_period_end).toBeGreaterThan(Date.now() / 1000);
			const invoice = hook.received[1]!.data.object as Stripe.Invoice;
			expect(invoice.parent?.subscription_details?.subscription).toBe(subscription.id);
		} finally {
			fake.webhookUrl = null;
			await hook.close();
		}
	});

	it('opens a portal that switches the price and cancels', async () => {
		const customer = await stripe.customers.create({});
		const subscription = fake.store.createSubscription(customer.id, STANDIN_PRICES[0]!.id);
		const portal = await stripe.billingPortal.sessions.create({
			customer: customer.id,
			return_url: 'http://app.test/billing'
		});
		expect(portal.url).toContain('/p/session/');
		const form = (body: Record<string, string>) =>
			fetch(portal.url, {
				method: 'POST',
				redirect: 'manual',
				headers: { 'content-type': 'application/x-www-form-urlencoded' },
				body: new URLSearchParams(body)
			});
		expect((await form({ action: 'switch', price: STANDIN_PRICES[2]!.id })).status).toBe(303);
		const switched = await stripe.subscriptions.retrieve(subscription.id);
		expect(switched.items.data[0]!.price.id).toBe(STANDIN_PRICES[2]!.id);
		await form({ action: 'cancel' });
		expect((await stripe.subscriptions.retrieve(subscription.id)).status).toBe('canceled');
		await fake.settled();
		expect(fake.deliveries.slice(-2).map((d) => d.event.type)).toEqual([
			'customer.subscription.updated',
			'customer.subscription.deleted'
		]);
	});
});
