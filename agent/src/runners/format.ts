/**
 * Markdown for a phone screen: tool calls as one-line summaries, command output as a short
 * fenced tail, and paragraph spacing kept right across streamed chunks.
 *
 * @module
 */
import { isAbsolute, relative } from "node:path";
import { type Obj, str } from "./json.ts";

/** Lines of command output shown to the user. */
export const OUTPUT_TAIL_LINES = 20;

/**
 * Joins streamed prose and one-line items so that items sit on their own lines and prose is
 * separated from them by a blank line. Each method returns the chunk to emit.
 */
export class MarkdownOut {
  #trailingNewlines = 2;
  #lastWasLine = false;

  /** Prose, emitted as is (a blank line is put before it after a line item). */
  text(s: string): string {
    if (!s) return "";
    const out = (this.#lastWasLine ? this.#need(2) : "") + s;
    this.#lastWasLine = false;
    return this.#emit(out);
  }

  /** Prose that starts a new paragraph (a separate message or content block). */
  paragraph(s: string): string {
    if (!s) return "";
    this.#lastWasLine = false;
    return this.#emit(this.#need(2) + s);
  }

  /** A line item (tool summary, note) or a multi-line block such as a code fence. */
  line(s: string): string {
    const body = s.replace(/\n+$/, "");
    if (!body) return "";
    const out = this.#need(this.#lastWasLine ? 1 : 2) + body + "\n";
    this.#lastWasLine = true;
    return this.#emit(out);
  }

  #need(n: number): string {
    return "\n".repeat(Math.max(0, n - this.#trailingNewlines));
  }

  #emit(out: string): string {
    const m = /\n*$/.exec(out);
    const trailing = m ? m[0].length : 0;
    this.#trailingNewlines = trailing === out.length
      ? Math.min(2, this.#trailingNewlines + trailing)
      : Math.min(2, trailing);
    return out;
  }
}

/** An inline code span on one line, cut to `max` characters; backticks inside are handled. */
export function inlineCode(s: string, max = 200): string {
  let t = s.replace(/\s*\n\s*/g, " ⏎ ").trim();
  if (t.length > max) t = t.slice(0, max - 1) + "…";
  if (!t.includes("`")) return "`" + t + "`";
  const runs = t.match(/`+/g) ?? [];
  const fence = "`".repeat(Math.max(...runs.map((r) => r.length)) + 1);
  return `${fence} ${t} ${fence}`;
}

/** The last `maxLines` lines of `output` in a fenced block (empty string for empty output). */
export function codeTail(output: string, maxLines = OUTPUT_TAIL_LINES): string {
  const lines = output.replace(/\s+$/, "").split("\n").map((l) => l.replace(/\r$/, ""));
  if (lines.length === 1 && lines[0] === "") return "";
  const shown = lines.slice(-maxLines).map((l) => l.length > 300 ? l.slice(0, 299) + "…" : l);
  const skipped = lines.length - shown.length;
  let body = shown.join("\n");
  let fence = "```";
  while (body.includes(fence)) fence += "`";
  if (skipped > 0) body = `… (${skipped} more line${skipped === 1 ? "" : "s"} above)\n${body}`;
  return `${fence}\n${body}\n${fence}`;
}

/** A one-line warning for a non-fatal problem. */
export function warningLine(message: string): string {
  const first = message.trim().split("\n")[0] ?? "";
  return `⚠️ ${first.length > 300 ? first.slice(0, 299) + "…" : first}`;
}

/** A path shown relative to the project when it lies inside it. */
export function displayPath(path: string, projectDir?: string): string {
  if (projectDir && isAbsolute(path)) {
    const rel = relative(projectDir, path);
    if (rel && !rel.startsWith("..") && !isAbsolute(rel)) return inlineCode(rel);
  }
  return inlineCode(path);
}

const EDIT = new Set(["Edit", "MultiEdit", "NotebookEdit", "replace", "edit_file", "edit"]);
const WRITE = new Set(["Write", "write_file"]);
const READ = new Set(["Read", "read_file", "read_many_files"]);
const LIST = new Set(["LS", "list_directory", "list_files"]);
const SEARCH = new Set(["Grep", "Glob", "glob", "search_file_content", "search_files", "grep"]);
const WEB = new Set(["WebFetch", "WebSearch", "web_fetch", "google_web_search"]);

/**
 * One line summarizing a tool call, across the tool names of Claude Code, Gemini CLI and the
 * built-in SDK runner, e.g. "🔧 `Bash`: `npm test`" or "📝 edited `src/a.ts`".
 */
export function toolSummary(name: string, input: Obj, projectDir?: string): string {
  const path = str(input.file_path) ?? str(input.path) ?? str(input.absolute_path) ??
    str(input.notebook_path);
  const shownPath = path ? displayPath(path, projectDir) : undefined;
  if (EDIT.has(name) && shownPath) return `📝 edited ${shownPath}`;
  if (WRITE.has(name) && shownPath) return `📝 wrote ${shownPath}`;
  if (READ.has(name) && shownPath) return `📖 read ${shownPath}`;
  if (LIST.has(name)) return `📂 listed ${shownPath ?? "`.`"}`;
  const pattern = str(input.pattern) ?? str(input.query);
  if (SEARCH.has(name) && pattern) {
    return `🔍 \`${name}\`: ${inlineCode(pattern, 120)}${shownPath ? ` in ${shownPath}` : ""}`;
  }
  const url = str(input.url) ?? str(input.query) ?? str(input.prompt);
  if (WEB.has(name) && url) return `🌐 \`${name}\`: ${inlineCode(url, 160)}`;
  if (name === "TodoWrite" || name === "write_todos") return "📋 updated the todo list";
  const command = str(input.command) ?? str(input.cmd);
  if (command) return `🔧 \`${name}\`: ${inlineCode(command)}`;
  const firstString = Object.values(input).find((v): v is string => typeof v === "string");
  return firstString ? `🔧 \`${name}\`: ${inlineCode(firstString, 120)}` : `🔧 \`${name}\``;
}
