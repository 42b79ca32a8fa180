import { error } from '@sveltejs/kit';
import type { PageServerLoad } from './$types';
import { getRelay } from '$lib/server/instance';
import { listAgents } from '$lib/server/agents/agents';
import { accountUsage } from '$lib/server/billing/entitlements';

export const load: PageServerLoad = async ({ locals, url }) => {
	if (!locals.user) error(401, 'Sign in first');
	const { relay } = await getRelay();
	// Agents past the plan's limit after a downgrade: kept, but prompts are not relayed to them.
	const usage = await accountUsage(relay, locals.user.userId);
	return {
		agents: await listAgents(relay, locals.user.userId),
		paused: usage?.agents.paused.map((a) => a.name) ?? [],
		/** The name of an agent just revoked from its own page (which redirects here). */
		revoked: url.searchParams.get('revoked')
	};
};
