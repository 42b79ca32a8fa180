import { inlineRuns, pushRun } from './inline.ts';
import { runsToHtml, type Element, type Run } from './runs.ts';

/**
 * The Markdown AI runners print → Telegram HTML parse mode. Block level, line by line: fenced
 * code (```lang or ~~~), `#` headings (bold), `>` quotes (one blockquote per run of lines),
 * everything else is a paragraph line with inline formatting. Newlines are kept as they are:
 * Telegram shows them as line breaks. Output can never be rejected by Telegram: every `<`, `>`,
 * `&` of the text is escaped and tags come only from balanced elements.
 */
export function markdownToTelegramHtml(md: string): string {
	return runsToHtml(markdownToRuns(md));
}

interface Line {
	readonly start: number;
	/** Index of the '\n' ending the line, or md.length for the last line. */
	readonly end: number;
}

const FENCE_OPEN = /^( *)(`{3,}|~{3,})(.*?)\r?$/;
const FENCE_CLOSE = /^ *(`{3,}|~{3,})[ \t]*\r?$/; // runners on Windows print CRLF
const LANGUAGE = /^[\w#+.-]{1,32}$/;
const QUOTE = /^ {0,3}> ?/;
const HEADING = /^ {0,3}#{1,6}(?:[ \t]+|$)/;

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

	for (let i = 0; i < lines.length;) {
		const line = lines[i]!;
		const fence = openingFence(text(line));
		if (fence) {
			i = fencedBlock(md, lines, i, fence, out);
			newlineAfter(i - 1, outside);
			continue;
		}
		if (QUOTE.test(text(line))) {
			const quote: readonly Element[] = [{ tag: 'blockquote' }];
			for (; i < lines.length && QUOTE.test(text(lines[i]!)); i++) {
				const l = lines[i]!;
				inlineRuns(md, l.start + QUOTE.exec(text(l))![0].length, l.end, quote, out);
				const next = lines[i + 1];
				newlineAfter(i, next && QUOTE.test(text(next)) ? quote : outside);
			}
			continue;
		}
		const heading = HEADING.exec(text(line));
		if (heading) {
			const closing = /(?:[ \t]+#+)?[ \t\r]*$/.exec(text(line).slice(heading[0].length))!;
			const start = line.start + heading[0].length;
			inlineRuns(
				md,
				start,
				Math.max(start, line.start + closing.index + heading[0].length),
				[{ tag: 'b' }],
				out
			);
		} else {
			inlineRuns(md, line.start, line.end, outside, out);
		}
		newlineAfter(i, outside);
		i++;
	}
	return out;
}

interface Fence {
	readonly indent: number;
	readonly marker: string;
	readonly language: string | undefined;
}

function openingFence(line: string): Fence | undefined {
	const m = FENCE_OPEN.exec(line);
	if (!m) return undefined;
	const [, indent, marker, info] = m as unknown as [string, string, string, string];
	if (marker.startsWith('`') && info.includes('`')) return undefined; // inline code, not a fence
	const word = info.trim().split(/\s+/)[0] ?? '';
	return { indent: indent.length, marker, language: LANGUAGE.test(word) ? word : undefined };
}

function closesFence(line: string, fence: Fence): boolean {
	const m = FENCE_CLOSE.exec(line);
	return !!m && m[1]![0] === fence.marker[0] && m[1]!.length >= fence.marker.length;
}

/**
 * Content lines of the fence at `lines[open]` as runs inside pre (> code), up to the closing fence
 * or, while the output is still streaming, the end of the input. Returns the index of the first
 * line after the block.
 */
function fencedBlock(md: string, lines: Line[], open: number, fence: Fence, out: Run[]): number {
	const opener = lines[open]!;
	const pre: Element = {
		tag: 'pre',
		fence: {
			line: md.slice(opener.start, opener.end),
			contentStart: Math.min(md.length, opener.end + 1)
		}
	};
	const stack: readonly Element[] = fence.language
		? [pre, { tag: 'code', value: fence.language }]
		: [pre];
	const isClose = (i: number) => closesFence(md.slice(lines[i]!.start, lines[i]!.end), fence);
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
