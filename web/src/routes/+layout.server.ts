import type { LayoutServerLoad } from './$types';

export const load: LayoutServerLoad = ({ locals }) => ({
	user: locals.user ? { firstName: locals.user.firstName, username: locals.user.username } : null
});
