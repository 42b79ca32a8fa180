/**
 * The dashboard's ways into Stripe: a Checkout Session to subscribe and a Customer Portal session
 * to manage the subscription. Neither changes the plan: returning from either only shows what the
 * verified webhook has applied (billing/webhook.ts).
 */
import { and, eq, isNull } from 'drizzle-orm';
import type Stripe from 'stripe';
import type { Deps } from '../deps.ts';
import { users, type User } from '../db/schema/index.ts';
import { LIVE_STATUSES, type PaidPlan } from './entitlements.ts';
import { priceOf } from './stripe.ts';

export class BillingError extends Error {
	override readonly name = 'BillingError';
}

/** The account's Stripe customer: created once (idempotently), then reused. */
export async function ensureCustomer(
	deps: Pick<Deps, 'db'>,
	stripe: Stripe,
	user: User
): Promise<string> {
	if (user.stripeCustomerId) return user.stripeCustomerId;
	const customer = await stripe.customers.create(
		{
			name: [user.firstName, user.lastName].filter(Boolean).join(' '),
			metadata: { account_id: user.id }
		},
		{ idempotencyKey: `customer-${user.id}` }
	);
	const [stored] = await deps.db
		.update(users)
		.set({ stripeCustomerId: customer.id })
		.where(and(eq(users.id, user.id), isNull(users.stripeCustomerId)))
		.returning();
	if (stored) return customer.id;
	// Another request stored one first: use that one.
	const [current] = await deps.db.select().from(users).where(eq(users.id, user.id));
	if (!current?.stripeCustomerId) throw new BillingError('account vanished');
	return current.stripeCustomerId;
}

/** A subscription-mode Checkout Session for `plan`; returns the URL to send the browser to. */
export async function startCheckout(
	deps: Pick<Deps, 'db' | 'config'>,
	stripe: Stripe,
	user: User,
	plan: PaidPlan,
	baseUrl: string
): Promise<string> {
	if (user.subscriptionStatus && LIVE_STATUSES.includes(user.subscriptionStatus)) {
		throw new BillingError('already subscribed: change the plan in the billing portal');
	}
	const price = priceOf(deps.config, plan);
	if (!price) throw new BillingError(`no price configured for ${plan}`);
	const customer = await ensureCustomer(deps, stripe, user);
	const session = await stripe.checkout.sessions.create({
		mode: 'subscription',
		customer,
		client_reference_id: user.id,
		line_items: [{ price, quantity: 1 }],
		// Coming back changes nothing: the page waits for the webhook.
		success_url: new URL('/billing?checkout=done', baseUrl).href,
		cancel_url: new URL('/billing', baseUrl).href
	});
	if (!session.url) throw new BillingError('Stripe returned no checkout URL');
	return session.url;
}

/** A Customer Portal session (change plan, card, cancel); returns its URL. */
export async function openPortal(
	deps: Pick<Deps, 'db'>,
	stripe: Stripe,
	user: User,
	baseUrl: string
): Promise<string> {
	const customer = await ensureCustomer(deps, stripe, user);
	const session = await stripe.billingPortal.sessions.create({
		customer,
		return_url: new URL('/billing', baseUrl).href
	});
	return session.url;
}
