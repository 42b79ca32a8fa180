/**
 * What micromark (CommonMark + GFM `~~strike~~` and bare URLs) makes of one line of runner
 * output, as operations over the line's characters: open/close a Telegram element, hide markup.
 * Everything not hidden is shown verbatim, so whatever Telegram cannot express (images, HTML,
 * references, tables) simply stays text. Lines are parsed one by one (only fenced code spans
 * lines, see markdown.ts) so that a page can resume from any line start; for the same reason
 * the constructs whose meaning depends on other lines are off: lists, setext headings, HTML
 * blocks, link definitions, indented code. Emphasis glued to a letter or digit on its outer
 * side (`2*3*4`) stays literal: runner output is full of such text.
 */
import { parse, postprocess, preprocess } from 'micromark';
import { gfmAutolinkLiteral } from 'micromark-extension-gfm-autolink-literal';
import { gfmStrikethrough } from 'micromark-extension-gfm-strikethrough';
import type { Event, Token } from 'micromark-util-types';
import type { Tag } from './runs.ts';

export type Op =
	| { readonly at: number; readonly open: Tag; readonly value?: string }
	| { readonly at: number; readonly close: true }
	| { readonly at: number; readonly hideTo: number };

export interface LineMarks {
	readonly ops: readonly Op[];
	/** The line is a block quote (consecutive quote lines share one element). */
	readonly quote: boolean;
}

export interface Fence {
	/** Spaces before the fence sequence: stripped from content lines as far as they have them. */
	readonly indent: number;
	/** The code's language when the info string starts with a plausible one. */
	readonly language: string | undefined;
}

const OPTIONS = {
	extensions: [
		gfmStrikethrough({ singleTilde: false }),
		gfmAutolinkLiteral(),
		{
			disable: {
				null: ['list', 'setextUnderline', 'htmlFlow', 'htmlText', 'definition', 'codeIndented']
			}
		}
	]
};
/** A line with none of these characters has no marks: nothing to parse. */
const MAY_HAVE_MARKS = /[\\`*_~[>#\r]/;

const LANGUAGE = /^[\w#+.-]{1,32}$/;
const LINK_URL = /^(?:https?:\/\/|tg:\/\/)\S+$/i;
/** Shown as they are, nothing inside interpreted. */
const LITERAL = new Set([
	'image',
	'autolink',
	'literalAutolink',
	'characterReference',
	'codeFenced',
	'thematicBreak'
]);
const EMPHASIS: Record<string, Tag> = { emphasis: 'i', strong: 'b', strikethrough: 's' };
const SEQUENCE: Record<string, string> = {
	emphasisSequence: 'emphasis',
	strongSequence: 'strong',
	strikethroughSequence: 'strikethrough'
};

const isWordChar = (c: string | undefined) => c !== undefined && /[\p{L}\p{N}]/u.test(c);

function events(text: string): Event[] {
	return postprocess(
		parse(OPTIONS)
			.document()
			.write(preprocess()(text, undefined, true))
	);
}

const slice = (text: string, token: Token) => text.slice(token.start.offset, token.end.offset);

const MAYBE_FENCE = /^\s*(?:```|~~~)/;

/** The opening fence of a code block when `line` is one (outside any container). */
export function openingFence(line: string): Fence | undefined {
	if (!MAYBE_FENCE.test(line)) return undefined; // cheap: most lines are not
	let indent = 0;
	let depth = 0;
	let fenced = false;
	let language: string | undefined;
	for (const [kind, token] of events(line)) {
		if (kind === 'exit') {
			depth--;
			continue;
		}
		if (depth++ === 0) {
			if (token.type === 'linePrefix') indent = token.end.offset - token.start.offset;
			else if (token.type === 'codeFenced') fenced = true;
			else return undefined;
		} else if (token.type === 'codeFencedFenceInfo' && language === undefined) {
			const word = slice(line, token);
			language = LANGUAGE.test(word) ? word : '';
		}
	}
	return fenced ? { indent, language: language || undefined } : undefined;
}

/** Whether `line` closes the code block that `opener` opened. */
export function closesFence(opener: string, line: string): boolean {
	if (!MAYBE_FENCE.test(line)) return false;
	const source = `${opener}\n${line}`;
	let fences = 0;
	let end = -1;
	for (const [kind, token] of events(source)) {
		if (kind === 'enter' && token.type === 'codeFencedFence') {
			fences++;
			end = token.end.offset;
		}
	}
	return fences === 2 && /^[ \t\r]*$/.test(source.slice(end));
}

const NO_MARKS: LineMarks = { ops: [], quote: false };
const cache = new Map<string, LineMarks>();
const CACHE_LINES = 20_000;

