/**
 * Parser for `codex exec --json` (JSONL thread events). Accepts both the current item names
 * (`type`, `agent_message`) and the older ones (`item_type`, `assistant_message`). A failed turn
 * is only visible in the stream: the exit code is 0/1.
 *
 * @module
 */
import type { ProcessExit } from "../process/spawn.ts";
import { exitReason, type StreamParser } from "./cli_runner.ts";
import { codeTail, displayPath, inlineCode, MarkdownOut, warningLine } from "./format.ts";
import { arr, num, type Obj, obj, parseJsonLine, str } from "./json.ts";
import type { RunResult } from "./runner.ts";

/** Turns Codex thread events into Markdown chunks and a result. */
export class CodexParser implements StreamParser {
  resume: string | null = null;
  #md = new MarkdownOut();
  #announced = new Set<string>();
  #turnCompleted = false;
  #failure: string | undefined;

  constructor(private readonly projectDir: string) {}

  push(line: string): string[] {
    const ev = parseJsonLine(line);
    if (!ev) return [];
    switch (ev.type) {
      case "thread.started":
        this.resume = str(ev.thread_id) ?? this.resume;
        return [];
      case "turn.started":
        this.#turnCompleted = false;
        return [];
      case "turn.completed":
        this.#turnCompleted = true;
        this.#failure = undefined;
        return [];
      case "turn.failed":
        this.#failure = str(obj(ev.error)?.message) ?? "turn failed";
        return [];
      case "error":
        // Fatal unless a later turn.completed shows it was recovered from.
        this.#failure = str(ev.message) ?? "error";
        return [];
      case "item.started":
      case "item.updated":
      case "item.completed":
        return this.#item(obj(ev.item) ?? {}, ev.type === "item.completed");
      default:
        return [];
    }
  }

  finish(exit: ProcessExit): RunResult {
    if (this.#failure) {
      return { status: "error", reason: `Codex: ${this.#failure}`, resume: this.resume };
    }
    if (this.#turnCompleted) return { status: "ok", resume: this.resume };
    const reason = exit.code === 0 && !exit.signal
      ? "Codex ended without completing the turn"
      : exitReason("Codex", exit);
    return { status: "error", reason, resume: this.resume };
  }

  #item(item: Obj, completed: boolean): string[] {
    const id = str(item.id) ?? "";
    const kind = str(item.type) ?? str(item.item_type);
    switch (kind) {
      case "agent_message":
      case "assistant_message":
        return completed ? [this.#md.paragraph(str(item.text) ?? "")] : [];
      case "command_execution":
        return this.#command(id, item, completed);
      case "file_change":
        if (!completed || item.status === "failed") return [];
        return arr(item.changes).map((c) => this.#change(obj(c) ?? {}));
      case "mcp_tool_call":
        return this.#announce(
          id,
          `🔧 \`${str(item.server) ?? "mcp"}.${str(item.tool) ?? "tool"}\``,
        );
      case "web_search":
        return this.#announce(id, `🌐 searched the web: ${inlineCode(str(item.query) ?? "", 160)}`);
      case "todo_list":
        return completed ? [this.#md.line(todoList(item))] : [];
      case "error":
        return completed ? [this.#md.line(warningLine(str(item.message) ?? "error"))] : [];
      default:
        return []; // reasoning and unknown item types
    }
  }

  #command(id: string, item: Obj, completed: boolean): string[] {
    const out = this.#announce(id, `🔧 \`shell\`: ${inlineCode(str(item.command) ?? "")}`);
    if (!completed) return out;
    const output = str(item.aggregated_output) ?? "";
    if (output.trim()) out.push(this.#md.line(codeTail(output)));
    const code = num(item.exit_code);
    if (code !== undefined && code !== 0) out.push(this.#md.line(`↳ exit code ${code}`));
    return out;
  }

  #change(change: Obj): string {
    const path = displayPath(str(change.path) ?? "?", this.projectDir);
    const verb = change.kind === "add"
      ? "created"
      : change.kind === "delete"
      ? "deleted"
      : "edited";
    return this.#md.line(`📝 ${verb} ${path}`);
  }

  /** Emits a tool line once per item id (items arrive as started, updated, completed). */
  #announce(id: string, line: string): string[] {
    if (id && this.#announced.has(id)) return [];
    if (id) this.#announced.add(id);
    return [this.#md.line(line)];
  }
}

function todoList(item: Obj): string {
  const lines = arr(item.items).map((i) => {
    const t = obj(i) ?? {};
    return `${t.completed === true ? "☑" : "☐"} ${str(t.text) ?? ""}`;
  });
  return lines.length ? `📋 plan:\n${lines.join("\n")}` : "📋 plan updated";
}
