/**
 * Seeded random "runner output" for property tests: Markdown-ish text mixing everything that
 * can break Telegram HTML — `<>&`, entities, unbalanced delimiters, fences (closed, unclosed,
 * indented), quotes, headings, links good and bad, emoji (surrogate pairs, ZWJ sequences, flags),
 * CJK, tabs and CRLF. Same seed, same text.
 */

/** mulberry32: tiny, fast, good enough for test data. */
export function prng(seed: number): () => number {
	let a = seed >>> 0;
	return () => {
		a = (a + 0x6d2b79f5) >>> 0;
		let t = a;
		t = Math.imul(t ^ (t >>> 15), t | 1);
		t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
		return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
	};
}

const INLINE = [
	'word',
	'snake_case_name',
	'__init__',
	'2*3*4',
	'a * b',
	'**bold**',
	'*it*',
	'_it_',
	'__b__',
	'~~gone~~',
	'***x***',
	'**unclosed',
	'*',
	'_',
	'~',
	'`',
	'``',
	'`code <b>&amp;`',
	'`a*b*c`',
	'<',
	'>',
	'&',
	'&amp;',
	'&lt;',
	'&#128512;',
	'"',
	"'",
	'<b>',
	'</i>',
	'<script>',
	'\\*',
	'\\',
	'[link](https://example.com/a_b?q=1&r=2)',
	'[bad](javascript:alert(1))',
	'[x](tg://user?id=1)',
	'[',
	']',
	'(',
	')',
	'](',
	'https://example.com/_x_',
	'src/**/*.ts',
	'😀',
	'👩‍💻',
	'🇺🇦',
	'e\u0301',
	'漢字かな交じり文',
	'한국어',
	'ﷺ',
	'\t',
	' ',
	'  ',
	' ',
	'\u200b',
	'\r'
];

const LANGUAGES = ['', 'ts', 'python', 'c++', 'sh', '"><x>', 'a b'];

export function randomMarkdown(random: () => number, targetLength: number): string {
	const pick = <T>(list: readonly T[]): T => list[Math.floor(random() * list.length)]!;
	const line = (max: number) => {
		let s = '';
		const n = 1 + Math.floor(random() * max);
		for (let i = 0; i < n; i++) s += pick(INLINE) + (random() < 0.6 ? ' ' : '');
		return s;
	};
	let out = '';
	while (out.length < targetLength) {
		const r = random();
		if (r < 0.12) {
			const fence = random() < 0.8 ? '```' : '~~~~';
			const indent = random() < 0.2 ? '   ' : '';
			const body = Array.from(
				{ length: 1 + Math.floor(random() * 8) },
				() => indent + line(12)
			).join('\n');
			const closed = random() < 0.85 ? `\n${indent}${fence}` : '';
			out += `${indent}${fence}${pick(LANGUAGES)}\n${body}${closed}\n`;
		} else if (r < 0.2) {
			out += `${pick(['# ', '## ', '### ', '#'])}${line(6)}\n`;
		} else if (r < 0.28) {
			out += `> ${line(8)}\n${random() < 0.5 ? `>${line(4)}\n` : ''}`;
		} else if (r < 0.33) {
			out += pick(['\n', '\n\n', '\r\n', '\n\n\n', ' \n']);
		} else if (r < 0.36) {
			out += 'x'.repeat(Math.floor(random() * 300)) + '\n'; // long unbreakable words
		} else {
			out += line(20) + (random() < 0.8 ? '\n' : '');
		}
	}
	return out;
}
