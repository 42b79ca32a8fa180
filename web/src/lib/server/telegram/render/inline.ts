import type { Element, Run, Tag } from './runs.ts';

/**
 * Inline Markdown of one line → runs. Conservative on purpose: runner output is full of
 * `snake_case`, `2*3*4`, globs and paths, so a delimiter only opens when it is not glued to a
 * letter or digit on its outer side, and only closes on the same line. Anything unmatched stays
 * literal text. One pre-pass indexes the line (escapes, code spans, bare URLs, closer candidates)
 * so every lookup is a binary search and a 100,000-character line stays linear-ish.
 */

type Kind = '*1' | '*2' | '_1' | '_2' | '~2';

interface LineIndex {
	readonly md: string;
	/** Code spans by opener position. */
	readonly spans: Map<number, { contentStart: number; contentEnd: number; end: number }>;
	/** Bare URLs by start position → end: literal, never emphasis. */
	readonly urls: Map<number, number>;
	/** Positions preceded by an escaping backslash. */
	readonly escaped: Set<number>;
	readonly closers: Record<Kind, number[]>;
	/** `]` positions outside code spans and URLs. */
	readonly brackets: number[];
}

const ESCAPABLE = /[!-/:-@[-`{-~]/;
const BARE_URL = /(?:https?|tg):\/\/[^\s<>`]+/iy;
const LINK_URL = /^(?:https?:\/\/|tg:\/\/)\S+$/i;
const MAX_URL = 2048;

const isSpace = (c: string | undefined) => c === undefined || /\s/.test(c);
const isWordChar = (c: string | undefined) => c !== undefined && /[\p{L}\p{N}]/u.test(c);

function runLength(md: string, at: number, to: number): number {
	let end = at + 1;
	while (end < to && md[end] === md[at]) end++;
	return end - at;
}

function indexLine(md: string, from: number, to: number): LineIndex {
	const ix: LineIndex = {
		md,
		spans: new Map(),
		urls: new Map(),
		escaped: new Set(),
		closers: { '*1': [], '*2': [], _1: [], _2: [], '~2': [] },
		brackets: []
	};
	// Backtick runs by length, to find a code span's closing run without rescanning.
	const ticks = new Map<number, number[]>();
	for (let i = from; i < to;) {
		if (md[i] !== '`') {
			i++;
			continue;
		}
		const n = runLength(md, i, to);
		const list = ticks.get(n) ?? [];
		list.push(i);
		ticks.set(n, list);
		i += n;
	}

	for (let i = from; i < to;) {
		const c = md[i]!;
		if (c === '\\' && i + 1 < to && ESCAPABLE.test(md[i + 1]!)) {
			ix.escaped.add(i + 1);
			i += 2;
		} else if (c === '`') {
			const n = runLength(md, i, to);
			const close = firstAtLeast(ticks.get(n) ?? [], i + n);
			if (close === undefined) {
				i += n;
				continue;
			}
			let contentStart = i + n;
			let contentEnd = close;
			const content = md.slice(contentStart, contentEnd);
			if (
				content.length > 1 &&
				content.startsWith(' ') &&
				content.endsWith(' ') &&
				content.trim()
			) {
				contentStart++;
				contentEnd--;
			}
			ix.spans.set(i, { contentStart, contentEnd, end: close + n });
			i = close + n;
		} else if ((c === 'h' || c === 'H' || c === 't' || c === 'T') && !isWordChar(md[i - 1])) {
			BARE_URL.lastIndex = i;
			const m = BARE_URL.exec(md);
			const end = m ? urlEnd(md, i, i + m[0].length) : i;
			if (end > i && end <= to) {
				ix.urls.set(i, end);
				i = end;
			} else i++;
		} else if (c === '*' || c === '_' || c === '~') {
			const r = runLength(md, i, to);
			if (!isSpace(md[i - 1]) && !isWordChar(md[i + r])) {
				if (c === '~') {
					if (r === 2) ix.closers['~2'].push(i);
				} else {
					const one = c === '*' ? '*1' : '_1';
					const two = c === '*' ? '*2' : '_2';
					if (r !== 2) ix.closers[one].push(i);
					if (r >= 2) ix.closers[two].push(i + r - 2);
				}
			}
			i += r;
		} else {
			if (c === ']') ix.brackets.push(i);
			i++;
		}
	}
	return ix;
}

/** Like GFM autolinks: trailing punctuation and an unbalanced `)` are not part of the URL. */
function urlEnd(md: string, start: number, end: number): number {
	for (;;) {
		const last = md[end - 1]!;
		if (/[*_~.,;:!?'"\]]/.test(last)) end--;
		else if (last === ')' && count(md, start, end, '(') < count(md, start, end, ')')) end--;
		else return end;
	}
}

function count(md: string, from: number, to: number, c: string): number {
	let n = 0;
	for (let i = from; i < to; i++) if (md[i] === c) n++;
	return n;
}

/** Smallest element ≥ min of an ascending list. */
function firstAtLeast(list: readonly number[], min: number): number | undefined {
	let lo = 0;
	let hi = list.length;
	while (lo < hi) {
		const mid = (lo + hi) >> 1;
		if (list[mid]! < min) lo = mid + 1;
		else hi = mid;
	}
	return list[lo];
}

/** Appends runs for md[from, to) inside `stack`, merging with the previous run when possible. */
export function inlineRuns(
	md: string,
	from: number,
	to: number,
	stack: readonly Element[],
	out: Run[]
) {
	parse(indexLine(md, from, to), from, to, stack, out);
}

export function pushRun(out: Run[], text: string, src: number, stack: readonly Element[]) {
	if (text === '') return;
	const last = out[out.length - 1];
	if (last && last.stack === stack && last.src + last.text.length === src) {
		out[out.length - 1] = { text: last.text + text, stack, src: last.src };
	} else out.push({ text, stack, src });
}

function parse(ix: LineIndex, from: number, to: number, stack: readonly Element[], out: Run[]) {
	const md = ix.md;
	let literal = from;
	const flush = (end: number) => pushRun(out, md.slice(literal, end), literal, stack);
	for (let i = from; i < to;) {
		const c = md[i]!;
		const span = ix.spans.get(i);
		const url = ix.urls.get(i);
		if (c === '\\' && ix.escaped.has(i + 1)) {
			flush(i);
			literal = i + 1; // the escaped character starts the next literal run
			i += 2;
		} else if (span && span.end <= to) {
			flush(i);
			const code = [...stack, { tag: 'code' } as const];
			pushRun(out, md.slice(span.contentStart, span.contentEnd), span.contentStart, code);
			i = literal = span.end;
		} else if (url !== undefined && url <= to) {
			i = url;
		} else if (c === '[' && !stack.some((e) => e.tag === 'a')) {
			const end = link(ix, i, to, stack, out, flush);
			if (end === undefined) i++;
			else i = literal = end;
		} else if (c === '*' || c === '_' || c === '~') {
			const end = emphasis(ix, i, to, stack, out, flush);
			if (end === undefined) i += runLength(md, i, to);
			else i = literal = end;
		} else i++;
	}
	flush(to);
}

function emphasis(
	ix: LineIndex,
	at: number,
	to: number,
	stack: readonly Element[],
	out: Run[],
	flush: (end: number) => void
): number | undefined {
	const md = ix.md;
	const c = md[at]!;
	const r = runLength(md, at, to);
	if (isWordChar(md[at - 1])) return undefined;
	if (c === '~' && r !== 2) return undefined;
	const width = r >= 2 ? 2 : 1;
	const kind = `${c}${width}` as Kind;
	const innerStart = at + width;
	if (innerStart >= to || isSpace(md[innerStart])) return undefined;
	const close = firstAtLeast(ix.closers[kind], innerStart + 1);
	if (close === undefined || close + width > to) return undefined;

	flush(at);
	const tag: Tag = c === '~' ? 's' : width === 2 ? 'b' : 'i';
	// Telegram merges nested same-type entities anyway; not nesting keeps the HTML tidy.
	const inner: readonly Element[] = stack.some((e) => e.tag === tag) ? stack : [...stack, { tag }];
	parse(ix, innerStart, close, inner, out);
	return close + width;
}

function link(
	ix: LineIndex,
	at: number,
	to: number,
	stack: readonly Element[],
	out: Run[],
	flush: (end: number) => void
): number | undefined {
	const md = ix.md;
	const close = firstAtLeast(ix.brackets, at + 1);
	if (close === undefined || close >= to || md[close + 1] !== '(') return undefined;
	// URL: no spaces, one level of balanced parentheses, optional "title".
	let i = close + 2;
	let depth = 0;
	while (i < to && i - close < MAX_URL && !isSpace(md[i]) && (md[i] !== ')' || depth > 0)) {
		if (md[i] === '(') depth++;
		if (md[i] === ')') depth--;
		i++;
	}
	const url = md.slice(close + 2, i);
	const title = /^\s+"[^"]*"\s*/.exec(md.slice(i, Math.min(to, i + MAX_URL)));
	if (title) i += title[0].length;
	if (md[i] !== ')' || i >= to || !LINK_URL.test(url)) return undefined;

	flush(at);
	const inner = [...stack, { tag: 'a', value: url } as const];
	if (close === at + 1) pushRun(out, url, close + 2, inner);
	else parse(ix, at + 1, close, inner, out);
	return i + 1;
}
