/**
 * The first lines of a change, as shown in an approval request (`- old` / `+ new` lines).
 *
 * @module
 */

/** Lines of a change shown in an approval request. */
const DETAIL_LINES = 12;

/** Lines of a text, without the empty one after a final newline. */
export function splitLines(text: unknown): string[] {
  if (typeof text !== "string" || text === "") return [];
  const lines = text.split("\n");
  if (lines.at(-1) === "") lines.pop();
  return lines;
}

/** A unified-diff-like excerpt of the change; null when nothing changes. */
export function diffHead(removed: string[], added: string[]): string | null {
  const all = [...removed.map((l) => `- ${l}`), ...added.map((l) => `+ ${l}`)];
  if (all.length === 0) return null;
  const head = all.slice(0, DETAIL_LINES).map((l) => (l.length > 150 ? l.slice(0, 149) + "…" : l));
  if (all.length > DETAIL_LINES) head.push(`… ${all.length - DETAIL_LINES} more lines`);
  return head.join("\n");
}
