import { error, fail } from '@sveltejs/kit';
import { DOMAIN_ERRORS, DomainError } from '@remoteagent/shared';
import type { Actions, PageServerLoad } from './$types';
import { getRelay } from '$lib/server/instance';
import { decideDeviceRequest, viewDeviceRequest } from '$lib/server/pairing/device';

/** The link `remoteagent init` shows: what asks to be paired, and Approve / Deny. */
export const load: PageServerLoad = async ({ locals, params }) => {
	if (!locals.user) error(401, 'Sign in first');
	const { relay } = await getRelay();
	const request = await viewDeviceRequest(relay, locals.user, params.code).catch((e: unknown) => {
		if (e instanceof DomainError && e.code === 'RATE_LIMITED') {
			error(429, 'Too many pairing links opened: wait a few minutes.');
		}
		throw e;
	});
	if (!request) error(404, 'This pairing link is not valid: run `remoteagent init` again.');
	return { request: { ...request, expiresAt: request.expiresAt.toISOString() } };
};

async function decide(
	locals: App.Locals,
	code: string,
	approve: boolean
): Promise<{ decided: 'approved' | 'denied' } | ReturnType<typeof fail>> {
	if (!locals.user) error(401, 'Sign in first');
	const { relay } = await getRelay();
	try {
		await decideDeviceRequest(relay, locals.user, code, approve);
		return { decided: approve ? 'approved' : 'denied' };
	} catch (e) {
		if (e instanceof DomainError) {
			const message =
				e.code === 'PAIRING_CODE_EXPIRED'
					? 'This request has expired: run `remoteagent init` again.'
					: e.code === 'PAIRING_CODE_USED'
						? 'This request was already approved or denied.'
						: DOMAIN_ERRORS[e.code].message;
			const status = e.code === 'RATE_LIMITED' ? 429 : e.code === 'PLAN_LIMIT_REACHED' ? 403 : 400;
			return fail(status, { error: message });
		}
		throw e;
	}
}

export const actions: Actions = {
	approve: ({ locals, params }) => decide(locals, params.code, true),
	deny: ({ locals, params }) => decide(locals, params.code, false)
};
