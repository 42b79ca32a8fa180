import { error } from '@sveltejs/kit';
import type { PageServerLoad } from './$types';
import { getRelay } from '$lib/server/instance';
import { sessionOfAccount } from '$lib/server/sessions/listing';

export const load: PageServerLoad = async ({ locals, params }) => {
	if (!locals.user) error(401, 'Sign in first');
	const { relay } = await getRelay();
	// Scoped by account: another account's session id is indistinguishable from an unknown one.
	const session = await sessionOfAccount(relay, locals.user.userId, params.id);
	if (!session) error(404, 'Session not found');
	return { session };
};
