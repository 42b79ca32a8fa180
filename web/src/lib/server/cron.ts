/** The cron endpoint: `Authorization: Bearer $CRON_SECRET` (Vercel's convention), then a sweep. */
import { timingSafeEqual } from 'node:crypto';
import type { Relay } from './relay.ts';
import { runSweep, SWEEP_DATABASE_EVERY_MS } from './sweep.ts';

export async function handleCron(request: Request, relay: Relay): Promise<Response> {
	const secret = relay.config.CRON_SECRET;
	const given = Buffer.from(request.headers.get('authorization') ?? '');
	const expected = Buffer.from(`Bearer ${secret ?? ''}`);
	if (!secret || given.length !== expected.length || !timingSafeEqual(given, expected)) {
		return new Response('unauthorized', { status: 401 });
	}
	return Response.json(await runSweep(relay, { databaseEveryMs: SWEEP_DATABASE_EVERY_MS }));
}
