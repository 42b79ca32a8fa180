import { json } from '@sveltejs/kit';
import { sql } from 'drizzle-orm';
import type { RequestHandler } from './$types';
import { getRelay } from '$lib/server/instance';

/** Liveness with the state of the two stores; 503 when either is down. Never shows credentials. */
export const GET: RequestHandler = async () => {
	const { relay } = await getRelay();
	const [database, redis] = await Promise.all([
		relay.db
			.execute(sql`select 1`)
			.then(() => ({ ok: true, driver: relay.database.driver, at: relay.database.describe }))
			.catch(() => ({ ok: false, driver: relay.database.driver, at: relay.database.describe })),
		relay.redis
			.ping()
			.then(() => ({ ok: true }))
			.catch(() => ({ ok: false }))
	]);
	const ok = database.ok && redis.ok;
	return json(
		{
			status: ok ? 'ok' : 'degraded',
			database,
			redis,
			telegram: relay.telegram ? 'configured' : 'not configured'
		},
		{ status: ok ? 200 : 503 }
	);
};
