/**
 * The Stripe client, built from the config: null when billing is off (no STRIPE_SECRET_KEY), so
 * no code path can call Stripe then. STRIPE_API_BASE points the unmodified SDK at the local
 * stand-in through its `host`/`port`/`protocol` options (config validation refuses it for a live key).
 * The SDK is loaded only when billing is on: it is a large module a server without billing never
 * needs in memory.
 */
import type Stripe from 'stripe';
import type { Config } from '../config/schema.ts';
import type { PaidPlan } from './entitlements.ts';

export async function createStripe(
	config: Pick<Config, 'STRIPE_SECRET_KEY' | 'STRIPE_API_BASE'>
): Promise<Stripe | null> {
	if (!config.STRIPE_SECRET_KEY) return null;
	const { default: Stripe } = await import('stripe');
	const base = config.STRIPE_API_BASE ? new URL(config.STRIPE_API_BASE) : null;
	return new Stripe(config.STRIPE_SECRET_KEY, {
		maxNetworkRetries: 2,
		timeout: 20_000,
		telemetry: false,
		...(base
			? {
					host: base.hostname,
					port: base.port || (base.protocol === 'https:' ? 443 : 80),
					protocol: base.protocol === 'http:' ? 'http' : 'https'
				}
			: {})
	});
}

type PriceConfig = Pick<Config, 'STRIPE_PRICE_SOLO' | 'STRIPE_PRICE_PRO' | 'STRIPE_PRICE_TEAM'>;

export function priceOf(config: PriceConfig, plan: PaidPlan): string | undefined {
	return {
		solo: config.STRIPE_PRICE_SOLO,
		pro: config.STRIPE_PRICE_PRO,
		team: config.STRIPE_PRICE_TEAM
	}[plan];
}

/** The plan a configured Price id stands for; null for any other price. */
export function planOfPrice(config: PriceConfig, priceId: string | undefined): PaidPlan | null {
	if (!priceId) return null;
	if (priceId === config.STRIPE_PRICE_SOLO) return 'solo';
	if (priceId === config.STRIPE_PRICE_PRO) return 'pro';
	if (priceId === config.STRIPE_PRICE_TEAM) return 'team';
	return null;
}

/** An expandable Stripe field as its id. */
export function idOf(value: string | { id: string } | null | undefined): string | null {
	if (!value) return null;
	return typeof value === 'string' ? value : value.id;
}
