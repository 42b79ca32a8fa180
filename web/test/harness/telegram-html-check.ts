import { parseTelegramHtml } from './telegram-api/html.ts';

/** The tags our renderer may emit: a subset of what Telegram accepts. */
export const RENDERER_TAGS = new Set(['b', 'i', 's', 'code', 'pre', 'a', 'blockquote']);

/**
 * Checks rendered HTML the way Telegram parses it, strictly (no bare `&` or `>`, balanced,
 * allowed tags with allowed attributes) and returns the visible text, or throws saying why.
 */
export function visibleTextOf(html: string): string {
	const parsed = parseTelegramHtml(html, { strict: true });
	if (!parsed.ok)
		throw new Error(`Telegram would reject ${JSON.stringify(html.slice(0, 200))}: ${parsed.error}`);
	for (const [, tag] of html.matchAll(/<\/?([^\s>]*)/g)) {
		if (!RENDERER_TAGS.has(tag!))
			throw new Error(`unexpected tag <${tag}> in ${JSON.stringify(html.slice(0, 200))}`);
	}
	return parsed.text;
}
