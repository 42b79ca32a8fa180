/**
 * The terminal view of a running agent: one status line redrawn in place on a terminal (plain
 * lines otherwise), and a line per finished task printed above it.
 */
import type { AgentEvent } from "../connection/events.ts";
import { type CliContext, paint } from "./context.ts";

const CLEAR_LINE = "\r\x1b[2K";

/** Renders agent events for `remoteagent start`. */
export class StatusLine {
  #status = "";
  #shown = false;
  /** Ctrl-C was pressed: a task ending now must not bring back "waiting for prompts". */
  #stopping = false;

  /** @param ctx where to write; @param server shown while connecting */
  constructor(readonly ctx: CliContext, readonly server: string) {}

  /** Show one agent event. */
  handle(event: AgentEvent): void {
    switch (event.type) {
      case "status":
        if (event.state === "stopping") this.#stopping = true;
        return this.#setStatus(this.#describe(event));
      case "task-start": {
        const waiting = event.queued > 0 ? ` (${event.queued} waiting)` : "";
        if (this.ctx.stdoutIsTerminal) {
          this.#setStatus(`${paint(this.ctx, "32", "●")} running: ${event.preview}${waiting}`);
        }
        return;
      }
      case "task-end": {
        this.line(formatTaskLine(this.ctx, event));
        if (this.ctx.stdoutIsTerminal) {
          this.#setStatus(this.#describe({ state: this.#stopping ? "stopping" : "connected" }));
        }
        return;
      }
      case "warning":
        return this.#above(() =>
          this.ctx.stderr(`${paint(this.ctx, "33", "warning:")} ${event.message}\n`)
        );
    }
  }

  /** Print a line above the status line. */
  line(text: string): void {
    this.#above(() => this.ctx.stdout(text + "\n"));
  }

  /** Leave the status line (before the program prints its last words or exits). */
  end(): void {
    if (this.ctx.stdoutIsTerminal && this.#shown) this.ctx.stdout("\n");
    this.#shown = false;
  }

  #describe(
    state: Extract<AgentEvent, { type: "status" }> | { state: "connected" | "stopping" },
  ): string {
    const ctx = this.ctx;
    switch (state.state) {
      case "connecting":
        return `${paint(ctx, "33", "○")} connecting to ${this.server}…`;
      case "connected":
        return `${paint(ctx, "32", "●")} connected: waiting for prompts (Ctrl-C to stop)`;
      case "reconnecting": {
        const seconds = Math.max(1, Math.ceil(state.retryInMs / 1000));
        return `${paint(ctx, "33", "○")} reconnecting (next try in ${seconds} s): ${state.error}`;
      }
      case "revoked":
        return `${paint(ctx, "31", "✗")} revoked`;
      case "stopping":
        return `${paint(ctx, "33", "○")} stopping…`;
    }
  }

  #setStatus(text: string): void {
    if (text === this.#status && this.#shown) return;
    this.#status = text;
    if (this.ctx.stdoutIsTerminal) {
      // Longer than the terminal, it would wrap and could no longer be redrawn in place.
      this.ctx.stdout(CLEAR_LINE + fit(text, this.ctx.columns() - 1));
      this.#shown = true;
    } else {
      this.ctx.stdout(text + "\n");
    }
  }

  #above(print: () => void): void {
    if (this.ctx.stdoutIsTerminal && this.#shown) this.ctx.stdout(CLEAR_LINE);
    print();
    if (this.ctx.stdoutIsTerminal && this.#shown) {
      this.ctx.stdout(fit(this.#status, this.ctx.columns() - 1));
    }
  }
}

/** `✓ done      3.2 s  fix the failing test` — one line per finished task. */
export function formatTaskLine(
  ctx: CliContext,
  event: Extract<AgentEvent, { type: "task-end" }>,
): string {
  const mark = event.status === "done"
    ? paint(ctx, "32", "✓")
    : event.status === "failed"
    ? paint(ctx, "31", "✗")
    : paint(ctx, "33", "■");
  const seconds = `${(event.durationMs / 1000).toFixed(1)} s`.padStart(8);
  const reason = event.reason ? ` (${event.reason.split("\n")[0]!.slice(0, 120)})` : "";
  return `${mark} ${event.status.padEnd(7)} ${seconds}  ${event.preview}${reason}`;
}

// deno-lint-ignore no-control-regex -- ANSI colour codes start with ESC
const COLOUR = /\x1b\[[0-9;]*m/g;
// deno-lint-ignore no-control-regex -- ANSI colour codes start with ESC
const COLOUR_AT_START = /^\x1b\[[0-9;]*m/;

/** Cut text to `width` visible characters, ending in "…" when cut (colour codes do not count). */
export function fit(text: string, width: number): string {
  const plain = text.replace(COLOUR, "");
  const chars = Array.from(plain);
  if (chars.length <= width) return text;
  let out = "";
  let visible = 0;
  for (let i = 0; i < text.length && visible < Math.max(1, width - 1);) {
    const escape = COLOUR_AT_START.exec(text.slice(i));
    const piece = escape ? escape[0] : String.fromCodePoint(text.codePointAt(i)!);
    if (!escape) visible++;
    out += piece;
    i += piece.length;
  }
  return out + "…" + (out.includes("\x1b[") ? "\x1b[0m" : "");
}
