import { error } from '@sveltejs/kit';
import type { PageServerLoad } from './$types';
import { getRelay } from '$lib/server/instance';
import { listAgents } from '$lib/server/agents/agents';

export const load: PageServerLoad = async ({ locals, url }) => {
	if (!locals.user) error(401, 'Sign in first');
	const { relay } = await getRelay();
	const agents = await listAgents(relay, locals.user.userId);
	const wanted = url.searchParams.get('agent');
	const chosen =
		agents.find((a) => a.id === wanted) ?? agents.find((a) => a.online) ?? agents[0] ?? null;
	return {
		agents: agents.map(({ id, name, runner, online }) => ({ id, name, runner, online })),
		agentId: chosen?.id ?? null
	};
};
