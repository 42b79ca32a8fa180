/**
 * The stand-in's Stripe account: customers, Checkout Sessions, portal sessions, subscriptions
 * and invoices in memory, shaped like the objects of the API version stripe-node pins
 * (subscription periods on the items, an invoice's subscription under `parent`). Operations
 * that Stripe follows with webhook events return those events' types and objects, in the order
 * Stripe would emit them.
 */
import { randomBytes } from 'node:crypto';
import { invalid, missing, missingParam } from './errors.ts';
import type { Params } from './form.ts';

export interface Price {
	id: string;
	unit_amount: number;
	currency?: string;
}

export type StripeObject = Record<string, unknown> & { id: string; object: string };
export type Emitted = { type: string; object: StripeObject; previous?: Record<string, unknown> };

const MONTH_S = 30 * 86_400;

export function stripeId(prefix: string): string {
	return `${prefix}_${randomBytes(12).toString('base64url').replace(/[-_]/g, 'x')}`;
}

const nowS = () => Math.floor(Date.now() / 1000);

export class StripeStore {
	readonly customers = new Map<string, StripeObject>();
	readonly sessions = new Map<string, StripeObject>();
	readonly portalSessions = new Map<string, StripeObject>();
	readonly subscriptions = new Map<string, StripeObject>();
	readonly invoices = new Map<string, StripeObject>();
	readonly prices = new Map<string, StripeObject>();

	constructor(
		prices: Price[],
		/** Where the hosted pages live (the stand-in's own origin). */
		private readonly origin: () => string
	) {
		for (const p of prices) {
			this.prices.set(p.id, {
				id: p.id,
				object: 'price',
				active: true,
				currency: p.currency ?? 'usd',
				unit_amount: p.unit_amount,
				product: `prod_${p.id.replace(/^price_/, '')}`,
				recurring: { interval: 'month', interval_count: 1, usage_type: 'licensed' },
				type: 'recurring',
				livemode: false
			});
		}
	}

	createCustomer(params: Params): StripeObject {
		const customer: StripeObject = {
			id: stripeId('cus'),
			object: 'customer',
			created: nowS(),
			name: (params.name as string | undefined) ?? null,
			email: (params.email as string | undefined) ?? null,
			metadata: (params.metadata as Record<string, string> | undefined) ?? {},
			livemode: false,
			delinquent: false,
			invoice_prefix: randomBytes(4).toString('hex').toUpperCase()
		};
		this.customers.set(customer.id, customer);
		return customer;
	}

	customer(id: string): StripeObject {
		const customer = this.customers.get(id);
		if (!customer) throw missing('customer', id);
		return customer;
	}

	createCheckoutSession(params: Params): StripeObject {
		if (!params.mode) throw missingParam('mode');
		if (params.mode !== 'subscription') {
			throw invalid('mode', 'The stand-in only supports mode=subscription.');
		}
		if (!params.success_url) throw missingParam('success_url');
		const customer = params.customer as string | undefined;
		if (customer && !this.customers.has(customer)) throw missing('customer', customer, 'customer');
		const items = params.line_items as { price?: string; quantity?: string }[] | undefined;
		if (!items?.length) throw missingParam('line_items');
		items.forEach((item, i) => {
			if (!item.price) throw missingParam(`line_items[${i}][price]`);
			if (!this.prices.has(item.price))
				throw missing('price', item.price, `line_items[${i}][price]`);
		});
		const id = stripeId('cs_test');
		const session: StripeObject = {
			id,
			object: 'checkout.session',
			mode: 'subscription',
			status: 'open',
			payment_status: 'unpaid',
			customer: customer ?? null,
			client_reference_id: (params.client_reference_id as string | undefined) ?? null,
			success_url: params.success_url,
			cancel_url: (params.cancel_url as string | undefined) ?? null,
			url: `${this.origin()}/c/pay/${id}`,
			subscription: null,
			invoice: null,
			metadata: (params.metadata as Record<string, string> | undefined) ?? {},
			currency: 'usd',
			amount_total: this.prices.get(items[0]!.price!)!.unit_amount,
			created: nowS(),
			expires_at: nowS() + 86_400,
			livemode: false,
			// Kept for completion; Stripe returns line_items only when expanded.
			_line_items: items.map((i) => ({ price: i.price!, quantity: Number(i.quantity ?? 1) }))
		};
		this.sessions.set(id, session);
		return session;
	}

	session(id: string): StripeObject {
		const session = this.sessions.get(id);
		if (!session) throw missing('checkout.session', id);
		return session;
	}

	/** What paying on the hosted page does: customer, subscription, paid invoice, completed session. */
	completeCheckout(id: string): Emitted[] {
		const session = this.session(id);
		if (session.status !== 'open')
			throw invalid('session', 'This Checkout Session is no longer open.');
		const emitted: Emitted[] = [];
		let customer = session.customer as string | null;
		if (!customer) {
			const created = this.createCustomer({});
			customer = created.id;
			emitted.push({ type: 'customer.created', object: created });
		}
		const items = session._line_items as { price: string; quantity: number }[];
		const subscription = this.createSubscription(customer, items[0]!.price, items[0]!.quantity);
		emitted.push({ type: 'customer.subscription.created', object: subscription });
		const invoice = this.createInvoice(subscription, 'paid');
		subscription.latest_invoice = invoice.id;
		emitted.push({ type: 'invoice.paid', object: invoice });
		Object.assign(session, {
			status: 'complete',
			payment_status: 'paid',
			customer,
			subscription: subscription.id,
			invoice: invoice.id
		});
		emitted.push({ type: 'checkout.session.completed', object: this.view(session) });
		return emitted;
	}

