/**
 * `POST /api/stripe/webhook`: the only way a plan changes. The raw body and its Stripe-Signature
 * header go through `constructEvent` (default tolerance) before anything is parsed or stored; a
 * failure is a 400. A verified event is applied once (its id is recorded in `stripe_events` in
 * the same transaction as the change) and never trusted for the subscription's state: that is
 * fetched from Stripe, so repeated or out-of-order events converge on Stripe's latest state.
 */
import { and, eq, isNull, ne, or } from 'drizzle-orm';
import type Stripe from 'stripe';
import {
	stripeEvents,
	SUBSCRIPTION_STATUSES,
	users,
	type SubscriptionStatus,
	type User
} from '../db/schema/index.ts';
import type { Relay } from '../relay.ts';
import { billingLink, LIVE_STATUSES } from './entitlements.ts';
import { idOf, planOfPrice } from './stripe.ts';

export type BillingDeps = Pick<Relay, 'db' | 'config' | 'now' | 'log' | 'stripe' | 'notifier'>;

export const HANDLED_EVENTS = new Set([
	'checkout.session.completed',
	'customer.subscription.created',
	'customer.subscription.updated',
	'customer.subscription.deleted',
	'invoice.paid',
	'invoice.payment_failed'
]);

export type Outcome =
	'applied' | 'duplicate' | 'ignored' | 'unknown_customer' | 'mismatch' | 'unrecognised';

export async function handleStripeWebhook(request: Request, deps: BillingDeps): Promise<Response> {
	const secret = deps.config.STRIPE_WEBHOOK_SECRET;
	if (!deps.stripe || !secret) return new Response('billing is not configured', { status: 404 });
	const payload = await request.text();
	let event: Stripe.Event;
	try {
		event = deps.stripe.webhooks.constructEvent(
			payload,
			request.headers.get('stripe-signature') ?? '',
			secret
		);
	} catch (error) {
		deps.log.warn('stripe.webhook_refused', { error: (error as Error).name });
		return new Response('invalid signature', { status: 400 });
	}
	try {
		const outcome = await applyStripeEvent(deps, deps.stripe, event);
		deps.log.info('stripe.event', { eventId: event.id, type: event.type, outcome });
		return Response.json({ received: true });
	} catch (error) {
		// Stripe retries a non-2xx delivery: a failed fetch or database write is tried again.
		deps.log.error('stripe.event_failed', {
			eventId: event.id,
			type: event.type,
			error: (error as Error).name
		});
		return new Response('could not apply the event', { status: 500 });
	}
}

/** Apply one verified event. Exported for tests; the webhook is its only production caller. */
export async function applyStripeEvent(
	deps: BillingDeps,
	stripe: Stripe,
	event: Stripe.Event
): Promise<Outcome> {
	if (!HANDLED_EVENTS.has(event.type)) return 'ignored';
	const [seen] = await deps.db.select().from(stripeEvents).where(eq(stripeEvents.id, event.id));
	if (seen) return 'duplicate';

	const object = event.data.object as {
		customer?: string | { id: string } | null;
		client_reference_id?: string | null;
	};
	const customerId = idOf(object.customer);
	const [account] = customerId
		? await deps.db.select().from(users).where(eq(users.stripeCustomerId, customerId))
		: [];
	let outcome: Outcome | null = null;
	let subscription: Stripe.Subscription | null = null;
	if (!account) outcome = 'unknown_customer';
	else if (
		event.type === 'checkout.session.completed' &&
		object.client_reference_id !== account.id
	) {
		// A session of one account's customer that names another account: trust neither.
		outcome = 'mismatch';
	} else {
		const subscriptionId = subscriptionIdOf(event);
		if (subscriptionId) {
			subscription = await stripe.subscriptions.retrieve(subscriptionId);
			if (idOf(subscription.customer) !== customerId) outcome = 'mismatch';
		}
	}

	let failedInvoiceTold: User | null = null;
	const recorded = await deps.db.transaction(async (tx) => {
		const inserted = await tx
			.insert(stripeEvents)
			.values({ id: event.id, type: event.type })
			.onConflictDoNothing()
			.returning({ id: stripeEvents.id });
		if (inserted.length === 0) return 'duplicate' as const;
		if (outcome || !account) return outcome ?? ('unknown_customer' as const);
		const [current] = await tx.select().from(users).where(eq(users.id, account.id));
		if (!current) return 'unknown_customer' as const;
		if (subscription && followsSubscription(current, subscription)) {
			const item = subscription.items.data[0];
			const plan = planOfPrice(deps.config, item?.price.id);
			const status = statusOf(subscription);
			if (!plan || !status) return 'unrecognised' as const;
			await tx
				.update(users)
				.set({
					plan,
					stripeSubscriptionId: subscription.id,
					subscriptionStatus: status,
					currentPeriodEnd: item?.current_period_end
						? new Date(item.current_period_end * 1000)
						: null
				})
				.where(eq(users.id, current.id));
		}
		if (event.type === 'invoice.payment_failed') {
			const invoiceId = (event.data.object as Stripe.Invoice).id;
			// Told once per invoice: Stripe sends this again for every failed retry.
			const [told] = await tx
				.update(users)
				.set({ lastFailedInvoiceId: invoiceId })
				.where(
					and(
						eq(users.id, current.id),
						or(isNull(users.lastFailedInvoiceId), ne(users.lastFailedInvoiceId, invoiceId ?? ''))
					)
				)
				.returning();
			if (told) failedInvoiceTold = told;
		}
		return 'applied' as const;
	});
	if (failedInvoiceTold) await tellPaymentFailed(deps, failedInvoiceTold);
	return recorded;
}

/**
 * Whether this subscription's state is the account's: its current one, its first one, or a live
 * one replacing it. A stale event of an old, ended subscription cannot undo a newer one. (An
 * abandoned checkout, `incomplete`, does not end a running trial: see entitlements.ts.)
 */
function followsSubscription(account: User, subscription: Stripe.Subscription): boolean {
	if (!account.stripeSubscriptionId || account.stripeSubscriptionId === subscription.id) {
		return true;
	}
	const status = statusOf(subscription);
	return status !== null && LIVE_STATUSES.includes(status);
}

function statusOf(subscription: Stripe.Subscription): SubscriptionStatus | null {
	const status = subscription.status as string;
	return (SUBSCRIPTION_STATUSES as readonly string[]).includes(status)
		? (status as SubscriptionStatus)
		: null;
}

function subscriptionIdOf(event: Stripe.Event): string | null {
	switch (event.type) {
		case 'checkout.session.completed':
			return idOf(event.data.object.subscription);
		case 'customer.subscription.created':
		case 'customer.subscription.updated':
		case 'customer.subscription.deleted':
			return event.data.object.id;
		case 'invoice.paid':
		case 'invoice.payment_failed':
			return idOf(event.data.object.parent?.subscription_details?.subscription);
		default:
			return null;
	}
}

async function tellPaymentFailed(deps: BillingDeps, owner: User): Promise<void> {
	await deps.notifier.send(
		owner.telegramUserId,
		`⚠️ A payment for your RemoteAgent plan failed. Stripe will try again; update your card to ` +
			`keep relaying prompts: ${billingLink(deps.config)}`
	);
}
