import { error, fail } from '@sveltejs/kit';
import { agentName, DomainError } from '@remoteagent/shared';
import type { Actions, PageServerLoad } from './$types';
import { getRelay } from '$lib/server/instance';
import { listAgents, removeAgent, renameAgent } from '$lib/server/agents/agents';
import { accountUsage } from '$lib/server/billing/entitlements';

function userOf(locals: App.Locals) {
	if (!locals.user) error(401, 'Sign in first');
	return locals.user;
}

export const load: PageServerLoad = async ({ locals }) => {
	const { relay } = await getRelay();
	const userId = userOf(locals).userId;
	// Agents past the plan's limit after a downgrade: kept, but prompts are not relayed to them.
	const paused = (await accountUsage(relay, userId))?.agents.paused.map((a) => a.name) ?? [];
	return { agents: await listAgents(relay, userId), paused };
};

export const actions: Actions = {
	rename: async ({ locals, request }) => {
		const user = userOf(locals);
		const form = await request.formData();
		const agentId = String(form.get('agentId') ?? '');
		const name = agentName.safeParse(form.get('name'));
		if (!name.success)
			return fail(400, { agentId, error: name.error.issues[0]?.message ?? 'invalid name' });
		const { relay } = await getRelay();
		try {
			await renameAgent(relay, { userId: user.userId }, agentId, name.data);
		} catch (e) {
			if (e instanceof DomainError) return fail(400, { agentId, error: e.message });
			throw e;
		}
		return { agentId, renamed: true };
	},
	/** Deleting revokes: the agent's token is refused from its next call on. */
	delete: async ({ locals, request }) => {
		const user = userOf(locals);
		const form = await request.formData();
		const agentId = String(form.get('agentId') ?? '');
		if (form.get('confirm') !== 'yes') {
			return fail(400, { agentId, error: 'Tick the box to confirm the deletion.' });
		}
		const { relay } = await getRelay();
		try {
			await removeAgent(relay, user.userId, agentId);
		} catch (e) {
			if (e instanceof DomainError) return fail(404, { agentId, error: e.message });
			throw e;
		}
		return { deleted: true };
	}
};
