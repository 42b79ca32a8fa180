/**
 * The stand-in's hosted pages, in place of checkout.stripe.com and billing.stripe.com: a
 * Checkout page whose button pays (no card form: there is nothing to charge), and a Customer
 * Portal page that switches plans or cancels. Plain HTML forms, no script.
 */
import type { StripeObject, StripeStore } from './store.ts';

const escape = (s: unknown) =>
	String(s).replace(
		/[&<>"']/g,
		(c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!
	);

function page(title: string, body: string): string {
	return `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>${escape(title)}</title><style>body{font-family:system-ui,sans-serif;max-width:28rem;margin:2rem auto;padding:0 1rem}button{font-size:1rem;padding:.5rem 1rem;margin:.25rem 0}</style></head><body><p><small>Stripe stand-in (test mode)</small></p>${body}</body></html>`;
}

export function checkoutPage(session: StripeObject, store: StripeStore): string {
	if (session.status !== 'open') {
		return page('Checkout', `<h1>This checkout session is ${escape(session.status)}.</h1>`);
	}
	const item = (session._line_items as { price: string }[])[0]!;
	const price = store.prices.get(item.price)!;
	const amount = ((price.unit_amount as number) / 100).toFixed(2);
	return page(
		'Checkout',
		`<h1>Subscribe</h1><p data-price="${escape(price.id)}">${escape(price.id)}: $${amount} per month</p>` +
			`<form method="POST"><button type="submit">Subscribe</button></form>` +
			(session.cancel_url ? `<p><a href="${escape(session.cancel_url)}">Back</a></p>` : '')
	);
}

export function portalPage(session: StripeObject, store: StripeStore): string {
	const subscriptions = store.subscriptionsOf(session.customer as string);
	const live = subscriptions.find((s) => s.status !== 'canceled');
	const prices = [...store.prices.keys()];
	const body = live
		? `<p>Subscription <code>${escape(live.id)}</code>: ${escape(live.status)}, price <code>${escape(
				(live.items as { data: { price: { id: string } }[] }).data[0]!.price.id
			)}</code></p>` +
			prices
				.map(
					(p) =>
						`<form method="POST"><input type="hidden" name="action" value="switch"><input type="hidden" name="price" value="${escape(p)}"><button type="submit">Switch to ${escape(p)}</button></form>`
				)
				.join('') +
			`<form method="POST"><input type="hidden" name="action" value="cancel"><button type="submit">Cancel subscription</button></form>`
		: '<p>No active subscription.</p>';
	const back = session.return_url
		? `<p><a href="${escape(session.return_url)}">Return</a></p>`
		: '';
	return page('Billing portal', `<h1>Manage billing</h1>${body}${back}`);
}
