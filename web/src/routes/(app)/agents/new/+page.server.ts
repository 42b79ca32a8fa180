import { error, fail } from '@sveltejs/kit';
import { PAIRING_CODE_TTL_MS } from '@remoteagent/shared';
import type { Actions, PageServerLoad } from './$types';
import { getRelay } from '$lib/server/instance';
import { issuePairingCode } from '$lib/server/pairing/pairing';
import { userById } from '$lib/server/accounts/accounts';
import { canAddAgent, PLAN_NAMES, standingOf } from '$lib/server/billing/entitlements';

/** Why a new agent would be refused (the plan's limit), or null when one more fits. */
async function refusal(userId: string): Promise<string | null> {
	const { relay } = await getRelay();
	const user = await userById(relay, userId);
	if (!user) error(401, 'Sign in first');
	const room = await canAddAgent(relay, user);
	if (room.ok) return null;
	const plan = PLAN_NAMES[standingOf(user, relay.config, relay.now()).plan];
	return (
		`Your plan (${plan}) allows ${room.limit} agent${room.limit === 1 ? '' : 's'} and you have ` +
		`${room.limit}. Upgrade on the Billing page, or remove an agent, to pair another.`
	);
}

export const load: PageServerLoad = async ({ locals }) => {
	if (!locals.user) error(401, 'Sign in first');
	const { relay } = await getRelay();
	return {
		refusal: await refusal(locals.user.userId),
		botUsername: relay.config.TELEGRAM_BOT_USERNAME ?? null
	};
};

export const actions: Actions = {
	/** A new pairing code (POST: issuing one invalidates the previous code). */
	default: async ({ locals, url }) => {
		if (!locals.user) error(401, 'Sign in first');
		const refused = await refusal(locals.user.userId);
		if (refused) return fail(403, { refusal: refused });
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
