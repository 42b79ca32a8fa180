import { error, json } from '@sveltejs/kit';
import type { RequestHandler } from './$types';
import { getRelay } from '$lib/server/instance';
import { agentPairedSince } from '$lib/server/agents/agents';

/**
 * GET `?since=<ISO time the code was issued>`: the agent the signed-in account paired since
 * then, or `{ agent: null }`. The Add-agent page polls it while its code is shown.
 */
export const GET: RequestHandler = async ({ locals, url }) => {
	if (!locals.user) error(401, 'Sign in first');
	const since = new Date(url.searchParams.get('since') ?? '');
	if (Number.isNaN(since.getTime())) error(400, 'since must be an ISO time');
	const { relay } = await getRelay();
	const agent = await agentPairedSince(relay, locals.user.userId, since);
	return json({ agent }, { headers: { 'cache-control': 'no-store' } });
};
