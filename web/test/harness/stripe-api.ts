import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import Stripe from 'stripe';
import { ApiFailure, unauthorized, unknownRoute } from './stripe-api/errors.ts';
import { parseParams, type Params } from './stripe-api/form.ts';
import { checkoutPage, portalPage } from './stripe-api/pages.ts';
import {
	stripeId,
	StripeStore,
	type Emitted,
	type Price,
	type StripeObject
} from './stripe-api/store.ts';

/**
 * A local stand-in for Stripe's API, for the unmodified `stripe` SDK configured with
 * `host`/`port`/`protocol`: `/v1/customers`, `/v1/checkout/sessions`,
 * `/v1/billing_portal/sessions` and `/v1/subscriptions` with Stripe's object shapes, form
 * encoding, Bearer key check, idempotency keys and error envelope. Its hosted Checkout and Portal
 * pages change the subscription and then deliver webhook events to the configured endpoint,
 * signed with `stripe.webhooks.generateTestHeaderString` and the endpoint's secret, retried
 * until a 2xx like Stripe does. State lives in memory per instance.
 */

export type { Price, StripeObject } from './stripe-api/store.ts';

export interface RecordedCall {
	method: string;
	path: string;
	params: Params;
	status: number;
}

export interface Delivery {
	event: Stripe.Event;
	/** HTTP status of each attempt (0: no answer). */
	attempts: number[];
}

export interface FakeStripe {
	/** For STRIPE_API_BASE: `http://127.0.0.1:<port>`. */
	apiBase: string;
	secretKey: string;
	webhookSecret: string;
	store: StripeStore;
	/** Every API call (not the hosted pages), in order. */
	calls: RecordedCall[];
	deliveries: Delivery[];
	/** The endpoint events go to (Stripe dashboard → Webhooks); none: events are only recorded. */
	webhookUrl: string | null;
	/** A full event of `type` about `object`, as Stripe would send it (not delivered). */
	event(type: string, object: StripeObject, previous?: Record<string, unknown>): Stripe.Event;
	/** Sign and POST events to the webhook endpoint, one after the other, with retries. */
	deliver(events: Stripe.Event[]): Promise<void>;
	/** What the hosted Checkout page's button does, from code: pays and delivers the events. */
	completeCheckout(sessionId: string): Promise<Stripe.Event[]>;
	/** Change a subscription as the Portal or Stripe's retries would, and deliver the event. */
	updateSubscription(id: string, params: Params): Promise<Stripe.Event[]>;
	/** Resolves once every delivery started so far has ended. */
	settled(): Promise<void>;
	close(): Promise<void>;
}

export interface FakeStripeOptions {
	secretKey?: string;
	webhookSecret?: string;
	prices?: Price[];
	webhookUrl?: string | null;
	port?: number;
	/** Delivery retries after a failed attempt (Stripe retries for days; tests need few). */
	retries?: number;
}

export const STANDIN_PRICES: Price[] = [
	{ id: 'price_standin_solo', unit_amount: 500 },
	{ id: 'price_standin_pro', unit_amount: 1500 },
	{ id: 'price_standin_team', unit_amount: 4900 }
];

const API_VERSION = Stripe.API_VERSION;

/** The relay's Stripe settings for this stand-in (its key, endpoint secret, prices and base). */
export function billingConfig(fake: FakeStripe) {
	return {
		STRIPE_SECRET_KEY: fake.secretKey,
		STRIPE_WEBHOOK_SECRET: fake.webhookSecret,
		STRIPE_PRICE_SOLO: STANDIN_PRICES[0]!.id,
		STRIPE_PRICE_PRO: STANDIN_PRICES[1]!.id,
		STRIPE_PRICE_TEAM: STANDIN_PRICES[2]!.id,
		STRIPE_API_BASE: fake.apiBase
	};
}

