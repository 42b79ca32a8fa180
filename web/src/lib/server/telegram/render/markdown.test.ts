import { describe, expect, it } from 'vitest';
import { visibleTextOf } from '../../../../../test/harness/telegram-html-check.ts';
import { markdownToRuns, markdownToTelegramHtml } from './markdown.ts';

const render = (md: string) => {
	const html = markdownToTelegramHtml(md);
	visibleTextOf(html); // throws when Telegram would refuse it
	return html;
};

describe('markdownToTelegramHtml', () => {
	it('escapes <, > and & in text, code, headings, quotes and links', () => {
		expect(render('a < b && c > d')).toBe('a &lt; b &amp;&amp; c &gt; d');
		expect(render('<b>not bold</b> &amp;')).toBe('&lt;b&gt;not bold&lt;/b&gt; &amp;amp;');
		expect(render('# 1 < 2 & 3')).toBe('<b>1 &lt; 2 &amp; 3</b>');
		expect(render('> x<y>&')).toBe('<blockquote>x&lt;y&gt;&amp;</blockquote>');
		expect(render('```\n<div> & </div>\n```')).toBe('<pre>&lt;div&gt; &amp; &lt;/div&gt;</pre>');
		expect(render('[a<b>&c](https://e.com/?a=1&b="<2>")')).toBe(
			'<a href="https://e.com/?a=1&amp;b=&quot;&lt;2&gt;&quot;">a&lt;b&gt;&amp;c</a>'
		);
	});

	it('renders fenced code with and without a language, nothing interpreted inside', () => {
		expect(render('```ts\nconst x = **y** < `z`;\n```')).toBe(
			'<pre><code class="language-ts">const x = **y** &lt; `z`;</code></pre>'
		);
		expect(render('before\n```\n*a*\n\n_b_\n```\nafter')).toBe(
			'before\n<pre>*a*\n\n_b_</pre>\nafter'
		);
		expect(render('~~~~python extra words\nprint(1)\n~~~~')).toBe(
			'<pre><code class="language-python">print(1)</code></pre>'
		);
		// A hostile info string never reaches the attribute.
		expect(render('```"><script>\nx\n```')).toBe('<pre>x</pre>');
		// Indented fences (inside list items) lose that indentation in the content only.
		expect(render('1. step\n   ```sh\n   npm i\n     --x\n   ```')).toBe(
			'1. step\n<pre><code class="language-sh">npm i\n  --x</code></pre>'
		);
		// A shorter or different marker does not close the fence.
		expect(render('````\n```\n~~~\n````')).toBe('<pre>```\n~~~</pre>');
	});

	it('understands CRLF line endings', () => {
		expect(render('# T #\r\n```sh\r\nls\r\n```\r\nok')).toBe(
			'<b>T</b>\n<pre><code class="language-sh">ls\r</code></pre>\nok'
		);
	});

	it('treats an unclosed fence (still streaming) as code up to the end', () => {
		expect(render('text\n```js\nlet a = 1 < 2;\n**not bold**')).toBe(
			'text\n<pre><code class="language-js">let a = 1 &lt; 2;\n**not bold**</code></pre>'
		);
		expect(render('```')).toBe('');
		expect(render('```py\n')).toBe('');
	});

	it('renders inline code without interpreting * or < inside', () => {
		expect(render('run `a*b*c < d` now')).toBe('run <code>a*b*c &lt; d</code> now');
		expect(render('``code with ` tick``')).toBe('<code>code with ` tick</code>');
		expect(render('` padded `')).toBe('<code>padded</code>');
		expect(render('`unclosed *x*')).toBe('`unclosed <i>x</i>');
		expect(render('**bold `code**` x**')).toBe('<b>bold <code>code**</code> x</b>');
	});

	it('renders bold, italic and strikethrough conservatively', () => {
		expect(render('**b** __b__ *i* _i_ ~~s~~')).toBe(
			'<b>b</b> <b>b</b> <i>i</i> <i>i</i> <s>s</s>'
		);
		expect(render('***both***')).toBe('<i><b>both</b></i>');
		expect(render('**bold with *italic* inside**')).toBe('<b>bold with <i>italic</i> inside</b>');
		expect(render('# Heading with **bold**')).toBe('<b>Heading with bold</b>');
		for (const literal of [
			'snake_case_words and my_var_name',
			'2*3*4 and 2 * 3 * 4',
			'a ** b ** c',
			'src/**/*.ts',
			'**unclosed bold',
			'* list item',
			'~single~ ~~~triple~~~',
			'file_name_*.txt',
			'foo__bar__baz',
			'\\*escaped\\*'
		]) {
			expect(render(literal)).not.toMatch(/<[bis]>/);
		}
		expect(render('\\*escaped\\*')).toBe('*escaped*');
		expect(render('**a\nb**')).toBe('**a\nb**'); // never across lines
	});

	it('links only http(s) and tg URLs', () => {
		expect(render('[docs](https://example.com/a_(b))')).toBe(
			'<a href="https://example.com/a_(b)">docs</a>'
		);
		expect(render('[me](tg://user?id=42)')).toBe('<a href="tg://user?id=42">me</a>');
		expect(render('[x](http://e.com "title")')).toBe('<a href="http://e.com">x</a>');
		expect(render('[**b** x](https://e.com)')).toBe('<a href="https://e.com"><b>b</b> x</a>');
		expect(render('[x](javascript:alert(1))')).toBe('[x](javascript:alert(1))');
		expect(render('[x](JavaScript:alert(1))')).not.toContain('<a');
		expect(render('[x](data:text/html,<b>)')).toBe('[x](data:text/html,&lt;b&gt;)');
		expect(render('[x](/relative)')).toBe('[x](/relative)');
		// Bare URLs are left for Telegram to link, and never broken by emphasis.
		expect(render('see https://e.com/_a_/b*c* ok')).toBe('see https://e.com/_a_/b*c* ok');
	});

	it('renders headings as bold and groups quote lines', () => {
		expect(render('## Title ##\nbody')).toBe('<b>Title</b>\nbody');
		expect(render('#hashtag')).toBe('#hashtag');
		expect(render('> one\n>two\n\n> three')).toBe(
			'<blockquote>one\ntwo</blockquote>\n\n<blockquote>three</blockquote>'
		);
	});

	it('reads Markdown as CommonMark does (micromark), one line at a time', () => {
		expect(render('*a **b** c* and \\# not a heading')).toBe(
			'<i>a <b>b</b> c</i> and # not a heading'
		);
		expect(render('`` a ` b `` and `x`y')).toBe('<code>a ` b</code> and <code>x</code>y');
		expect(render('[a `b`](https://e.com) and [ref][x] and ![img](https://e.com/i.png)')).toBe(
			'<a href="https://e.com">a <code>b</code></a> and [ref][x] and ![img](https://e.com/i.png)'
		);
		// What Telegram cannot show stays as written: lists, HTML, rules, references, entities.
		expect(render('- item\n1. first\n<div>x</div>\n---\n[x]: https://e.com\n&copy;')).toBe(
			'- item\n1. first\n&lt;div&gt;x&lt;/div&gt;\n---\n[x]: https://e.com\n&amp;copy;'
		);
		expect(render('   # Indented heading\n  > indented quote')).toBe(
			'<b>Indented heading</b>\n<blockquote>indented quote</blockquote>'
		);
	});

	it('keeps every visible character a verbatim slice of the source', () => {
		const md = '# T *i*\n> q `c`\n```ts\n  x\n```\n[l](https://e.com) \\* ~~s~~ <&>';
		for (const run of markdownToRuns(md)) {
			expect(md.slice(run.src, run.src + run.text.length)).toBe(run.text);
		}
		expect(visibleTextOf(render(md))).toBe('T i\nq c\n  x\nl * s <&>');
	});
});
