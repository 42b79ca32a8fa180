/**
 * Telegram's Login Widget: a script from telegram.org that renders an iframe from
 * oauth.telegram.org. After the user agrees, the iframe posts
 * `{"event":"auth_user","auth_data":{…}}` (a JSON string) to the page; that is what the widget's
 * own `data-onauth` hook is fed from. The payload is only trusted after the server checks its
 * signature; the origin and source checks keep other frames from submitting the form.
 */
export const WIDGET_SCRIPT = 'https://telegram.org/js/telegram-widget.js';
export const WIDGET_ORIGIN = 'https://oauth.telegram.org';

/** The login payload a widget message carries, or null for any other message. */
export function authUserFromWidget(
	event: Pick<MessageEvent, 'origin' | 'source' | 'data'>,
	frame: HTMLIFrameElement | null | undefined
): Record<string, unknown> | null {
	if (event.origin !== WIDGET_ORIGIN || !frame || event.source !== frame.contentWindow) {
		return null;
	}
	let data: unknown;
	try {
		data = typeof event.data === 'string' ? JSON.parse(event.data) : event.data;
	} catch {
		return null;
	}
	if (typeof data !== 'object' || data === null) return null;
	const { event: name, auth_data: user } = data as { event?: unknown; auth_data?: unknown };
	if (name !== 'auth_user' || typeof user !== 'object' || user === null) return null;
	return user as Record<string, unknown>;
}
