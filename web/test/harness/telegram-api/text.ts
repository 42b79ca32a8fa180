import { parseTelegramHtml, type Entity } from './html.ts';

/**
 * What Telegram does to a message text before storing it (TDLib's fix_formatted_text): parse the
 * markup, drop '\r' and a few invisible characters, turn other control characters into spaces,
 * trim trailing spaces/newlines and leading ones that are outside every entity, drop
 * whitespace-only entities; then the 1–4096 length rule (UTF-16 code units, after all that).
 */

export const TEXT_LIMIT = 4096;
export const MAX_ENTITIES = 100;

export type FormattedText =
	{ ok: true; text: string; entities: Entity[] } | { ok: false; description: string };

export function formatMessageText(
	raw: unknown,
	parseMode: unknown,
	options: { strict?: boolean } = {}
): FormattedText {
	if (typeof raw !== 'string' || raw === '')
		return { ok: false, description: 'Bad Request: message text is empty' };
	if (/[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/.test(raw)) {
		return { ok: false, description: 'Bad Request: strings must be encoded in UTF-8' };
	}
	let text = raw;
	let entities: Entity[] = [];
	const mode = typeof parseMode === 'string' ? parseMode.toLowerCase() : '';
	if (mode === 'html') {
		const parsed = parseTelegramHtml(raw, options);
		if (!parsed.ok)
			return { ok: false, description: `Bad Request: can't parse entities: ${parsed.error}` };
		({ text, entities } = parsed);
	} else if (mode !== '' && mode !== 'markdown' && mode !== 'markdownv2') {
		return { ok: false, description: 'Bad Request: unsupported parse_mode' };
	}
	// Markdown modes are not interpreted: the raw text stands for what Telegram would show.

	const cleaned = clean(text, entities);
	if (cleaned.text === '') return { ok: false, description: 'Bad Request: message text is empty' };
	if (cleaned.text.length > TEXT_LIMIT)
		return { ok: false, description: 'Bad Request: message is too long' };
	// Telegram applies the first 100 entities and silently ignores the rest.
	return { ok: true, text: cleaned.text, entities: cleaned.entities.slice(0, MAX_ENTITIES) };
}

// Telegram strips these code points; combining marks are listed on purpose.
// eslint-disable-next-line no-misleading-character-class
const REMOVED = /[\r\u2028-\u202e\u0333\u033f\u030a]/;

function clean(text: string, entities: readonly Entity[]): { text: string; entities: Entity[] } {
	// map[i] = index in the cleaned text of original index i
	const map = new Array<number>(text.length + 1);
	let out = '';
	for (let i = 0; i < text.length; i++) {
		map[i] = out.length;
		const c = text[i]!;
		if (REMOVED.test(c)) continue;
		out += c.charCodeAt(0) < 32 && c !== '\n' ? ' ' : c;
	}
	map[text.length] = out.length;
	let fixed = entities.map((e) => {
		const offset = map[e.offset]!;
		return { ...e, offset, length: map[e.offset + e.length]! - offset };
	});

	let end = out.length;
	while (end > 0 && (out[end - 1] === ' ' || out[end - 1] === '\n')) end--;
	const firstEntity = Math.min(end, ...fixed.filter((e) => e.length > 0).map((e) => e.offset));
	let start = 0;
	while (start < firstEntity && (out[start] === ' ' || out[start] === '\n')) start++;

	const result = out.slice(start, end);
	fixed = fixed
		.map((e) => {
			const offset = Math.max(e.offset, start) - start;
			return { ...e, offset, length: Math.min(e.offset + e.length, end) - start - offset };
		})
		.filter((e) => e.length > 0 && result.slice(e.offset, e.offset + e.length).trim() !== '');
	return { text: result, entities: fixed };
}
