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
		typescript: {
			config: (tsconfig) => {
				tsconfig.compilerOptions.allowImportingTsExtensions = true;
				return tsconfig;
			}
		}
	}
};

export default config;
