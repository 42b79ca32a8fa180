import { error } from '@sveltejs/kit';
import { PAIRING_CODE_TTL_MS } from '@remoteagent/shared';
import type { Actions, PageServerLoad } from './$types';
import { getRelay } from '$lib/server/instance';
import { issuePairingCode } from '$lib/server/pairing/pairing';

export const load: PageServerLoad = async () => {
	const { relay } = await getRelay();
	return { botUsername: relay.config.TELEGRAM_BOT_USERNAME ?? null };
};

export const actions: Actions = {
	/** A new pairing code (POST: issuing one invalidates the previous code). */
	default: async ({ locals, url }) => {
		if (!locals.user) error(401, 'Sign in first');
		const { relay } = await getRelay();
		const issued = await issuePairingCode(relay, {
			userId: locals.user.userId,
			telegramUserId: locals.user.telegramUserId
		});
		const server = relay.config.PUBLIC_URL ?? url.origin;
		return {
			code: issued.code,
			issuedAt: new Date(issued.expiresAt.getTime() - PAIRING_CODE_TTL_MS).toISOString(),
			expiresAt: issued.expiresAt.toISOString(),
			command: `remoteagent init --server ${server} --code ${issued.code}`
		};
	}
};
