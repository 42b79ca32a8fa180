import { error } from '@sveltejs/kit';
import type { RequestHandler } from './$types';
import { loadConfig } from '$lib/server/config/index';
import { downloadsDir, openDownload } from '$lib/server/downloads/downloads';

/** One agent binary, streamed; the name is validated inside `openDownload` (no traversal). */
export const GET: RequestHandler = async ({ params }) => {
	const opened = await openDownload(downloadsDir(loadConfig()), params.file);
	if (!opened) error(404, 'No such download');
	const { download, body } = opened;
	return new Response(body, {
		headers: {
			'content-type': 'application/octet-stream',
			'content-length': String(download.size),
			// The name passed the strict pattern, so it needs no quoting beyond this.
			'content-disposition': `attachment; filename="${download.file}"`,
			'x-checksum-sha256': download.sha256,
			// A rebuild replaces the file under the same name.
			'cache-control': 'no-cache'
		}
	});
};
