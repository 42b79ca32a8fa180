import { fail, redirect } from '@sveltejs/kit';
import type { Actions, PageServerLoad } from './$types';
import { getRelay } from '$lib/server/instance';
import { loginLinkState, redeemLoginLink } from '$lib/server/auth/login-link';
import { signInWithTelegram } from '$lib/server/accounts/accounts';
import { startWebSession } from '$lib/server/auth/cookies';

const REASONS = {
	unknown: 'This sign-in link is not valid. Send /login to the bot for a new one.',
	expired:
		'This sign-in link has expired (they last 5 minutes). Send /login to the bot for a new one.',
	used: 'This sign-in link was already used. Send /login to the bot for a new one.'
} as const;

/**
 * Opening the link only shows a button: link previews and scanners must not use it up. A link
 * that cannot work any more shows why, and no button.
 */
export const load: PageServerLoad = async ({ url }) => {
	const token = url.searchParams.get('token') ?? '';
	const { relay } = await getRelay();
	const state = await loginLinkState(relay, token);
	return {
		token,
		problem: state === 'usable' ? null : REASONS[state],
		botUsername: relay.config.TELEGRAM_BOT_USERNAME ?? null
	};
};

export const actions: Actions = {
	default: async (event) => {
		const { relay } = await getRelay();
		const token = String((await event.request.formData()).get('token') ?? '');
		const result = await redeemLoginLink(relay, token);
		if (!result.ok) return fail(400, { error: REASONS[result.reason] });
		const user = await signInWithTelegram(relay, {
			id: result.telegramUserId,
			firstName: result.firstName,
			username: result.username
		});
		await startWebSession(event, relay, user.id);
		relay.log.info('login.ok', { userId: user.id, via: 'link' });
		redirect(303, '/agents');
	}
};
