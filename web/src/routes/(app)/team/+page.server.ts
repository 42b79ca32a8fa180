import { error, fail } from '@sveltejs/kit';
import type { Actions, PageServerLoad } from './$types';
import { getRelay } from '$lib/server/instance';
import { createInvite, INVITE_PREFIX, listMembers, removeMember } from '$lib/server/team/team';
import { PlanLimitError } from '$lib/server/billing/entitlements';

function userOf(locals: App.Locals) {
	if (!locals.user) error(401, 'Sign in first');
	return locals.user;
}

export const load: PageServerLoad = async ({ locals }) => {
	const user = userOf(locals);
	const { relay } = await getRelay();
	const members = await listMembers(relay, user.userId);
	return {
		members: members.map((m) => ({
			id: m.id,
			name: m.username ? `@${m.username}` : (m.firstName ?? String(m.telegramUserId)),
			role: m.role,
			since: m.createdAt.toISOString()
		})),
		botConfigured: Boolean(relay.config.TELEGRAM_BOT_USERNAME)
	};
};

export const actions: Actions = {
	/** A one-time invite link to the bot, valid 7 days. */
	invite: async ({ locals }) => {
		const user = userOf(locals);
		const { relay } = await getRelay();
		const bot = relay.config.TELEGRAM_BOT_USERNAME;
		if (!bot) return fail(503, { error: 'Set TELEGRAM_BOT_USERNAME to create invite links.' });
		let invite;
		try {
			invite = await createInvite(relay, user.userId, user.userId);
		} catch (e) {
			if (!(e instanceof PlanLimitError)) throw e;
			return fail(403, {
				error: `${e.message} Upgrade on the Billing page to invite more people.`
			});
		}
		const { code, expiresAt } = invite;
		return {
			link: `https://t.me/${bot}?start=${INVITE_PREFIX}${code}`,
			expiresAt: expiresAt.toISOString()
		};
	},
	remove: async ({ locals, request }) => {
		const user = userOf(locals);
		const memberId = String((await request.formData()).get('memberId') ?? '');
		const { relay } = await getRelay();
		if (!(await removeMember(relay, user.userId, memberId))) {
			return fail(404, { error: 'No such member (the owner cannot be removed).' });
		}
		return { removed: true };
	}
};
