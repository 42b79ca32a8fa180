/**
 * The rate limits of pairing, in Redis (`@upstash/ratelimit`), so all instances share them.
 * (The per-sender limit of Telegram and the console is counted with the update's claim in one
 * round trip: telegram/update-claim.ts.) The in-memory "ephemeral cache" is off: it would be per-instance state.
 */
import { Ratelimit } from '@upstash/ratelimit';
import type { Redis } from '@upstash/redis';

export interface Limits {
	/** Pairing-code redemption attempts per client address. */
	pairingAddress: Ratelimit;
	/** Pairing-code redemption attempts for the whole service: caps distributed guessing. */
	pairingGlobal: Ratelimit;
	/** Device-pairing links opened (or decided) per signed-in user: the short code is not guessable. */
	deviceLookup: Ratelimit;
}

export const DEVICE_LOOKUPS_PER_USER_PER_10_MIN = 30;

export const PAIRING_PER_ADDRESS_PER_10_MIN = 10;
export const PAIRING_GLOBAL_PER_MINUTE = 60;

export function createLimits(redis: Redis): Limits {
	const make = (prefix: string, limiter: ReturnType<typeof Ratelimit.slidingWindow>) =>
		new Ratelimit({ redis, limiter, prefix, ephemeralCache: false, analytics: false });
	return {
		pairingAddress: make(
			'rl:pair:addr',
			Ratelimit.slidingWindow(PAIRING_PER_ADDRESS_PER_10_MIN, '10 m')
		),
		pairingGlobal: make('rl:pair:all', Ratelimit.slidingWindow(PAIRING_GLOBAL_PER_MINUTE, '1 m')),
		deviceLookup: make(
			'rl:pair:dev',
			Ratelimit.slidingWindow(DEVICE_LOOKUPS_PER_USER_PER_10_MIN, '10 m')
		)
	};
}