export async function createFakeStripe(options: FakeStripeOptions = {}): Promise<FakeStripe> {
	const secretKey = options.secretKey ?? 'sk_test_standin_0123456789abcdefghij';
	const webhookSecret = options.webhookSecret ?? 'whsec_standin_0123456789abcdefghijklmn';
	const retries = options.retries ?? 4;
	let origin = '';
	const store = new StripeStore(options.prices ?? STANDIN_PRICES, () => origin);
	const calls: RecordedCall[] = [];
	const deliveries: Delivery[] = [];
	const idempotent = new Map<string, { status: number; body: unknown }>();
	const pending = new Set<Promise<void>>();
	const signer = new Stripe(secretKey);

	const fake: FakeStripe = {
		apiBase: '',
		secretKey,
		webhookSecret,
		store,
		calls,
		deliveries,
		webhookUrl: options.webhookUrl ?? null,
		event(type, object, previous) {
			return {
				id: stripeId('evt'),
				object: 'event',
				api_version: API_VERSION,
				created: Math.floor(Date.now() / 1000),
				data: {
					object: store.view(object),
					...(previous ? { previous_attributes: previous } : {})
				},
				livemode: false,
				pending_webhooks: 1,
				request: { id: null, idempotency_key: null },
				type
			} as unknown as Stripe.Event;
		},
		deliver(events) {
			const run = (async () => {
				for (const event of events) await deliverOne(event);
			})();
			pending.add(run);
			void run.finally(() => pending.delete(run));
			return run;
		},
		async completeCheckout(sessionId) {
			const events = toEvents(store.completeCheckout(sessionId));
			await fake.deliver(events);
			return events;
		},
		async updateSubscription(id, params) {
			const events = toEvents(store.updateSubscription(id, params));
			await fake.deliver(events);
			return events;
		},
		async settled() {
			while (pending.size > 0) await Promise.allSettled([...pending]);
		},
		close: async () => {
			await fake.settled();
			server.closeAllConnections();
			await new Promise<void>((resolve) => server.close(() => resolve()));
		}
	};

	const toEvents = (emitted: Emitted[]) =>
		emitted.map((e) => fake.event(e.type, e.object, e.previous));

	async function deliverOne(event: Stripe.Event): Promise<void> {
		const delivery: Delivery = { event, attempts: [] };
		deliveries.push(delivery);
		if (!fake.webhookUrl) return;
		const payload = JSON.stringify(event, null, 2);
		for (let attempt = 0; attempt <= retries; attempt++) {
			const header = signer.webhooks.generateTestHeaderString({ payload, secret: webhookSecret });
			const status = await fetch(fake.webhookUrl, {
				method: 'POST',
				headers: {
					'content-type': 'application/json; charset=utf-8',
					'stripe-signature': header,
					'user-agent': 'Stripe/1.0 (+https://stripe.com/docs/webhooks)'
				},
				body: payload
			})
				.then(async (response) => (await response.arrayBuffer(), response.status))
				.catch(() => 0);
			delivery.attempts.push(status);
			if (status >= 200 && status < 300) return;
			await new Promise((resolve) => setTimeout(resolve, 100 * 2 ** attempt));
		}
	}

	/** `[method, pattern, handler]`: the API routes the stand-in answers. */
	const routes: [string, RegExp, (m: string[], p: Params) => unknown][] = [
		['POST', /^\/v1\/customers$/, (_, p) => store.createCustomer(p)],
		['GET', /^\/v1\/customers\/([^/]+)$/, ([id]) => store.customer(id!)],
		['POST', /^\/v1\/checkout\/sessions$/, (_, p) => store.createCheckoutSession(p)],
		['GET', /^\/v1\/checkout\/sessions\/([^/]+)$/, ([id]) => store.session(id!)],
		['POST', /^\/v1\/billing_portal\/sessions$/, (_, p) => store.createPortalSession(p)],
		['GET', /^\/v1\/subscriptions\/([^/]+)$/, ([id]) => store.subscription(id!)],
		[
			'POST',
			/^\/v1\/subscriptions\/([^/]+)$/,
			([id], p) => {
				const emitted = store.updateSubscription(id!, p);
				void fake.deliver(toEvents(emitted));
				return emitted[0]!.object;
			}
		],
		[
			'DELETE',
			/^\/v1\/subscriptions\/([^/]+)$/,
			([id]) => {
				const emitted = store.cancelSubscription(id!);
				void fake.deliver(toEvents(emitted));
				return emitted[0]!.object;
			}
		]
	];

	async function api(req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
		const method = req.method ?? 'GET';
		const body = await readBody(req);
		const params = parseParams(
			method === 'GET' || method === 'DELETE' ? url.search.slice(1) : body
		);
		const call: RecordedCall = { method, path: url.pathname, params, status: 0 };
		calls.push(call);
		const answer = (status: number, payload: unknown) => {
			call.status = status;
			res.writeHead(status, {
				'content-type': 'application/json',
				'request-id': stripeId('req'),
				'stripe-version': API_VERSION
			});
			res.end(JSON.stringify(payload));
		};
		const key = /^Bearer (.+)$/.exec(req.headers.authorization ?? '')?.[1] ?? '';
		if (key !== secretKey) return answer(401, unauthorized(key).body);
		const idempotencyKey = method === 'POST' ? req.headers['idempotency-key'] : undefined;
		const replay = typeof idempotencyKey === 'string' ? idempotent.get(idempotencyKey) : undefined;
		if (replay) return answer(replay.status, replay.body);
		let status = 200;
		let result: unknown;
		try {
			const route = routes.find(([m, pattern]) => m === method && pattern.test(url.pathname));
			if (!route) throw unknownRoute(method, url.pathname);
			const match = route[1].exec(url.pathname)!.slice(1).map(decodeURIComponent);
			result = store.view(route[2](match, params) as StripeObject);
		} catch (error) {
			if (!(error instanceof ApiFailure)) throw error;
			status = error.status;
			result = error.body;
		}
		if (typeof idempotencyKey === 'string' && status < 500) {
			idempotent.set(idempotencyKey, { status, body: result });
		}
		answer(status, result);
	}

	/** The hosted pages: GET shows, POST acts, then back to the app like Stripe redirects. */
	async function hosted(req: IncomingMessage, res: ServerResponse, url: URL): Promise<boolean> {
		const checkout = /^\/c\/pay\/([^/]+)$/.exec(url.pathname);
		const portal = /^\/p\/session\/([^/]+)$/.exec(url.pathname);
		if (!checkout && !portal) return false;
		const html = (status: number, text: string) => {
			res.writeHead(status, { 'content-type': 'text/html; charset=utf-8' });
			res.end(text);
		};
		try {
			if (checkout) {
				const session = store.session(checkout[1]!);
				if (req.method !== 'POST') return (html(200, checkoutPage(session, store)), true);
				const events = toEvents(store.completeCheckout(session.id));
				// Like Stripe: the browser is sent back at once; the events follow on their own.
				void fake.deliver(events);
				const back = String(session.success_url).replace('{CHECKOUT_SESSION_ID}', session.id);
				res.writeHead(303, { location: back }).end();
				return true;
			}
			const session = store.portalSession(portal![1]!);
			if (req.method !== 'POST') return (html(200, portalPage(session, store)), true);
			const form = parseParams(await readBody(req));
			const live = store
				.subscriptionsOf(session.customer as string)
				.find((s) => s.status !== 'canceled');
			if (live) {
				const emitted =
					form.action === 'cancel'
						? store.cancelSubscription(live.id)
						: store.updateSubscription(live.id, { items: [{ price: form.price }] });
				void fake.deliver(toEvents(emitted));
			}
			res.writeHead(303, { location: String(session.return_url ?? '/') }).end();
			return true;
		} catch (error) {
			if (!(error instanceof ApiFailure)) throw error;
			html(error.status, error.message);
			return true;
		}
	}

	const server = createServer(async (req, res) => {
		const url = new URL(req.url ?? '/', 'http://127.0.0.1');
		try {
			if (url.pathname.startsWith('/v1/')) return await api(req, res, url);
			if (await hosted(req, res, url)) return;
			res.writeHead(404, { 'content-type': 'text/plain' }).end('not found');
		} catch (error) {
			if (!res.headersSent) res.writeHead(500, { 'content-type': 'application/json' });
			res.end(JSON.stringify({ error: { type: 'api_error', message: (error as Error).message } }));
		}
	});
	await new Promise<void>((resolve) => server.listen(options.port ?? 0, '127.0.0.1', resolve));
	const { port } = server.address() as AddressInfo;
	origin = `http://127.0.0.1:${port}`;
	fake.apiBase = origin;
	return fake;
}

async function readBody(req: IncomingMessage): Promise<string> {
	const chunks: Buffer[] = [];
	for await (const chunk of req as AsyncIterable<Buffer>) chunks.push(chunk);
	return Buffer.concat(chunks).toString('utf8');
}
