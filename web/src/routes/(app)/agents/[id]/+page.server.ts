import { error, fail, redirect } from '@sveltejs/kit';
import { agentName, DomainError } from '@remoteagent/shared';
import type { Actions, PageServerLoad } from './$types';
import { getRelay } from '$lib/server/instance';
import { agentOfAccount, removeAgent, renameAgent } from '$lib/server/agents/agents';
import { listSessions } from '$lib/server/sessions/listing';

const RECENT = 10;

function userOf(locals: App.Locals) {
	if (!locals.user) error(401, 'Sign in first');
	return locals.user;
}

export const load: PageServerLoad = async ({ locals, params }) => {
	const user = userOf(locals);
	const { relay } = await getRelay();
	let agent;
	try {
		agent = await agentOfAccount(relay, user.userId, params.id);
	} catch (e) {
		// Another account's agent is indistinguishable from an unknown one.
		if (e instanceof DomainError) error(404, 'Agent not found');
		throw e;
	}
	return {
		agent: {
			id: agent.id,
			name: agent.name,
			runner: agent.runner,
			hostname: agent.hostname,
			online: agent.status === 'online',
			lastSeenAt: agent.lastSeenAt?.toISOString() ?? null,
			pairedAt: agent.createdAt.toISOString(),
			/**
			 * The slot for the agent's permission mode (what its runner may do without asking). The
			 * relay does not record it yet; the page says so instead of guessing.
			 */
			permissionMode: null as string | null
		},
		sessions: await listSessions(relay, user.userId, { agentId: agent.id, limit: RECENT }),
		recent: RECENT,
		botUsername: relay.config.TELEGRAM_BOT_USERNAME ?? null
	};
};

export const actions: Actions = {
	rename: async ({ locals, request, params }) => {
		const user = userOf(locals);
		const name = agentName.safeParse((await request.formData()).get('name'));
		if (!name.success) return fail(400, { error: name.error.issues[0]?.message ?? 'invalid name' });
		const { relay } = await getRelay();
		try {
			await renameAgent(relay, { userId: user.userId }, params.id, name.data);
		} catch (e) {
			if (e instanceof DomainError) return fail(400, { error: e.message });
			throw e;
		}
		return { renamed: name.data };
	},
	/** Deleting revokes: the agent's token is refused from its next call on. */
	delete: async ({ locals, request, params }) => {
		const user = userOf(locals);
		if ((await request.formData()).get('confirm') !== 'yes') {
			return fail(400, { error: 'Confirm the revocation first.' });
		}
		const { relay } = await getRelay();
		let name: string;
		try {
			name = (await agentOfAccount(relay, user.userId, params.id)).name;
			await removeAgent(relay, user.userId, params.id);
		} catch (e) {
			if (e instanceof DomainError) return fail(404, { error: e.message });
			throw e;
		}
		redirect(303, `/agents?revoked=${encodeURIComponent(name)}`);
	}
};