/** The marks of one line (no '\n' in it); repeated lines (resumed pages) come from a cache. */
export function lineMarks(text: string): LineMarks {
	if (!MAY_HAVE_MARKS.test(text)) return NO_MARKS;
	let marks = cache.get(text);
	if (!marks) {
		marks = computeMarks(text);
		if (cache.size >= CACHE_LINES) cache.clear();
		cache.set(text, marks);
	}
	return marks;
}

function computeMarks(text: string): LineMarks {
	const all = events(text);
	const ops: Op[] = [];
	const hide = (from: number, to: number) => {
		if (to > from) ops.push({ at: from, hideTo: to });
	};
	// The first block of the line; indentation before a quote or heading is not shown.
	const block = all.find(([kind, token]) => kind === 'enter' && token.type !== 'linePrefix')?.[1];
	const quote = block?.type === 'blockQuote';
	const hidePrefix = quote || block?.type === 'atxHeading';
	const destinations = linkDestinations(text, all);
	/** Tokens that opened an element (closed at their exit). */
	const opened = new Set<Token>();
	let literal: Token | null = null;
	let depth = 0;
	let heading: { start: number; textEnd: number } | null = null;
	const parents: Token[] = [];

	for (const [kind, token] of all) {
		const s = token.start.offset;
		const e = token.end.offset;
		if (kind === 'exit') {
			parents.pop();
			if (literal === token) literal = null;
			if (opened.has(token)) ops.push({ at: e, close: true });
			if (token.type === 'atxHeadingText' && heading) heading.textEnd = e;
			if (token.type === 'atxHeading' && heading) {
				hide(Math.max(heading.start, heading.textEnd), e);
				heading = null;
			}
			depth--;
			continue;
		}
		const parent = parents.at(-1);
		parents.push(token);
		depth++;
		if (literal) continue;
		const type = token.type;
		if (LITERAL.has(type) || type.startsWith('literalAutolink')) {
			literal = token;
		} else if (type === 'lineEnding' || type === 'blockQuotePrefix') {
			hide(s, e); // a lone '\r' (or the one of a CRLF), the '> ' of a quote
		} else if (type === 'linePrefix' && depth === 1 && hidePrefix) {
			hide(s, e);
		} else if (type === 'blockQuote') {
			open(token, 'blockquote');
		} else if (type === 'atxHeading') {
			heading = { start: s, textEnd: -1 };
		} else if (type === 'atxHeadingText' && heading) {
			hide(heading.start, s);
			open(token, 'b');
		} else if (type in EMPHASIS) {
			// Glued to a word (2*3*4): left literal, markers shown.
			if (!isWordChar(text[s - 1]) && !isWordChar(text[e])) open(token, EMPHASIS[type]!);
		} else if (type in SEQUENCE) {
			if (parent && opened.has(parent)) hide(s, e);
		} else if (type === 'codeText') {
			open(token, 'code');
		} else if (type === 'codeTextSequence' || type === 'codeTextPadding') {
			hide(s, e);
		} else if (type === 'escapeMarker') {
			hide(s, e);
		} else if (type === 'link') {
			const url = destinations.get(token);
			if (url !== undefined) open(token, 'a', url); // else shown as written
		} else if (type === 'labelMarker' || type === 'resource') {
			// Of a link: '[' label ']' (parents: link, label, marker) and '(url "title")'.
			const link = type === 'labelMarker' ? parents.at(-3) : parent;
			if (link && opened.has(link)) hide(s, e);
		}
	}
	return { ops, quote };

	function open(token: Token, tag: Tag, value?: string) {
		opened.add(token);
		ops.push(
			value === undefined
				? { at: token.start.offset, open: tag }
				: { at: token.start.offset, open: tag, value }
		);
	}
}

/** Links worth linking: an http(s) or tg URL and a visible label. */
function linkDestinations(text: string, all: readonly Event[]): Map<Token, string> {
	const found = new Map<Token, string>();
	const links: { token: Token; url?: string; label: boolean }[] = [];
	for (const [kind, token] of all) {
		if (token.type === 'link') {
			if (kind === 'enter') links.push({ token, label: false });
			else {
				const link = links.pop()!;
				if (link.label && link.url !== undefined && LINK_URL.test(link.url))
					found.set(link.token, link.url);
			}
		} else if (kind === 'enter' && links.length > 0) {
			const link = links.at(-1)!;
			if (token.type === 'resourceDestinationString' && link.url === undefined)
				link.url = slice(text, token);
			if (token.type === 'labelText' && token.end.offset > token.start.offset) link.label = true;
		}
	}
	return found;
}
