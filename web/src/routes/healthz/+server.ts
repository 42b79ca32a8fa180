import { json } from '@sveltejs/kit';
import { sql } from 'drizzle-orm';
import type { RequestHandler } from './$types';
import { HEALTH_SERVICE } from '@remoteagent/shared';
import { getRelay } from '$lib/server/instance';

/**
 * Liveness with the state of the two stores; 503 when either is down. Public, so it says only
 * ok or not and the database driver's name: no paths, hosts or credentials. `service` tells the
 * agent's `init` it reached a RemoteAgent relay; `bot` (the public @username, or null) lets it
 * end with "message @bot on Telegram".
 */
export const GET: RequestHandler = async () => {
	const { relay } = await getRelay();
	const driver = relay.database.driver;
	const [database, redis] = await Promise.all([
		relay.db
			.execute(sql`select 1`)
			.then(() => ({ ok: true, driver }))
			.catch(() => ({ ok: false, driver })),
		relay.redis
			.ping()
			.then(() => ({ ok: true }))
			.catch(() => ({ ok: false }))
	]);
	const ok = database.ok && redis.ok;
	return json(
		{
			service: HEALTH_SERVICE,
			status: ok ? 'ok' : 'degraded',
			database,
			redis,
			telegram: relay.telegram ? 'configured' : 'not configured',
			bot: relay.config.TELEGRAM_BOT_USERNAME ?? null
		},
		{ status: ok ? 200 : 503 }
	);
};
