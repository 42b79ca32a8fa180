/**
 * Parser for `aider --message … --no-pretty` plain-text output. aider exits 0 even when the model
 * call or the edit failed, so failure is read from the text: the last error seen wins unless later
 * lines show the model answered and the edit went through.
 *
 * @module
 */
import type { ProcessExit } from "../process/spawn.ts";
import { exitReason, type StreamParser } from "./cli_runner.ts";
import { inlineCode, MarkdownOut, warningLine } from "./format.ts";
import type { RunResult } from "./runner.ts";

/** Start-up announcements and accounting lines, not worth a phone screen. */
const NOISE = [
  /^Aider v\d/,
  /^(Main|Weak|Editor) model:/,
  /^Model:/,
  /^Git repo:/,
  /^Git working dir:/,
  /^Repo-map:/,
  /^Cur working dir:/,
  /^Added .* to the chat/,
  /^Use \/help /,
  /^Tokens: .*(sent|received)/,
  /^[─━-]{10,}$/,
  /^https:\/\/aider\.chat\/HISTORY/,
];

/** Lines by which aider reports a failed model call, missing credentials or a failed edit. */
const ERRORS = [
  /^litellm\.[A-Za-z]*(Error|Exception)\b/, // litellm.AuthenticationError: …, litellm.NotFoundError: …
  /^(Error|ERROR)\b\s*[:\-]/,
  /^Unable to /,
  /^The API provider /, // "The API provider is not able to authenticate you. Check your API key."
  /^Missing these environment variables/,
  /\bAPI key\b.*\b(missing|invalid|not (set|found|valid)|incorrect)\b/i,
  /^The LLM did not conform to the edit format/,
  /^Only \d+ reflections allowed, stopping/,
  /SEARCH\/REPLACE blocks? failed to match/,
  /^Failed to apply edit/,
  /^Model .* (not found|does not exist)/,
  /^Your .*(quota|credit balance)/i,
];

/** Evidence that a model reply arrived or an edit was applied, clearing earlier errors. */
const SUCCESS = [/^Tokens: .*(sent|received)/, /^Applied edit to /, /^Commit [0-9a-f]{7,}\b/];

/** Turns aider's plain output into Markdown chunks and a result. */
export class AiderParser implements StreamParser {
  readonly resume = null; // aider keeps its own chat history file per repository
  #md = new MarkdownOut();
  #error: string | undefined;
  #started = false;

  push(raw: string): string[] {
    const line = raw.replace(/\s+$/, "");
    if (SUCCESS.some((re) => re.test(line))) this.#error = undefined;
    if (ERRORS.some((re) => re.test(line.trim()))) {
      this.#error ??= line.trim();
      return [this.#md.line(warningLine(line))];
    }
    if (NOISE.some((re) => re.test(line))) return [];
    const applied = /^Applied edit to (.+)$/.exec(line);
    if (applied?.[1]) return [this.#md.line(`📝 edited ${inlineCode(applied[1])}`)];
    const commit = /^Commit ([0-9a-f]{7,}) (.*)$/.exec(line);
    if (commit?.[1]) return [this.#md.line(`✅ committed ${inlineCode(commit[1])} ${commit[2]}`)];
    if (!this.#started && !line.trim()) return []; // blank lines after the banner
    this.#started = true;
    return [this.#md.text(line + "\n")];
  }

  finish(exit: ProcessExit): RunResult {
    if (this.#error) return { status: "error", reason: `aider: ${this.#error}`, resume: null };
    if (exit.code !== 0 || exit.signal) {
      return { status: "error", reason: exitReason("aider", exit), resume: null };
    }
    return { status: "ok", resume: null };
  }
}
