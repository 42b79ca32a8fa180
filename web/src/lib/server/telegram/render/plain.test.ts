import { describe, expect, it } from 'vitest';
import { formatMessageText } from '../../../../../test/harness/telegram-api/text.ts';
import { paginate } from './paginate.ts';
import { htmlToPlain, plainPages } from './plain.ts';

describe('htmlToPlain', () => {
	it('removes tags and decodes entities exactly once', () => {
		expect(htmlToPlain('<b>a</b> &lt;b&gt; &amp;lt; &quot;q&quot; &#128512; &#x41;')).toBe(
			'a <b> &lt; "q" 😀 A'
		);
		expect(htmlToPlain('<pre><code class="language-ts">x &lt; 1</code></pre>')).toBe('x < 1');
		expect(htmlToPlain('<a href="https://e.com/?a=1&amp;b=&quot;2&quot;">link</a>')).toBe('link');
	});

	it('keeps what only looks like markup', () => {
		expect(htmlToPlain('1 < 2 > 0 & a &bogus; &#0; <3')).toBe('1 < 2 > 0 & a &bogus; &#0; <3');
	});
});

describe('plainPages', () => {
	it('gives the visible text of each page, sendable without parse_mode', () => {
		const md = Array.from(
			{ length: 400 },
			(_, i) => `**${i}** <tag> & \`x < y\`\n\`\`\`\n${'code '.repeat(20)}\n\`\`\``
		).join('\n');
		const pages = plainPages(md);
		expect(pages).toEqual(paginate(md).map((p) => p.text));
		expect(pages.length).toBeGreaterThan(1);
		for (const text of pages) {
			expect(text.length).toBeLessThanOrEqual(4096);
			expect(text).not.toMatch(/\*\*|```|&lt;/);
			expect(formatMessageText(text, undefined)).toMatchObject({ ok: true, text: text.trim() });
		}
	});
});
