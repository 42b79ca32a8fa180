import { error } from '@sveltejs/kit';
import type { Actions, PageServerLoad } from './$types';
import { getRelay } from '$lib/server/instance';
import { issuePairingCode } from '$lib/server/pairing/pairing';

export const load: PageServerLoad = () => ({});

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
			expiresAt: issued.expiresAt.toISOString(),
			command: `remoteagent init --server ${server} --code ${issued.code}`
		};
	}
};
