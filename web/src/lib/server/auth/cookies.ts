import type { RequestEvent } from '@sveltejs/kit';
import type { Deps } from '../deps.ts';
import { createWebSession, SESSION_COOKIE } from './web-session.ts';

/** Create a server-side session and set its cookie (HttpOnly, SameSite=Lax, Secure on https). */
export async function startWebSession(
	event: Pick<RequestEvent, 'cookies' | 'url'>,
	deps: Pick<Deps, 'db' | 'now'>,
	userId: string
): Promise<void> {
	const { cookieValue, expiresAt } = await createWebSession(deps, userId);
	event.cookies.set(SESSION_COOKIE, cookieValue, {
		path: '/',
		httpOnly: true,
		sameSite: 'lax',
		secure: event.url.protocol === 'https:',
		expires: expiresAt
	});
}
