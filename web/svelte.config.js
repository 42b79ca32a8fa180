import adapterNode from '@sveltejs/adapter-node';
import adapterVercel from '@sveltejs/adapter-vercel';

/**
 * One codebase, two deployments: Vercel for the hosted service (VERCEL is set by its build),
 * Node for self-hosting and for `pnpm start`.
 * @type {import('@sveltejs/kit').Config}
 */
const config = {
	kit: {
		adapter: process.env.VERCEL ? adapterVercel({ runtime: 'nodejs20.x' }) : adapterNode(),
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
