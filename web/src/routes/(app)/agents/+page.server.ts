import { error } from '@sveltejs/kit';
import type { PageServerLoad } from './$types';
import { getRelay } from '$lib/server/instance';
import { listAgents } from '$lib/server/agents/agents';
import { accountUsage } from '$lib/server/billing/entitlements';
import { permissionModeLabel, permissionModesOf } from '$lib/server/approvals/modes';

export const load: PageServerLoad = async ({ locals, url }) => {
	if (!locals.user) error(401, 'Sign in first');
	const { relay } = await getRelay();
	// Agents past the plan's limit after a downgrade: kept, but prompts are not relayed to them.
	const usage = await accountUsage(relay, locals.user.userId);
	const agents = await listAgents(relay, locals.user.userId);
	// Approvals: the permission mode each agent reported with its heartbeat.
	const modes = await permissionModesOf(
		relay.redis,
		agents.map((a) => a.id)
	);
	return {
		agents: agents.map((a) => ({
			...a,
			permissions: permissionModeLabel(modes.get(a.id) ?? null)
		})),
		paused: usage?.agents.paused.map((a) => a.name) ?? [],
		/** The name of an agent just revoked from its own page (which redirects here). */
		revoked: url.searchParams.get('revoked')
	};
};
