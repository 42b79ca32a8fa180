/**
 * Runner output (Markdown) → HTML for the dashboard, with micromark: the same parser as the
 * Telegram renderer (server/telegram/render/). Safe by construction, for text that a model wrote:
 * raw HTML is escaped, never passed through (`allowDangerousHtml` stays off), and link or image
 * targets other than http(s), mailto, irc(s) and xmpp are dropped (`allowDangerousProtocol`
 * stays off), so no `<script>`, no `on*=` attribute and no `javascript:` URL can come out. The
 * page's CSP (svelte.config.js) is the second wall: no inline script, images only from itself.
 */
import { micromark } from 'micromark';
import { gfm, gfmHtml } from 'micromark-extension-gfm';

/** GFM (tables, task lists, ~~strike~~, bare URLs); a single `~` is just a tilde in runner output. */
const extensions = [gfm({ singleTilde: false })];
const htmlExtensions = [gfmHtml()];

export function markdownToSafeHtml(md: string): string {
	return micromark(md, {
		extensions,
		htmlExtensions,
		allowDangerousHtml: false,
		allowDangerousProtocol: false
	});
}
