import type { RequestHandler } from './$types';
import { getRelay } from '$lib/server/instance';
import { handleStripeWebhook } from '$lib/server/billing/webhook';

/** Stripe's events; the raw body is read and verified in handleStripeWebhook before anything else. */
export const POST: RequestHandler = async ({ request }) => {
	const { relay } = await getRelay();
	return handleStripeWebhook(request, relay);
};
