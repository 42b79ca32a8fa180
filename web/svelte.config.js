import adapterNode from '@sveltejs/adapter-node';
import adapterVercel from '@sveltejs/adapter-vercel';

/**
 * Vercel functions: Node 20, and 300 s (the most every plan allows) because a tRPC subscription
 * (SSE) holds its request for `sse.maxDurationMs` (4 minutes, shared/src/api/init.ts) before the
 * client reconnects. Without it the project's default applies, which may cut them short.
 * test/deploy/vercel-output.test.ts builds with these and checks the output.
 * @type {import('@sveltejs/adapter-vercel').Config}
 */
const vercel = { runtime: 'nodejs20.x', maxDuration: 300 };

/**
 * One codebase, two deployments: Vercel for the hosted service (VERCEL is set by its build),
 * Node for self-hosting and for `pnpm start`.
 * @type {import('@sveltejs/kit').Config}
 */
const config = {
	kit: {
		adapter: process.env.VERCEL ? adapterVercel(vercel) : adapterNode(),
		// Nothing of the server's environment is meant for the browser; the default `PUBLIC_`
		// prefix would also hide our PUBLIC_URL from `$env/dynamic/private`.
		env: { publicPrefix: 'BROWSER_' },
		// SvelteKit adds a nonce (hashes on prerendered pages) to its own inline scripts. The one
		// outside script is Telegram's Login Widget, which renders an iframe from oauth.telegram.org.
		// No 'unsafe-inline' anywhere (so no style attributes), no 'unsafe-eval' (so the widget's
		// `data-onauth`, which it evals, is not used: the login page listens to the iframe itself).
		csp: {
			mode: 'auto',
			directives: {
				'default-src': ['self'],
				'script-src': ['self', 'https://telegram.org/js/telegram-widget.js'],
				'style-src': ['self'],
				// SvelteKit's route announcer (.svelte-kit/generated/root.svelte) is the one style
				// attribute; this is its hash. Should an upgrade change it, the e2e suite's `csp`
				// fixture reports the violation with the new hash.
				'style-src-attr': ['unsafe-hashes', 'sha256-S8qMpvofolR8Mpjy4kQvEm7m1q8clzU4dfDH0AmvZjo='],
				'img-src': ['self', 'data:'],
				'frame-src': ['https://oauth.telegram.org'],
				'connect-src': ['self'],
				'frame-ancestors': ['none'],
				'base-uri': ['self'],
				// Upgrade and Manage billing end in a redirect to Stripe's hosted pages.
				'form-action': ['self', 'https://checkout.stripe.com', 'https://billing.stripe.com'],
				'object-src': ['none']
			}
		},
		typescript: {
			config: (tsconfig) => {
				tsconfig.compilerOptions.allowImportingTsExtensions = true;
				return tsconfig;
			}
		}
	}
};

export default config;
