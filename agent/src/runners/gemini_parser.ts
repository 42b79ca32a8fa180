/**
 * Parser for `gemini -p <prompt> -o stream-json`: `init`, `message` (deltas appended), `tool_use`,
 * `tool_result`, non-fatal `error`, and the final `result` whose `status` decides. Without a
 * result, the documented exit codes (41 auth, 42 input, 53 turn limit, …) explain the failure.
 *
 * @module
 */
import type { ProcessExit } from "../process/spawn.ts";
import { exitReason, lastMeaningful, type StreamParser } from "./cli_runner.ts";
import { codeTail, MarkdownOut, toolSummary, warningLine } from "./format.ts";
import { type Obj, obj, parseJsonLine, str } from "./json.ts";
import type { RunResult } from "./runner.ts";

/** Gemini CLI exit codes and what they mean for the user. */
export const GEMINI_EXIT_REASONS: Readonly<Record<number, string>> = {
  41:
    "Gemini CLI authentication failed (exit 41): set GEMINI_API_KEY or log in by running `gemini` once",
  42: "Gemini CLI rejected the input (exit 42)",
  44: "Gemini CLI sandbox error (exit 44)",
  52: "Gemini CLI configuration error (exit 52)",
  53: "Gemini CLI reached its session turn limit (exit 53)",
  130: "Gemini CLI was cancelled (exit 130)",
};

const SHELL_TOOLS = new Set(["run_shell_command", "shell"]);

/** Turns Gemini CLI stream-json events into Markdown chunks and a result. */
export class GeminiParser implements StreamParser {
  resume: string | null = null;
  #md = new MarkdownOut();
  #toolNames = new Map<string, string>();
  #result: { ok: boolean; error?: string } | undefined;
  #lastError: string | undefined;
  #inMessage = false;

  constructor(private readonly projectDir: string) {}

  push(line: string): string[] {
    const ev = parseJsonLine(line);
    if (!ev) return [];
    switch (ev.type) {
      case "init":
        this.resume = str(ev.session_id) ?? this.resume;
        return [];
      case "message":
        return this.#message(ev);
      case "tool_use": {
        this.#inMessage = false;
        const name = str(ev.tool_name) ?? "tool";
        const id = str(ev.tool_id);
        if (id) this.#toolNames.set(id, name);
        return [this.#md.line(toolSummary(name, obj(ev.parameters) ?? {}, this.projectDir))];
      }
      case "tool_result":
        this.#inMessage = false;
        return this.#toolResult(ev);
      case "error": {
        this.#inMessage = false;
        const message = str(ev.message) ?? "error";
        if (ev.severity !== "warning") this.#lastError = message;
        return [this.#md.line(warningLine(message))];
      }
      case "result": {
        const error = obj(ev.error);
        this.#result = {
          ok: ev.status === "success",
          error: str(error?.message) ?? str(ev.error) ?? str(error?.type),
        };
        return [];
      }
      default:
        return [];
    }
  }

  finish(exit: ProcessExit): RunResult {
    if (this.#result?.ok) return { status: "ok", resume: this.resume };
    const mapped = exit.signal ? undefined : GEMINI_EXIT_REASONS[exit.code];
    const detail = this.#result?.error ?? this.#lastError ?? lastMeaningful(exit.stderrTail);
    let reason: string;
    if (mapped) reason = detail ? `${mapped}: ${detail}` : mapped;
    else if (this.#result) reason = `Gemini CLI: ${detail ?? "the task failed"}`;
    else if (exit.code === 0 && !exit.signal) {
      reason = `Gemini CLI ended without a result${detail ? `: ${detail}` : ""}`;
    } else reason = exitReason("Gemini CLI", exit);
    return { status: "error", reason, resume: this.resume };
  }

  #message(ev: Obj): string[] {
    if (ev.role !== "assistant") return []; // the echoed user prompt
    const content = str(ev.content) ?? "";
    if (ev.delta === true) {
      const chunk = this.#inMessage ? this.#md.text(content) : this.#md.paragraph(content);
      this.#inMessage = true;
      return [chunk];
    }
    this.#inMessage = false;
    return [this.#md.paragraph(content)];
  }

  #toolResult(ev: Obj): string[] {
    const name = this.#toolNames.get(str(ev.tool_id) ?? "") ?? "tool";
    if (ev.status === "error") {
      const error = obj(ev.error);
      const message = str(error?.message) ?? str(ev.error) ?? str(ev.output) ?? "error";
      return [this.#md.line(warningLine(`\`${name}\` failed: ${message}`))];
    }
    const output = str(ev.output) ?? "";
    return SHELL_TOOLS.has(name) && output.trim() ? [this.#md.line(codeTail(output))] : [];
  }
}
