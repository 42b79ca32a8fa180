/**
 * A stand-in for Telegram's Login Widget, served at its real addresses through `page.route`
 * (telegram.org is unreachable here). It does what telegram-widget.js does: it turns the
 * `<script data-telegram-login>` tag into an iframe from oauth.telegram.org, evaluates
 * `data-onauth` (the real script uses `eval`, so a page that sets it needs 'unsafe-eval'), and
 * the iframe posts `{"event":"auth_user","auth_data":…}` to the page when the user logs in.
 * The page's Content-Security-Policy applies to all of it as it would to the real widget.
 */
import type { Page } from '@playwright/test';
import { WIDGET_ORIGIN, WIDGET_SCRIPT } from '../../web/src/routes/(auth)/login/widget.ts';

export { WIDGET_ORIGIN, WIDGET_SCRIPT };

// Runs in the page, as telegram-widget.js would.
const script = `(() => {
	const el = document.currentScript;
	const bot = el.getAttribute('data-telegram-login');
	let onAuth = null;
	if (el.hasAttribute('data-onauth')) {
		onAuth = eval('(function(user){' + el.getAttribute('data-onauth') + '})');
	}
	const iframe = document.createElement('iframe');
	iframe.src = '${WIDGET_ORIGIN}/embed/' + bot + '?origin=' + encodeURIComponent(location.origin);
	iframe.width = 238;
	iframe.height = 40;
	iframe.style.border = 'none';
	el.parentNode.insertBefore(iframe, el);
	window.addEventListener('message', (event) => {
		if (event.source !== iframe.contentWindow || event.origin !== '${WIDGET_ORIGIN}') return;
		const data = JSON.parse(event.data);
		if (data.event === 'auth_user' && onAuth) onAuth(data.auth_data);
	});
})();`;

/** The iframe's page: a login button that hands `payload` to the embedding page. */
function embedPage(payload: Record<string, string>): string {
	const message = JSON.stringify(JSON.stringify({ event: 'auth_user', auth_data: payload }));
	return `<!doctype html><button id="login">Log in with Telegram</button><script>
		document.getElementById('login').onclick = () => parent.postMessage(${message}, '*');
	</script>`;
}

/** Serves the widget script and its iframe for `page`; a click in the iframe logs in as `payload`. */
export async function serveLoginWidget(page: Page, payload: Record<string, string>): Promise<void> {
	await page.route(`${WIDGET_SCRIPT}*`, (route) =>
		route.fulfill({ contentType: 'text/javascript', body: script })
	);
	await page.route(`${WIDGET_ORIGIN}/embed/**`, (route) =>
		route.fulfill({ contentType: 'text/html', body: embedPage(payload) })
	);
}
