/**
 * The fallback for when Telegram still rejects the formatting ("can't parse entities"): the same
 * content as plain text, to be sent without `parse_mode`.
 */
import { TELEGRAM_TEXT_LIMIT } from '@remoteagent/shared';
import { paginate } from './paginate.ts';

const ENTITY = /&(?:(lt|gt|amp|quot)|#(\d{1,7})|#[xX]([0-9a-fA-F]{1,6}));/g;
const NAMED: Record<string, string> = { lt: '<', gt: '>', amp: '&', quot: '"' };

function fromCodePoint(code: number, original: string): string {
	return code > 0 && code <= 0x10ffff ? String.fromCodePoint(code) : original;
}

/** Text of Telegram HTML: tags removed, entities decoded. `htmlToPlain(page.html) === page.text`. */
export function htmlToPlain(html: string): string {
	return html
		.replace(/<\/?[A-Za-z][\w-]*(?:\s[^<>]*)?>|<\/>/g, '')
		.replace(
			ENTITY,
			(whole, name: string | undefined, dec: string | undefined, hex: string | undefined) =>
				name ? NAMED[name]! : fromCodePoint(dec ? Number(dec) : parseInt(hex!, 16), whole)
		);
}

/** Visible text of the Markdown, split exactly like `paginate` (each ≤ limit, none blank). */
export function plainPages(md: string, limit: number = TELEGRAM_TEXT_LIMIT): string[] {
	return paginate(md, limit).map((page) => page.text);
}
