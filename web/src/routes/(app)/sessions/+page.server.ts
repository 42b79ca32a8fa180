import { error } from '@sveltejs/kit';
import type { PageServerLoad } from './$types';
import { getRelay } from '$lib/server/instance';
import { SESSION_STATUSES } from '$lib/server/db/schema/index';
import { isSessionStatus, listSessions } from '$lib/server/sessions/listing';

const LIMIT = 50;

export const load: PageServerLoad = async ({ locals, url }) => {
	if (!locals.user) error(401, 'Sign in first');
	const requested = url.searchParams.get('status') || null;
	const status = isSessionStatus(requested) ? requested : null;
	const { relay } = await getRelay();
	return {
		sessions: await listSessions(relay, locals.user.userId, { status, limit: LIMIT }),
		status,
		/** A status the filter does not know: shown as such rather than silently ignored. */
		unknownStatus: requested !== null && status === null ? requested : null,
		statuses: [...SESSION_STATUSES],
		limit: LIMIT
	};
};
