import { error } from '@sveltejs/kit';
import type { PageServerLoad } from './$types';
import { getRelay } from '$lib/server/instance';
import { listAgents } from '$lib/server/agents/agents';

export const load: PageServerLoad = async ({ locals, url }) => {
	if (!locals.user) error(401, 'Sign in first');
	const { relay } = await getRelay();
	return {
		agents: await listAgents(relay, locals.user.userId),
		/** The name of an agent just revoked from its own page (which redirects here). */
		revoked: url.searchParams.get('revoked')
	};
};
