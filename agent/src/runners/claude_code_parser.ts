/**
 * Parser for `claude -p --output-format stream-json --verbose` (one JSON event per line).
 * See FORMATS.md: success is decided from `result.is_error`, never from the subtype or exit code.
 *
 * @module
 */
import type { ProcessExit } from "../process/spawn.ts";
import { exitReason, lastMeaningful, type StreamParser } from "./cli_runner.ts";
import { codeTail, MarkdownOut, toolSummary, warningLine } from "./format.ts";
import { arr, num, type Obj, obj, parseJsonLine, str } from "./json.ts";
import type { RunResult } from "./runner.ts";

const SHELL_TOOLS = new Set(["Bash", "BashOutput"]);

interface Outcome {
  isError: boolean;
  subtype: string;
  text?: string;
  errors: string[];
}

/** Turns Claude Code's stream-json events into Markdown chunks and a result. */
export class ClaudeCodeParser implements StreamParser {
  resume: string | null = null;
  #md = new MarkdownOut();
  #toolNames = new Map<string, string>();
  #streamedMessages = new Set<string>();
  #streamingMessage: string | undefined;
  #outcome: Outcome | undefined;
  #cwd: string;

  constructor(projectDir: string) {
    this.#cwd = projectDir;
  }

  push(line: string): string[] {
    const ev = parseJsonLine(line);
    if (!ev) return []; // banners, warnings and other non-JSON lines
    const sessionId = str(ev.session_id);
    if (sessionId) this.resume = sessionId;
    switch (ev.type) {
      case "system":
        return this.#system(ev);
      case "assistant":
        return this.#assistant(obj(ev.message) ?? {});
      case "user":
        return this.#toolResults(obj(ev.message) ?? {});
      case "stream_event":
        return this.#partial(obj(ev.event) ?? {});
      case "result":
        this.#outcome = {
          isError: ev.is_error === true,
          subtype: str(ev.subtype) ?? "unknown",
          text: str(ev.result),
          errors: arr(ev.errors).map((e) => typeof e === "string" ? e : JSON.stringify(e)),
        };
        return [];
      default:
        return []; // unknown event types are tolerated
    }
  }

  finish(exit: ProcessExit): RunResult {
    const o = this.#outcome;
    if (!o) {
      const reason = exit.code === 0 && !exit.signal
        ? `Claude Code ended without a result${tailSuffix(exit)}`
        : exitReason("Claude Code", exit);
      return { status: "error", reason, resume: this.resume };
    }
    if (o.isError || o.subtype.startsWith("error")) {
      const detail = o.text?.trim() || o.errors.join("; ") || o.subtype;
      return { status: "error", reason: `Claude Code: ${detail}`, resume: this.resume };
    }
    return { status: "ok", resume: this.resume };
  }

  #system(ev: Obj): string[] {
    const cwd = str(ev.cwd);
    if (ev.subtype === "init" && cwd) this.#cwd = cwd;
    if (ev.subtype === "api_retry") {
      const attempt = num(ev.attempt);
      return [this.#md.line(`⏳ API error, retrying${attempt ? ` (attempt ${attempt})` : ""}…`)];
    }
    return [];
  }

  #assistant(message: Obj): string[] {
    const id = str(message.id);
    const skipText = id !== undefined && this.#streamedMessages.has(id);
    const out: string[] = [];
    for (const b of arr(message.content)) {
      const block = obj(b);
      if (!block) continue;
      if (block.type === "text" && !skipText) {
        out.push(this.#md.paragraph(str(block.text) ?? ""));
      } else if (block.type === "tool_use") {
        const name = str(block.name) ?? "tool";
        const toolId = str(block.id);
        if (toolId) this.#toolNames.set(toolId, name);
        out.push(this.#md.line(toolSummary(name, obj(block.input) ?? {}, this.#cwd)));
      }
    }
    return out;
  }

  #toolResults(message: Obj): string[] {
    const out: string[] = [];
    for (const b of arr(message.content)) {
      const block = obj(b);
      if (block?.type !== "tool_result") continue;
      const name = this.#toolNames.get(str(block.tool_use_id) ?? "") ?? "tool";
      const text = resultText(block.content);
      if (block.is_error === true) {
        out.push(this.#md.line(warningLine(`\`${name}\` failed: ${text || "error"}`)));
      } else if (SHELL_TOOLS.has(name) && text.trim()) {
        out.push(this.#md.line(codeTail(text)));
      }
    }
    return out;
  }

  /** `--include-partial-messages`: stream text deltas, and skip the same text when the full message arrives. */
  #partial(event: Obj): string[] {
    if (event.type === "message_start") {
      this.#streamingMessage = str(obj(event.message)?.id);
      return [];
    }
    const delta = obj(event.delta);
    if (event.type === "content_block_delta" && delta?.type === "text_delta") {
      if (this.#streamingMessage) this.#streamedMessages.add(this.#streamingMessage);
      return [this.#md.text(str(delta.text) ?? "")];
    }
    return [];
  }
}

/** Text of a tool_result `content`: a string or an array of text blocks. */
function resultText(content: unknown): string {
  if (typeof content === "string") return content;
  return arr(content).map((b) => str(obj(b)?.text) ?? "").filter(Boolean).join("\n");
}

function tailSuffix(exit: ProcessExit): string {
  const last = lastMeaningful(exit.stderrTail);
  return last ? `: ${last}` : "";
}
