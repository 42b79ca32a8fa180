import { describe, expect, it } from 'vitest';
import { prng, randomMarkdown } from '../../../../../test/harness/random-markdown.ts';
import { visibleTextOf } from '../../../../../test/harness/telegram-html-check.ts';
import { formatMessageText } from '../../../../../test/harness/telegram-api/text.ts';
import { markdownToTelegramHtml } from './markdown.ts';
import { paginate, type Page } from './paginate.ts';
import { htmlToPlain } from './plain.ts';
import { MAX_PAGE_ENTITIES, MAX_PAGE_LINK_CHARS } from './visible-text.ts';

/**
 * Every invariant `Page` promises, checked against an independent oracle (a re-implementation of
 * Telegram's own HTML parser) rather than against the paginator's own bookkeeping. Collects
 * problems instead of calling expect per page: thousands of pages per test.
 */
function pageProblems(md: string, pages: Page[], limit: number): string[] {
	const problems: string[] = [];
	const whole = visibleTextOf(markdownToTelegramHtml(md));
	for (const [i, page] of pages.entries()) {
		const where = `page ${i} of ${JSON.stringify(md.slice(0, 80))} (limit ${limit})`;
		let visible = '';
		try {
			visible = visibleTextOf(page.html);
		} catch (error) {
			problems.push(`${where}: ${(error as Error).message}`);
		}
		if (visible !== page.text) problems.push(`${where}: visible text differs from page.text`);
		if (htmlToPlain(page.html) !== page.text)
			problems.push(`${where}: htmlToPlain differs from page.text`);
		if (page.text.length > limit) problems.push(`${where}: ${page.text.length} characters`);
		if (page.text.trim() === '') problems.push(`${where}: blank`);
		if (/^[\uDC00-\uDFFF]|[\uD800-\uDBFF]$/.test(page.text))
			problems.push(`${where}: split surrogate pair`);
		if (limit === 4096 && !formatMessageText(page.html, 'HTML').ok)
			problems.push(`${where}: Telegram refuses it`);
	}
	// V = sep + page + sep + … + page + sep, every separator whitespace only.
	let cursor = 0;
	for (const [i, page] of pages.entries()) {
		let skip = cursor;
		while (!whole.startsWith(page.text, skip) && /\s/.test(whole[skip] ?? '')) skip++;
		if (!whole.startsWith(page.text, skip))
			problems.push(`page ${i}: not found after whitespace at ${cursor}`);
		cursor = skip + page.text.length;
	}
	if (whole.slice(cursor).trim() !== '') problems.push(`text lost after the last page`);
	// Source ranges tile the Markdown.
	if (pages.length > 0 && (pages[0]!.sourceStart !== 0 || pages.at(-1)!.sourceEnd !== md.length)) {
		problems.push('source ranges do not cover the Markdown');
	}
	for (let i = 1; i < pages.length; i++) {
		const [a, b] = [pages[i - 1]!, pages[i]!];
		if (b.sourceStart !== a.sourceEnd || b.sourceStart <= a.sourceStart)
			problems.push(`page ${i}: source gap`);
	}
	return problems;
}

function checkPages(md: string, pages: Page[], limit: number) {
	expect(pageProblems(md, pages, limit)).toEqual([]);
	if (pages.length === 0) expect(visibleTextOf(markdownToTelegramHtml(md)).trim()).toBe('');
}

/** `reopen + md.slice(sourceStart)` renders the same pages from there on. */
function resumeProblems(md: string, pages: Page[], limit: number, which: number[]): string[] {
	const problems: string[] = [];
	for (const i of which) {
		const page = pages[i]!;
		if (page.reopen === undefined) continue;
		const tail = paginate(page.reopen + md.slice(page.sourceStart), limit).map((p) => p.html);
		if (JSON.stringify(tail) !== JSON.stringify(pages.slice(i).map((p) => p.html))) {
			problems.push(
				`resuming at page ${i} of ${JSON.stringify(md.slice(0, 80))} (limit ${limit}) differs`
			);
		}
	}
	return problems;
}

const checkResume = (md: string, pages: Page[], limit: number, which: number[]) =>
	expect(resumeProblems(md, pages, limit, which)).toEqual([]);

