import { closesFence, lineMarks, openingFence, type Fence } from './line.ts';
import { pushRun, runsToHtml, type Element, type Run } from './runs.ts';

/**
 * The Markdown AI runners print → Telegram HTML parse mode, parsed by micromark (line.ts): fenced
 * code (```lang or ~~~) spans lines, everything else is read line by line: `#` headings (bold),
 * `>` quotes (one blockquote per run of quote lines), inline formatting and links. Newlines are
 * kept as they are: Telegram shows them as line breaks. Output can never be rejected by
 * Telegram: every `<`, `>`, `&` of the text is escaped and tags come only from balanced elements.
 */
export function markdownToTelegramHtml(md: string): string {
	return runsToHtml(markdownToRuns(md));
}

interface Line {
	readonly start: number;
	/** Index of the '\n' ending the line, or md.length for the last line. */
	readonly end: number;
}

function splitLines(md: string): Line[] {
	const lines: Line[] = [];
	let start = 0;
	for (;;) {
		const end = md.indexOf('\n', start);
		if (end === -1) break;
		lines.push({ start, end });
		start = end + 1;
	}
	lines.push({ start, end: md.length });
	return lines;
}

/** The visible text of the document as runs, in source order (see `Run` for the invariant). */
export function markdownToRuns(md: string): Run[] {
	const lines = splitLines(md);
	const out: Run[] = [];
	const text = (line: Line) => md.slice(line.start, line.end);
	const newlineAfter = (i: number, stack: readonly Element[]) => {
		if (i < lines.length - 1) pushRun(out, '\n', lines[i]!.end, stack);
	};
	const outside: readonly Element[] = [];
	/** The blockquote the previous line was in, continued by a quote line right after it. */
	let quote: readonly Element[] | null = null;

	for (let i = 0; i < lines.length;) {
		const line = lines[i]!;
		const fence = openingFence(text(line));
		if (fence) {
			i = fencedBlock(md, lines, i, fence, out);
			newlineAfter(i - 1, outside);
			quote = null;
			continue;
		}
		const marks = lineMarks(text(line));
		if (marks.quote) quote ??= [{ tag: 'blockquote' }];
		else quote = null;
		applyMarks(md, line, marks.ops, quote, out);
		const next = lines[i + 1];
		const continues = quote && next && !openingFence(text(next)) && lineMarks(text(next)).quote;
		newlineAfter(i, continues ? quote! : outside);
		i++;
	}
	return out;
}

/** Runs of one line from its marks; the line's blockquote is `quote` (shared by its run). */
function applyMarks(
	md: string,
	line: Line,
	ops: ReturnType<typeof lineMarks>['ops'],
	quote: readonly Element[] | null,
	out: Run[]
) {
	let pos = line.start;
	let stack: readonly Element[] = [];
	/** Per open op: whether it pushed an element (a tag already open is not nested again). */
	const pushed: boolean[] = [];
	const emit = (to: number) => {
		if (to > pos) pushRun(out, md.slice(pos, to), pos, stack);
		pos = Math.max(pos, to);
	};
	for (const op of ops) {
		const at = line.start + op.at;
		if ('hideTo' in op) {
			emit(at);
			pos = Math.max(pos, line.start + op.hideTo);
		} else if ('open' in op) {
			emit(at);
			if (op.open === 'blockquote' && quote && stack.length === 0) {
				stack = quote;
				pushed.push(true);
			} else if (stack.some((e) => e.tag === op.open)) {
				// Telegram merges nested same-type entities anyway; not nesting keeps the HTML tidy.
				pushed.push(false);
			} else {
				const element: Element =
					op.value === undefined ? { tag: op.open } : { tag: op.open, value: op.value };
				stack = [...stack, element];
				pushed.push(true);
			}
		} else {
			emit(at);
			if (pushed.pop()) stack = stack.slice(0, -1);
		}
	}
	emit(line.end);
}

/**
 * Content lines of the fence at `lines[open]` as runs inside pre (> code), up to the closing fence
 * or, while the output is still streaming, the end of the input. Returns the index of the first
 * line after the block.
 */
function fencedBlock(md: string, lines: Line[], open: number, fence: Fence, out: Run[]): number {
	const opener = lines[open]!;
	const openerLine = md.slice(opener.start, opener.end);
	const pre: Element = {
		tag: 'pre',
		fence: { line: openerLine, contentStart: Math.min(md.length, opener.end + 1) }
	};
	const stack: readonly Element[] = fence.language
		? [pre, { tag: 'code', value: fence.language }]
		: [pre];
	const isClose = (i: number) => closesFence(openerLine, md.slice(lines[i]!.start, lines[i]!.end));
	let i = open + 1;
	for (; i < lines.length && !isClose(i); i++) {
		const line = lines[i]!;
		let start = line.start;
		// Fences indented inside list items: their content carries the same indentation.
		while (start < line.end && start - line.start < fence.indent && md[start] === ' ') start++;
		pushRun(out, md.slice(start, line.end), start, stack);
		if (i + 1 < lines.length && !isClose(i + 1)) pushRun(out, '\n', line.end, stack);
	}
	return Math.min(i + 1, lines.length);
}
