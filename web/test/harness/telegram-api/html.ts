/**
 * Telegram's HTML parse mode, re-implemented from TDLib's `parse_html` (MessageEntity.cpp) so
 * tests see what the real Bot API would accept, reject and display. Error texts are TDLib's; the
 * Bot API prefixes them with "Bad Request: can't parse entities: ".
 *
 * Like Telegram, an `&` that starts no entity and a `>` outside a tag are kept as text; with
 * `strict` they are errors instead (the Bot API docs ask for them to be escaped, and our own
 * renderer must never rely on the leniency).
 */

export interface Entity {
	type:
		| 'bold'
		| 'italic'
		| 'underline'
		| 'strikethrough'
		| 'spoiler'
		| 'code'
		| 'pre'
		| 'text_link'
		| 'blockquote'
		| 'custom_emoji';
	offset: number;
	length: number;
	url?: string;
	language?: string;
	custom_emoji_id?: string;
}

export type HtmlResult =
	{ ok: true; text: string; entities: Entity[] } | { ok: false; error: string };

const TAGS: Record<string, Entity['type'] | undefined> = {
	b: 'bold',
	strong: 'bold',
	i: 'italic',
	em: 'italic',
	u: 'underline',
	ins: 'underline',
	s: 'strikethrough',
	strike: 'strikethrough',
	del: 'strikethrough',
	'tg-spoiler': 'spoiler',
	span: 'spoiler',
	'tg-emoji': 'custom_emoji',
	a: 'text_link',
	code: 'code',
	pre: 'pre',
	blockquote: 'blockquote'
};

const isSpace = (c: string | undefined) =>
	c === undefined || c === ' ' || c === '\t' || c === '\r' || c === '\n' || c === '\v';

/** TDLib's decode_html_entity: lt gt amp quot and numeric references, `;` optional. */
function decodeEntity(s: string, at: number): { code: number; end: number } | undefined {
	let end = at + 1;
	let code = 0;
	if (s[end] === '#') {
		end++;
		const hex = s[end] === 'x';
		if (hex) end++;
		const digits = hex ? /[0-9a-fA-F]/ : /[0-9]/;
		while (end < s.length && digits.test(s[end]!))
			code = code * (hex ? 16 : 10) + parseInt(s[end++]!, 16);
		if (code === 0 || code >= 0x10ffff || end - at >= 10) return undefined;
	} else {
		while (end < s.length && /[A-Za-z]/.test(s[end]!)) end++;
		const name = s.slice(at + 1, end);
		const named: Record<string, number> = { lt: 60, gt: 62, amp: 38, quot: 34 };
		if (!(name in named)) return undefined;
		code = named[name]!;
	}
	return { code, end: s[end] === ';' ? end + 1 : end };
}

