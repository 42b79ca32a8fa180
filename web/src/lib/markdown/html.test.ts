import { describe, expect, it } from 'vitest';
import { markdownToSafeHtml } from './html.ts';

describe('markdownToSafeHtml', () => {
	it('renders the Markdown runners print', () => {
		expect(markdownToSafeHtml('# Title\n\nSome **bold** and `a < b`.')).toBe(
			'<h1>Title</h1>\n<p>Some <strong>bold</strong> and <code>a &lt; b</code>.</p>'
		);
		expect(markdownToSafeHtml('```ts\nconst x = 1 < 2;\n```')).toBe(
			'<pre><code class="language-ts">const x = 1 &lt; 2;\n</code></pre>'
		);
		expect(markdownToSafeHtml('~~gone~~ but ~one~ stays')).toBe(
			'<p><del>gone</del> but ~one~ stays</p>'
		);
		expect(markdownToSafeHtml('| a | b |\n|---|---|\n| 1 | 2 |')).toContain('<table>');
		expect(markdownToSafeHtml('see https://example.com/x')).toBe(
			'<p>see <a href="https://example.com/x">https://example.com/x</a></p>'
		);
	});

	it('lets no script, handler or dangerous URL through', () => {
		const attacks = [
			'<script>alert(1)</script>',
			'<img src=x onerror="alert(1)">',
			'<a href="javascript:alert(1)">x</a>',
			'[click](javascript:alert(1))',
			'[click](JaVaScRiPt:alert(1))',
			'[click](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)',
			'![x](javascript:alert(1))',
			'<iframe src="https://evil.example"></iframe>',
			'[x](https://e.com "a\\" onmouseover=\\"alert(1)")',
			'<svg onload=alert(1)>',
			'```"><script>alert(1)</script>\nx\n```'
		];
		for (const attack of attacks) {
			const html = markdownToSafeHtml(attack);
			expect(html, attack).not.toMatch(/<(script|img src=x|iframe|svg|a href="javascript)/i);
			expect(html, attack).not.toMatch(/\son\w+="/i);
			expect(html, attack).not.toMatch(/(href|src)="(javascript|data):/i);
		}
		expect(markdownToSafeHtml('<script>alert(1)</script>')).toBe(
			'&lt;script&gt;alert(1)&lt;/script&gt;'
		);
		expect(markdownToSafeHtml('[click](javascript:alert(1))')).toBe('<p><a href="">click</a></p>');
	});
});
