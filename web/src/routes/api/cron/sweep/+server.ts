import { json, text } from '@sveltejs/kit';
import { timingSafeEqual } from 'node:crypto';
import type { RequestHandler } from './$types';
import { getRelay } from '$lib/server/instance';
import { runSweep } from '$lib/server/sweep';

/** Called by the platform's cron with `Authorization: Bearer $CRON_SECRET` (Vercel's convention). */
const sweep: RequestHandler = async ({ request }) => {
	const { relay } = await getRelay();
	const secret = relay.config.CRON_SECRET;
	const given = Buffer.from(request.headers.get('authorization') ?? '');
	const expected = Buffer.from(`Bearer ${secret ?? ''}`);
	if (!secret || given.length !== expected.length || !timingSafeEqual(given, expected)) {
		return text('unauthorized', { status: 401 });
	}
	return json(await runSweep(relay));
};

export const GET = sweep;
export const POST = sweep;
