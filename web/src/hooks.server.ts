import type { Handle, HandleServerError } from '@sveltejs/kit';
import { sequence } from '@sveltejs/kit/hooks';
import { getRelay } from '$lib/server/instance';
import { createLogger } from '$lib/server/log';
import { resolveWebSession, SESSION_COOKIE } from '$lib/server/auth/web-session';
import { BASELINE_HEADERS } from '$lib/server/security-headers';

/** Resolve the dashboard session from its cookie (sliding expiry). */
const session: Handle = async ({ event, resolve }) => {
	event.locals.user = null;
	const cookie = event.cookies.get(SESSION_COOKIE);
	if (cookie) {
		const { relay } = await getRelay();
		const found = await resolveWebSession(relay, cookie);
		if (found) {
			event.locals.user = found.user;
			event.cookies.set(SESSION_COOKIE, cookie, {
				path: '/',
				httpOnly: true,
				sameSite: 'lax',
				secure: event.url.protocol === 'https:',
				expires: found.expiresAt
			});
		} else {
			event.cookies.delete(SESSION_COOKIE, { path: '/' });
		}
	}
	return resolve(event);
};

/** Baseline security headers for every page. */
const headers: Handle = async ({ event, resolve }) => {
	const response = await resolve(event);
	const { 'x-frame-options': frameOptions, ...always } = BASELINE_HEADERS;
	for (const [name, value] of Object.entries(always)) response.headers.set(name, value);
	if (!response.headers.has('x-frame-options')) {
		response.headers.set('x-frame-options', frameOptions);
	}
	return response;
};

export const handle = sequence(session, headers);

/**
 * Unexpected errors: one structured line (class and route, never the message — it may quote
 * input), and a generic message for the client.
 */
const errorLog = createLogger('error');

export const handleError: HandleServerError = ({ error, event, status }) => {
	if (status !== 404) {
		errorLog.error('http.unhandled', {
			route: event.route.id,
			status,
			error: error instanceof Error ? error.name : typeof error
		});
	}
	return { message: status === 404 ? 'Not Found' : 'Internal Error' };
};