/** Accepted link targets (TDLib checks links more thoroughly; unsafe ones just lose the link). */
function checkedLink(url: string): string | undefined {
	if (/^(?:https?|tg|ton):\/\/\S+$/i.test(url)) return url;
	if (/^[a-z0-9-]+(?:\.[a-z0-9-]+)+(?:[/?#]\S*)?$/i.test(url)) return `http://${url}`;
	return undefined;
}

export function parseTelegramHtml(html: string, options: { strict?: boolean } = {}): HtmlResult {
	const byte = (pos: number) => Buffer.byteLength(html.slice(0, pos), 'utf8');
	const fail = (error: string): HtmlResult => ({ ok: false, error });
	let text = '';
	let surrogate = false;
	const entities: Entity[] = [];
	const open: { tag: string; argument: string; offset: number }[] = [];

	for (let i = 0; i < html.length; i++) {
		const c = html[i]!;
		if (c === '&') {
			const entity = decodeEntity(html, i);
			if (entity && (!options.strict || html[entity.end - 1] === ';')) {
				if (entity.code >= 0xd800 && entity.code <= 0xdfff) surrogate = true;
				text += String.fromCodePoint(entity.code);
				i = entity.end - 1;
				continue;
			}
			if (options.strict) return fail(`Unescaped "&" at byte offset ${byte(i)}`);
		}
		if (c === '>' && options.strict) return fail(`Unescaped ">" at byte offset ${byte(i)}`);
		if (c !== '<') {
			text += c;
			continue;
		}

		const begin = i++;
		if (html[i] !== '/') {
			while (!isSpace(html[i]) && html[i] !== '>') i++;
			if (i >= html.length) return fail(`Unclosed start tag at byte offset ${byte(begin)}`);
			const tag = html.slice(begin + 1, i).toLowerCase();
			if (!TAGS[tag]) return fail(`Unsupported start tag "${tag}" at byte offset ${byte(begin)}`);
			let argument = '';
			while (html[i] !== '>') {
				while (i < html.length && isSpace(html[i])) i++;
				if (html[i] === '>') break;
				const nameStart = i;
				while (!isSpace(html[i]) && html[i] !== '=') i++;
				const name = html.slice(nameStart, i);
				if (name === '')
					return fail(`Empty attribute name in the tag "${tag}" at byte offset ${byte(begin)}`);
				while (i < html.length && isSpace(html[i])) i++;
				if (html[i] !== '=') {
					return fail(
						`Expected equal sign in declaration of an attribute of the tag "${tag}" at byte offset ${byte(begin)}`
					);
				}
				i++;
				while (i < html.length && isSpace(html[i])) i++;
				if (i >= html.length)
					return fail(`Unclosed start tag "${tag}" at byte offset ${byte(begin)}`);
				let value = '';
				const quote = html[i];
				if (quote !== '"' && quote !== "'") {
					const tokenStart = i;
					while (i < html.length && /[A-Za-z0-9.-]/.test(html[i]!)) i++;
					value = html.slice(tokenStart, i).toLowerCase();
					if (!isSpace(html[i]) && html[i] !== '>') {
						return fail(`Unexpected end of name token at byte offset ${byte(tokenStart)}`);
					}
				} else {
					for (i++; i < html.length && html[i] !== quote;) {
						const entity = html[i] === '&' ? decodeEntity(html, i) : undefined;
						if (entity) {
							value += String.fromCodePoint(entity.code);
							i = entity.end;
						} else value += html[i++];
					}
					if (html[i] === quote) i++;
				}
				if (i >= html.length) return fail(`Unclosed start tag at byte offset ${byte(begin)}`);
				if (tag === 'a' && name === 'href') argument = value;
				else if (tag === 'code' && name === 'class' && value.startsWith('language-'))
					argument = value.slice(9);
				else if (tag === 'span' && name === 'class' && value.startsWith('tg-'))
					argument = value.slice(3);
				else if (tag === 'tg-emoji' && name === 'emoji-id') argument = value;
			}
			if (tag === 'span' && argument !== 'spoiler') {
				return fail(`Tag "span" must have class "tg-spoiler" at byte offset ${byte(begin)}`);
			}
			open.push({ tag, argument, offset: text.length });
		} else {
			if (open.length === 0) return fail(`Unexpected end tag at byte offset ${byte(begin)}`);
			while (!isSpace(html[i]) && html[i] !== '>') i++;
			const endTag = html.slice(begin + 2, i).toLowerCase();
			while (i < html.length && isSpace(html[i])) i++;
			if (html[i] !== '>') return fail(`Unclosed end tag at byte offset ${byte(begin)}`);
			const top = open.pop()!;
			if (endTag !== '' && endTag !== top.tag) {
				return fail(
					`Unmatched end tag at byte offset ${byte(begin)}, expected "</${top.tag}>", found "</${endTag}>"`
				);
			}
			const error = addEntity(entities, top, text.length - top.offset, text);
			if (error) return fail(error);
		}
	}
	if (open.length > 0)
		return fail(`Can't find end tag corresponding to start tag ${open[open.length - 1]!.tag}`);
	if (surrogate) {
		return fail(
			'Text contains invalid Unicode characters after decoding HTML entities, check for unmatched surrogate code units'
		);
	}
	for (const e of entities) if (e.type === 'code') delete e.language;
	entities.sort((a, b) => a.offset - b.offset || b.length - a.length);
	return { ok: true, text, entities };
}

function addEntity(
	entities: Entity[],
	element: { tag: string; argument: string; offset: number },
	length: number,
	text: string
): string | undefined {
	if (length <= 0) return undefined;
	const { offset, argument } = element;
	const type = TAGS[element.tag]!;
	const last = entities[entities.length - 1];
	const sameSpan = last !== undefined && last.offset === offset && last.length === length;
	if (type === 'custom_emoji') {
		if (!/^[1-9]\d*$/.test(argument)) return 'Invalid custom emoji identifier specified';
		entities.push({ type, offset, length, custom_emoji_id: argument });
	} else if (type === 'text_link') {
		const url = checkedLink(argument || text.slice(offset));
		if (url) entities.push({ type, offset, length, url });
	} else if (type === 'pre' && sameSpan && last.type === 'code' && last.language) {
		last.type = 'pre';
	} else if (type === 'code' && sameSpan && last.type === 'pre' && argument) {
		last.language = argument;
	} else if (type === 'code') {
		entities.push({ type, offset, length, ...(argument ? { language: argument } : {}) });
	} else {
		entities.push({ type, offset, length });
	}
	return undefined;
}
