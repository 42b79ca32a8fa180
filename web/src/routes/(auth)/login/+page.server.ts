import { fail, redirect } from '@sveltejs/kit';
import type { Actions, PageServerLoad } from './$types';
import { getRelay } from '$lib/server/instance';
import { verifyTelegramLogin } from '$lib/server/auth/telegram-login';
import { signInWithTelegram } from '$lib/server/accounts/accounts';
import { startWebSession } from '$lib/server/auth/cookies';

const REASONS = {
	'missing-fields': 'The sign-in data from Telegram was incomplete. Please try again.',
	'bad-signature': 'The sign-in data was not signed by Telegram for this bot.',
	stale: 'That sign-in is too old. Please sign in again.',
	'from-the-future': 'That sign-in is dated in the future: check the clock of this server.'
} as const;

export const load: PageServerLoad = async ({ locals }) => {
	if (locals.user) redirect(303, '/agents');
	const { relay } = await getRelay();
	return {
		botUsername: relay.config.TELEGRAM_BOT_USERNAME ?? null,
		configured: Boolean(relay.config.TELEGRAM_BOT_TOKEN)
	};
};

export const actions: Actions = {
	/** The Login Widget's payload, posted by the page when the widget reports a login (no GET mutations). */
	telegram: async (event) => {
		const { relay } = await getRelay();
		const token = relay.config.TELEGRAM_BOT_TOKEN;
		if (!token) return fail(503, { error: 'Telegram is not configured on this relay.' });
		const form = await event.request.formData();
		const fields: Record<string, string> = {};
		for (const [key, value] of form) if (typeof value === 'string') fields[key] = value;
		const check = verifyTelegramLogin(fields, token, {
			nowS: Math.floor(relay.now().getTime() / 1000),
			maxAgeS: relay.config.LOGIN_MAX_AGE_S
		});
		if (!check.ok) {
			relay.log.warn('login.rejected', { reason: check.reason });
			return fail(400, { error: REASONS[check.reason] });
		}
		const user = await signInWithTelegram(relay, check.login);
		await startWebSession(event, relay, user.id);
		relay.log.info('login.ok', { userId: user.id, via: 'widget' });
		redirect(303, '/agents');
	}
};
