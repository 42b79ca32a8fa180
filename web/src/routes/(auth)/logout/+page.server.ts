import { redirect } from '@sveltejs/kit';
import type { Actions, PageServerLoad } from './$types';
import { getRelay } from '$lib/server/instance';
import { destroyWebSession, SESSION_COOKIE } from '$lib/server/auth/web-session';

export const load: PageServerLoad = () => redirect(303, '/');

export const actions: Actions = {
	default: async ({ cookies }) => {
		const value = cookies.get(SESSION_COOKIE);
		if (value) {
			const { relay } = await getRelay();
			await destroyWebSession(relay, value);
		}
		cookies.delete(SESSION_COOKIE, { path: '/' });
		redirect(303, '/');
	}
};