	createSubscription(customer: string, price: string, quantity = 1): StripeObject {
		const id = stripeId('sub');
		const start = nowS();
		const subscription: StripeObject = {
			id,
			object: 'subscription',
			customer,
			status: 'active',
			items: {
				object: 'list',
				data: [this.item(id, price, quantity, start)],
				has_more: false,
				total_count: 1,
				url: `/v1/subscription_items?subscription=${id}`
			},
			billing_cycle_anchor: start,
			cancel_at: null,
			cancel_at_period_end: false,
			canceled_at: null,
			collection_method: 'charge_automatically',
			created: start,
			currency: 'usd',
			ended_at: null,
			latest_invoice: null,
			livemode: false,
			metadata: {},
			start_date: start
		};
		this.subscriptions.set(id, subscription);
		return subscription;
	}

	private item(subscription: string, price: string, quantity: number, start: number) {
		return {
			id: stripeId('si'),
			object: 'subscription_item',
			created: start,
			current_period_start: start,
			current_period_end: start + MONTH_S,
			price: this.prices.get(price),
			quantity,
			subscription
		};
	}

	subscription(id: string): StripeObject {
		const subscription = this.subscriptions.get(id);
		if (!subscription) throw missing('subscription', id);
		return subscription;
	}

	/** `POST /v1/subscriptions/:id`: a new price (`items[0][price]`) or cancel_at_period_end. */
	updateSubscription(id: string, params: Params): Emitted[] {
		const subscription = this.subscription(id);
		const previous: Record<string, unknown> = {};
		const items = params.items as { id?: string; price?: string }[] | undefined;
		if (items?.[0]?.price) {
			const price = items[0].price;
			if (!this.prices.has(price)) throw missing('price', price, 'items[0][price]');
			const list = subscription.items as { data: Record<string, unknown>[] };
			previous.items = structuredClone(list);
			list.data[0] = this.item(id, price, 1, nowS());
		}
		if (params.cancel_at_period_end !== undefined) {
			previous.cancel_at_period_end = subscription.cancel_at_period_end;
			subscription.cancel_at_period_end = params.cancel_at_period_end === 'true';
		}
		if (typeof params.status === 'string') {
			// Not an API parameter: the stand-in's own control (tests move a subscription to
			// past_due, unpaid, …) goes through the same event path.
			previous.status = subscription.status;
			subscription.status = params.status;
		}
		return [{ type: 'customer.subscription.updated', object: subscription, previous }];
	}

	/** `DELETE /v1/subscriptions/:id`: ends it now. */
	cancelSubscription(id: string): Emitted[] {
		const subscription = this.subscription(id);
		if (subscription.status === 'canceled') {
			throw invalid('subscription', `No such subscription: '${id}' is already canceled.`);
		}
		Object.assign(subscription, { status: 'canceled', canceled_at: nowS(), ended_at: nowS() });
		return [{ type: 'customer.subscription.deleted', object: subscription }];
	}

	createInvoice(subscription: StripeObject, status: 'paid' | 'open'): StripeObject {
		const price = (subscription.items as { data: { price: { unit_amount: number } }[] }).data[0]!
			.price;
		const invoice: StripeObject = {
			id: stripeId('in'),
			object: 'invoice',
			customer: subscription.customer,
			status,
			amount_due: price.unit_amount,
			amount_paid: status === 'paid' ? price.unit_amount : 0,
			attempt_count: 1,
			billing_reason: 'subscription_create',
			currency: 'usd',
			created: nowS(),
			livemode: false,
			parent: {
				type: 'subscription_details',
				quote_details: null,
				subscription_details: { subscription: subscription.id, metadata: {} }
			}
		};
		this.invoices.set(invoice.id, invoice);
		return invoice;
	}

	createPortalSession(params: Params): StripeObject {
		const customer = params.customer as string | undefined;
		if (!customer) throw missingParam('customer');
		if (!this.customers.has(customer)) throw missing('customer', customer, 'customer');
		const id = stripeId('bps');
		const session: StripeObject = {
			id,
			object: 'billing_portal.session',
			configuration: 'bpc_standin',
			created: nowS(),
			customer,
			livemode: false,
			locale: null,
			on_behalf_of: null,
			return_url: (params.return_url as string | undefined) ?? null,
			url: `${this.origin()}/p/session/${id}`
		};
		this.portalSessions.set(id, session);
		return session;
	}

	portalSession(id: string): StripeObject {
		const session = this.portalSessions.get(id);
		if (!session) throw missing('billing_portal.session', id);
		return session;
	}

	/** Subscriptions of a customer, newest first. */
	subscriptionsOf(customer: string): StripeObject[] {
		return [...this.subscriptions.values()]
			.filter((s) => s.customer === customer)
			.sort((a, b) => (b.created as number) - (a.created as number));
	}

	/** The object as the API returns it (internal fields dropped). */
	view(object: StripeObject): StripeObject {
		return Object.fromEntries(
			Object.entries(structuredClone(object)).filter(([k]) => !k.startsWith('_'))
		) as StripeObject;
	}
}