describe('paginate', () => {
	it('returns one page equal to the whole rendering when it fits', () => {
		const md = '# Hi\nsome **bold** <text> & `code`';
		expect(paginate(md)).toEqual([
			{
				html: markdownToTelegramHtml(md),
				text: 'Hi\nsome bold <text> & code',
				sourceStart: 0,
				sourceEnd: md.length,
				reopen: ''
			}
		]);
	});

	it('returns no pages for blank input (Telegram refuses blank messages)', () => {
		expect(paginate('')).toEqual([]);
		expect(paginate(' \n\n ```\n```\n')).toEqual([]);
	});

	it('prefers a blank line, then a newline, then a space, then a hard cut', () => {
		const texts = (md: string, limit: number) => paginate(md, limit).map((p) => p.text);
		expect(texts('aaaa bbbb\ncccc\n\ndddd eeee', 20)).toEqual(['aaaa bbbb\ncccc', 'dddd eeee']);
		expect(texts('aaaa bbbb\ncccc dddd eeee', 16)).toEqual(['aaaa bbbb', 'cccc dddd eeee']);
		expect(texts('aaaa bbbb cccc dddd eeee', 20)).toEqual(['aaaa bbbb cccc dddd', 'eeee']);
		expect(texts('abcdefghijklmnopqrstuvwxyz', 10)).toEqual(['abcdefghij', 'klmnopqrst', 'uvwxyz']);
		// A break point in the first half of the page is not worth it.
		expect(texts('a\n' + 'b'.repeat(30), 20)).toEqual(['a\n' + 'b'.repeat(18), 'b'.repeat(12)]);
	});

	it('closes a code block at a page break and reopens it with its language', () => {
		const code = Array.from({ length: 12 }, (_, i) => `line ${i} < ${i + 1}`).join('\n');
		const md = `intro\n\`\`\`python\n${code}\n\`\`\`\noutro`;
		const pages = paginate(md, 60);
		checkPages(md, pages, 60);
		expect(pages.length).toBeGreaterThan(2);
		for (const page of pages.slice(1, -1)) {
			expect(page.html).toMatch(/^<pre><code class="language-python">[^<]*<\/code><\/pre>$/);
			expect(page.reopen).toBe('```python\n');
		}
		checkResume(
			md,
			pages,
			60,
			pages.map((_, i) => i)
		);
	});

	it('reopens inline formatting and quotes cut by a page break', () => {
		const md = `**${'bold words '.repeat(6).trim()}**\n> ${'quoted text '.repeat(6)}`;
		const pages = paginate(md, 40);
		checkPages(md, pages, 40);
		expect(pages.filter((p) => p.html.startsWith('<b>')).length).toBeGreaterThan(1);
		expect(pages.filter((p) => p.html.startsWith('<blockquote>')).length).toBeGreaterThan(1);
	});

	it('keeps each page within the entity budgets of Telegram', () => {
		const md = Array.from({ length: 400 }, (_, i) => `**w${i}**`).join(' ');
		const pages = paginate(md);
		checkPages(md, pages, 4096);
		expect(pages.length).toBe(4);
		for (const page of pages)
			expect(page.html.match(/<b>/g)!.length).toBeLessThanOrEqual(MAX_PAGE_ENTITIES);

		const url = `https://example.com/${'p'.repeat(80)}`;
		const links = Array.from({ length: 100 }, (_, i) => `[${i}](${url}?${i})`).join('\n');
		const linked = paginate(links);
		checkPages(links, linked, 4096);
		for (const page of linked) {
			const hrefs = [...page.html.matchAll(/href="([^"]*)"/g)].map((m) => m[1]!.length);
			expect(hrefs.reduce((a, b) => a + b, 0)).toBeLessThanOrEqual(MAX_PAGE_LINK_CHARS);
		}
		expect(linked.length).toBeGreaterThan(2);
	});

	it('never splits a surrogate pair or a grapheme', () => {
		const md = '😀'.repeat(50) + '👩‍💻'.repeat(20) + '🇺🇦'.repeat(20);
		for (const limit of [7, 10, 11, 4096]) {
			const pages = paginate(md, limit);
			checkPages(md, pages, limit);
			for (const page of pages)
				expect(
					[...new Intl.Segmenter().segment(page.text)].every((s) => /^(😀|👩‍💻|🇺🇦)$/.test(s.segment))
				).toBe(true);
		}
	});

	it('splits 100,000 characters of output into valid pages, losing nothing', () => {
		const blocks: string[] = [];
		for (let i = 0; blocks.join('').length < 100_000; i++) {
			blocks.push(`## Step ${i}: check <${i}> & **fix** 😀 漢字\n`);
			blocks.push('Some *text* with `a < b && c > d` and snake_case and 2*3*4 🇺🇦\n\n');
			const lang = ['ts', 'sh', ''][i % 3];
			const lines = Array.from(
				{ length: 5 + (i % 40) },
				(_, k) => `  if (a[${k}] < b && c > d) { return "&amp;"; } // 👩‍💻 中文`
			);
			blocks.push('```' + lang + '\n' + lines.join('\n') + '\n```\n');
			if (i % 7 === 0) blocks.push('x'.repeat(5000) + '\n'); // an unbreakable line
		}
		const md = blocks.join('');
		expect(md.length).toBeGreaterThanOrEqual(100_000);
		const started = performance.now();
		const pages = paginate(md);
		expect(performance.now() - started).toBeLessThan(5_000);
		expect(pages.length).toBeGreaterThan(24);
		checkPages(md, pages, 4096);
		checkResume(md, pages, 4096, [1, Math.floor(pages.length / 2), pages.length - 1]);
	});

	it('keeps its invariants on random runner output (seeded)', () => {
		const random = prng(20240611);
		const problems: string[] = [];
		let resumed = 0;
		for (let round = 0; round < 250 && problems.length < 5; round++) {
			const md = randomMarkdown(random, 50 + Math.floor(random() * 1500));
			const limit = [2, 3, 8, 16, 40, 100, 333, 4096][round % 8]!;
			const pages = paginate(md, limit);
			problems.push(...pageProblems(md, pages, limit));
			const sample = pages.flatMap((p, i) => (p.reopen !== undefined && random() < 0.1 ? [i] : []));
			resumed += sample.length;
			problems.push(...resumeProblems(md, pages, limit, sample));
		}
		expect(problems).toEqual([]);
		expect(resumed).toBeGreaterThan(100);
	});
});
