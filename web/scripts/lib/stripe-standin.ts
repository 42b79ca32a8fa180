/**
 * Billing for `pnpm start`: with a Stripe test key and STRIPE_API_BASE on this machine
 * (http://127.0.0.1:<port>), start runs the Stripe stand-in there, so Upgrade, Checkout, the
 * portal and the signed webhook events can be tried locally without Stripe. Its webhook events
 * go to this app's /api/stripe/webhook, signed with STRIPE_WEBHOOK_SECRET.
 */
import type { Config } from '../../src/lib/server/config/schema.ts';

const LOOPBACK = new Set(['127.0.0.1', 'localhost', '[::1]']);

/** The stand-in's address when start should run it: a test key and a loopback http base with a port. */
export function standInBase(config: Config): URL | null {
	const key = config.STRIPE_SECRET_KEY;
	if (!key || !/^(sk|rk)_test_/.test(key) || !config.STRIPE_API_BASE) return null;
	const base = new URL(config.STRIPE_API_BASE);
	return base.protocol === 'http:' && LOOPBACK.has(base.hostname) && base.port ? base : null;
}

export async function startStripeStandIn(
	config: Config,
	base: URL,
	appUrl: string
): Promise<{ stop(): Promise<void> }> {
	// Loaded only when it runs: the stand-in and the Stripe SDK it uses stay out of a server
	// without billing.
	const { createFakeStripe } = await import('../../test/harness/stripe-api.ts');
	const prices = [
		{ id: config.STRIPE_PRICE_SOLO!, unit_amount: 500 },
		{ id: config.STRIPE_PRICE_PRO!, unit_amount: 1500 },
		{ id: config.STRIPE_PRICE_TEAM!, unit_amount: 4900 }
	];
	const fake = await createFakeStripe({
		secretKey: config.STRIPE_SECRET_KEY!,
		webhookSecret: config.STRIPE_WEBHOOK_SECRET!,
		prices,
		port: Number(base.port),
		webhookUrl: new URL('/api/stripe/webhook', appUrl).href,
		retries: 6
	});
	return { stop: () => fake.close() };
}

/** The Billing line of the status block (never a key). */
export function describeBilling(config: Config, standIn: URL | null): string {
	if (!config.STRIPE_SECRET_KEY) return 'off (no STRIPE_SECRET_KEY): every account is unlimited';
	const mode = /_live_/.test(config.STRIPE_SECRET_KEY) ? 'live' : 'test mode';
	return standIn ? `Stripe stand-in at ${standIn.origin} (${mode})` : `Stripe (${mode})`;
}
