import { error, fail, redirect } from '@sveltejs/kit';
import type { Actions, PageServerLoad } from './$types';
import { getRelay } from '$lib/server/instance';
import { userById } from '$lib/server/accounts/accounts';
import { BillingError, openPortal, startCheckout } from '$lib/server/billing/checkout';
import {
	accountUsage,
	limitText,
	LIVE_STATUSES,
	PAID_PLANS,
	PLAN_LIMITS,
	PLAN_NAMES,
	type PaidPlan
} from '$lib/server/billing/entitlements';

async function accountOf(locals: App.Locals) {
	if (!locals.user) error(401, 'Sign in first');
	const { relay } = await getRelay();
	const user = await userById(relay, locals.user.userId);
	if (!user) error(401, 'Sign in first');
	return { relay, user };
}

/** Shows what the webhook applied; `?checkout=done` (Stripe's success URL) changes nothing. */
export const load: PageServerLoad = async ({ locals, url }) => {
	const { relay, user } = await accountOf(locals);
	const usage = await accountUsage(relay, user.id);
	if (!usage) error(401, 'Sign in first');
	const { standing } = usage;
	const subscribed = Boolean(
		user.subscriptionStatus && LIVE_STATUSES.includes(user.subscriptionStatus)
	);
	return {
		billing: standing.billing,
		plan: PLAN_NAMES[standing.plan],
		active: standing.active,
		refusal: standing.refusal,
		trialDaysLeft: standing.trialDaysLeft,
		trialEndsAt: user.trialEndsAt.toISOString(),
		status: user.subscriptionStatus,
		periodEnd: user.currentPeriodEnd?.toISOString() ?? null,
		limits: { agents: limitText(standing.limits.agents), users: limitText(standing.limits.users) },
		used: { agents: usage.agents.used, users: usage.users.used },
		paused: { agents: usage.agents.paused, users: usage.users.paused },
		subscribed,
		hasCustomer: Boolean(user.stripeCustomerId),
		processing: url.searchParams.get('checkout') === 'done' && !subscribed,
		plans: PAID_PLANS.map((id) => ({
			id,
			name: PLAN_NAMES[id],
			agents: limitText(PLAN_LIMITS[id].agents),
			users: limitText(PLAN_LIMITS[id].users)
		}))
	};
};

const baseOf = (configured: string | undefined, url: URL) => configured ?? url.origin;

export const actions: Actions = {
	/** A Checkout Session for the chosen plan; the browser goes to Stripe's page. */
	upgrade: async ({ locals, request, url }) => {
		const { relay, user } = await accountOf(locals);
		if (!relay.stripe) return fail(404, { error: 'Billing is off on this server.' });
		const plan = String((await request.formData()).get('plan') ?? '');
		if (!(PAID_PLANS as readonly string[]).includes(plan)) {
			return fail(400, { error: 'Choose a plan.' });
		}
		let target: string;
		try {
			target = await startCheckout(
				relay,
				relay.stripe,
				user,
				plan as PaidPlan,
				baseOf(relay.config.PUBLIC_URL, url)
			);
		} catch (e) {
			if (e instanceof BillingError) return fail(409, { error: e.message });
			relay.log.error('billing.checkout_failed', { error: (e as Error).name });
			return fail(502, { error: 'Stripe could not be reached. Try again in a moment.' });
		}
		redirect(303, target);
	},
	/** The Customer Portal: change plan or card, cancel, invoices. */
	manage: async ({ locals, url }) => {
		const { relay, user } = await accountOf(locals);
		if (!relay.stripe) return fail(404, { error: 'Billing is off on this server.' });
		let target: string;
		try {
			target = await openPortal(relay, relay.stripe, user, baseOf(relay.config.PUBLIC_URL, url));
		} catch (e) {
			relay.log.error('billing.portal_failed', { error: (e as Error).name });
			return fail(502, { error: 'Stripe could not be reached. Try again in a moment.' });
		}
		redirect(303, target);
	}
};
