import { error, fail } from '@sveltejs/kit';
import type { Actions, PageServerLoad } from './$types';
import { getRelay } from '$lib/server/instance';
import { sessionOfAccount } from '$lib/server/sessions/listing';
import { abortSession } from '$lib/server/sessions/abort';

export const load: PageServerLoad = async ({ locals, params }) => {
	if (!locals.user) error(401, 'Sign in first');
	const { relay } = await getRelay();
	// Scoped by account: another account's session id is indistinguishable from an unknown one.
	const session = await sessionOfAccount(relay, locals.user.userId, params.id);
	if (!session) error(404, 'Session not found');
	return { session };
};

export const actions: Actions = {
	/** The live view's Abort button: the same stop as the bot's `abort`. */
	abort: async ({ locals, params }) => {
		if (!locals.user) error(401, 'Sign in first');
		const { relay } = await getRelay();
		const outcome = await abortSession(relay, locals.user.userId, params.id);
		if (outcome === 'not-found') error(404, 'Session not found');
		if (outcome === 'ended') return fail(409, { abortError: 'This session has already ended.' });
		return { abort: outcome };
	}
};
