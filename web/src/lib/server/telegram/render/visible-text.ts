import type { Element, Run } from './runs.ts';

/**
 * Telegram applies at most 100 formatting entities per message and silently drops the rest
 * (tdlib/telegram-bot-api#820, rubenlagus/TelegramBots#854), and refuses a message whose entities
 * are too big as a whole ("ENTITIES_TOO_LONG", tdlib/telegram-bot-api#165, mostly link URLs).
 * Pages therefore also end before the entity that would pass either budget. The URL budget is a
 * conservative guess: Telegram does not document the limit.
 */
export const MAX_PAGE_ENTITIES = 100;
export const MAX_PAGE_LINK_CHARS = 3000;

interface ElementSpan {
	/** Visible offset where the element starts. */
	first: number;
	/** Entities it becomes: `code` inside `pre` merges into the pre entity. */
	weight: number;
	linkChars: number;
}

/** The runs' concatenated visible text, with lookups from a visible offset back to the runs. */
export class VisibleText {
	readonly text: string;
	private readonly offsets: number[] = [];
	/** Elements in order of their first visible character. */
	private readonly elements: ElementSpan[] = [];
	private readonly spans = new Map<Element, ElementSpan>();

	constructor(private readonly runs: readonly Run[]) {
		let at = 0;
		for (const run of runs) {
			this.offsets.push(at);
			run.stack.forEach((element, depth) => {
				if (this.spans.has(element)) return;
				const merged = element.tag === 'code' && run.stack[depth - 1]?.tag === 'pre';
				const span = {
					first: at,
					weight: merged ? 0 : 1,
					linkChars: element.tag === 'a' ? (element.value ?? '').length : 0
				};
				this.spans.set(element, span);
				this.elements.push(span);
			});
			at += run.text.length;
		}
		this.text = runs.map((r) => r.text).join('');
	}

	/** Index of the run containing visible offset v. */
	private runAt(v: number): number {
		let lo = 0;
		let hi = this.runs.length - 1;
		while (lo < hi) {
			const mid = (lo + hi + 1) >> 1;
			if (this.offsets[mid]! <= v) lo = mid;
			else hi = mid - 1;
		}
		return lo;
	}

	sourceAt(v: number): number {
		const r = this.runAt(v);
		return this.runs[r]!.src + (v - this.offsets[r]!);
	}

	slice(from: number, to: number): Run[] {
		const out: Run[] = [];
		for (let r = this.runAt(from); r < this.runs.length && this.offsets[r]! < to; r++) {
			const run = this.runs[r]!;
			const a = Math.max(0, from - this.offsets[r]!);
			const b = Math.min(run.text.length, to - this.offsets[r]!);
			out.push({ text: run.text.slice(a, b), stack: run.stack, src: run.src + a });
		}
		return out;
	}

	/**
	 * The largest end ≤ maxEnd such that a page [start, end) stays within the entity budgets:
	 * the elements open at `start` (reopened on the page) plus those starting before `end`.
	 */
	entityBudgetEnd(start: number, maxEnd: number): number {
		let entities = 0;
		let linkChars = 0;
		const add = (span: ElementSpan) => {
			entities += span.weight;
			linkChars += span.linkChars;
			return entities <= MAX_PAGE_ENTITIES && linkChars <= MAX_PAGE_LINK_CHARS;
		};
		for (const element of this.runs[this.runAt(start)]?.stack ?? []) add(this.spans.get(element)!);
		let lo = 0;
		let hi = this.elements.length;
		while (lo < hi) {
			const mid = (lo + hi) >> 1;
			if (this.elements[mid]!.first <= start) lo = mid + 1;
			else hi = mid;
		}
		for (let i = lo; i < this.elements.length && this.elements[i]!.first < maxEnd; i++) {
			const span = this.elements[i]!;
			// Never less than one character: a page must make progress.
			if (!add(span)) return Math.max(start + 1, span.first);
		}
		return maxEnd;
	}
}
