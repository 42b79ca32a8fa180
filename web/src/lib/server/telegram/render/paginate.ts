import { TELEGRAM_TEXT_LIMIT } from '@remoteagent/shared';
import { markdownToRuns } from './markdown.ts';
import { runsToHtml, type Run } from './runs.ts';
import { VisibleText } from './visible-text.ts';

/**
 * One Telegram message worth of rendered Markdown.
 *
 * Visible text: what Telegram shows and counts (after entity parsing), in UTF-16 code units.
 * Let V be the visible text of the whole document. Pages cut V into
 * `sep₀ + pages[0].text + sep₁ + pages[1].text + … + sepₙ` where every separator is whitespace
 * only: the run of newlines (or of spaces) a page break was placed on, and pages that would be
 * blank (Telegram refuses those). Nothing else is dropped, nothing is repeated; a blank document
 * has no pages.
 */
export interface Page {
	/** Telegram HTML; valid on its own: elements open at the break are closed and reopened. */
	html: string;
	/** The visible text of `html`, at most `limit` UTF-16 code units. */
	text: string;
	/**
	 * This page's range in the Markdown. Ranges tile the source: the first starts at 0, each
	 * starts where the previous ended, the last ends at `md.length`.
	 */
	sourceStart: number;
	sourceEnd: number;
	/**
	 * For a streaming caller that wants to keep only the tail: when defined,
	 * `paginate(reopen + md.slice(sourceStart))` renders exactly this page and the ones after it
	 * (`reopen` is the code fence line when the page starts inside a code block, else ''). It is
	 * undefined when the page starts in the middle of a line (a line too long for a page was cut
	 * at a space or between characters): keep the source from an earlier page then.
	 */
	reopen?: string;
}

/**
 * Splits rendered Markdown into pages of at most `limit` visible characters (and at most
 * MAX_PAGE_ENTITIES formatting entities, see visible-text.ts).
 */
export function paginate(md: string, limit: number = TELEGRAM_TEXT_LIMIT): Page[] {
	if (!Number.isInteger(limit) || limit < 2) {
		throw new RangeError(`page limit must be ≥ 2, got ${limit}`);
	}
	const doc = new VisibleText(markdownToRuns(md));
	const V = doc.text;

	const pages: Page[] = [];
	let start = 0;
	let boundary = 0;
	while (start < V.length) {
		// Fewer characters when the page would carry too many entities (see visible-text.ts).
		const room = doc.entityBudgetEnd(start, start + limit) - start;
		const { cut, next } =
			V.length - start <= room ? { cut: V.length, next: V.length } : findCut(V, start, room);
		const text = V.slice(start, cut);
		if (text.trim() !== '') {
			if (pages.length === 0) boundary = 0;
			else pages[pages.length - 1]!.sourceEnd = boundary;
			const runs = doc.slice(start, cut);
			pages.push({
				html: runsToHtml(runs),
				text,
				sourceStart: boundary,
				sourceEnd: md.length,
				reopen: reopenFor(md, boundary, runs[0]!)
			});
		}
		// The next page's source begins right after the last character this one consumed.
		if (next > 0) boundary = doc.sourceAt(next - 1) + 1;
		start = next;
	}
	return pages;
}

function reopenFor(md: string, boundary: number, first: Run): string | undefined {
	if (boundary > 0 && md[boundary - 1] !== '\n') return undefined;
	const fence = first.stack[0]?.fence;
	return fence && boundary >= fence.contentStart ? fence.line + '\n' : '';
}

/**
 * Where to end the page starting at `start` (V is longer than start + limit): the last blank
 * line, else the last newline, else the last space, as long as the page is at least half full;
 * otherwise a hard cut between two graphemes. `next` skips the separator run.
 */
function findCut(V: string, start: number, limit: number): { cut: number; next: number } {
	const end = start + limit;
	const min = start + Math.max(1, Math.floor(limit / 2));
	for (const [needle, unit] of [
		['\n\n', '\n'],
		['\n', '\n'],
		[' ', ' ']
	] as const) {
		const at = V.lastIndexOf(needle, end);
		if (at < start) continue;
		let cut = at;
		while (cut > start && V[cut - 1] === unit) cut--;
		if (cut < min) continue;
		let next = at;
		while (next < V.length && V[next] === unit) next++;
		return { cut, next };
	}
	const cut = graphemeBoundary(V, start, end);
	return { cut, next: cut };
}

const graphemes = new Intl.Segmenter(undefined, { granularity: 'grapheme' });

/** The last grapheme boundary in (start, end]; never inside a surrogate pair. */
function graphemeBoundary(V: string, start: number, end: number): number {
	const from = Math.max(start, end - 64);
	let best = -1;
	for (const { index } of graphemes.segment(V.slice(from, end + 16))) {
		if (index > 0 && from + index <= end && from + index > start) best = from + index;
	}
	if (best > start) return best;
	const high = V.charCodeAt(end - 1);
	return high >= 0xd800 && high <= 0xdbff && end - 1 > start ? end - 1 : end;
}
