import type { PageServerLoad } from './$types';
import { loadConfig } from '$lib/server/config/index';
import { downloadsDir, listDownloads } from '$lib/server/downloads/downloads';

/** Public: anyone may fetch the agent before signing in. */
export const load: PageServerLoad = async ({ url }) => {
	const config = loadConfig();
	return {
		downloads: await listDownloads(downloadsDir(config)),
		// The address people use (PUBLIC_URL) beats whatever host this request came through.
		origin: config.PUBLIC_URL ? new URL(config.PUBLIC_URL).origin : url.origin
	};
};
