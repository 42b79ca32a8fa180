/**
 * The intermediate form between Markdown and Telegram HTML: the visible text as a list of runs,
 * each with the stack of formatting elements around it. Pagination cuts this list, never HTML, so
 * a page can never end inside a tag or an entity, and closing/reopening elements at a page break
 * is just "serialise this slice".
 */

/** Only tags Telegram's HTML parse mode accepts, and only the ones the renderer needs. */
export type Tag = 'b' | 'i' | 's' | 'code' | 'pre' | 'a' | 'blockquote';

/** One formatting element. Runs share the instance, so identity tells adjacent elements apart. */
export interface Element {
	readonly tag: Tag;
	/** `a`: the link target. `code` inside `pre`: the language. */
	readonly value?: string;
	/** `pre` of a fenced block: the opener line and where its content starts in the source. */
	readonly fence?: { readonly line: string; readonly contentStart: number };
}

/**
 * Visible text inside `stack` (outermost first). Invariant: `source.slice(src, src + text.length)
 * === text` — visible text is always a verbatim slice of the Markdown, markup lives in the gaps.
 */
export interface Run {
	readonly text: string;
	readonly stack: readonly Element[];
	readonly src: number;
}

/** Appends a run, merging it with the previous one when it continues it inside the same stack. */
export function pushRun(out: Run[], text: string, src: number, stack: readonly Element[]) {
	if (text === '') return;
	const last = out[out.length - 1];
	if (last && last.stack === stack && last.src + last.text.length === src) {
		out[out.length - 1] = { text: last.text + text, stack, src: last.src };
	} else out.push({ text, stack, src });
}

export function escapeText(text: string): string {
	return text.replace(/[&<>]/g, (c) => (c === '&' ? '&amp;' : c === '<' ? '&lt;' : '&gt;'));
}

export function escapeAttribute(value: string): string {
	return escapeText(value).replace(/"/g, '&quot;');
}

function openTag(element: Element): string {
	if (element.tag === 'a') return `<a href="${escapeAttribute(element.value ?? '')}">`;
	if (element.tag === 'code' && element.value) {
		return `<code class="language-${escapeAttribute(element.value)}">`;
	}
	return `<${element.tag}>`;
}

/** Serialises runs; elements left open at the end are closed, so any slice of runs is valid HTML. */
export function runsToHtml(runs: readonly Run[]): string {
	let html = '';
	let open: readonly Element[] = [];
	for (const run of runs) {
		if (run.text === '') continue;
		let common = 0;
		while (
			common < open.length &&
			common < run.stack.length &&
			open[common] === run.stack[common]
		) {
			common++;
		}
		for (let k = open.length - 1; k >= common; k--) html += `</${open[k]!.tag}>`;
		for (let k = common; k < run.stack.length; k++) html += openTag(run.stack[k]!);
		open = run.stack;
		html += escapeText(run.text);
	}
	for (let k = open.length - 1; k >= 0; k--) html += `</${open[k]!.tag}>`;
	return html;
}
