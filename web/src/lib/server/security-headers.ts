/**
 * The headers every response of the app carries (hooks.server.ts), in one place so that answers
 * given outside SvelteKit (`pnpm start`'s webhook guard) carry them too.
 */
export const BASELINE_HEADERS = {
	'x-content-type-options': 'nosniff',
	'referrer-policy': 'same-origin',
	/** Unless the response set its own. */
	'x-frame-options': 'DENY'
} as const;
