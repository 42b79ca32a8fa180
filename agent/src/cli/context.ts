/**
 * Everything a command touches outside itself, as one object: the terminal, the environment,
 * the network, signals, the runner factory. `realContext()` wires the real ones; tests pass
 * their own, so every command runs without a terminal.
 */
import { createRunner as realCreateRunner } from "../runners/runner.ts";
import type { EnvReader } from "../config/paths.ts";

/** The outside world of a command. */
export interface CliContext {
  cwd: string;
  env: EnvReader;
  /** Write to stdout as is. */
  stdout(text: string): void;
  /** Write to stderr as is. */
  stderr(text: string): void;
  /** stdin is a terminal: questions may be asked. */
  interactive: boolean;
  /** stdout is a terminal: the status line may be redrawn in place, colours used. */
  stdoutIsTerminal: boolean;
  /** Width of the terminal in characters (80 when unknown). */
  columns(): number;
  /** Next line typed on stdin (without the newline), or null at end of input. */
  readLine(): Promise<string | null>;
  hostname(): string;
  fetch: typeof fetch;
  /** Call `handler` on Ctrl-C and SIGTERM; returns a function that stops listening. */
  onShutdownSignal(handler: () => void): () => void;
  createRunner: typeof realCreateRunner;
  /** End the process now (a second Ctrl-C while stopping). */
  exit(code: number): void;
}

/** Print a line on stdout. */
export function say(ctx: CliContext, line = ""): void {
  ctx.stdout(line + "\n");
}

/** Print a warning line on stderr. */
export function warn(ctx: CliContext, message: string): void {
  ctx.stderr(`${paint(ctx, "33", "warning:")} ${message}\n`);
}

/** Wrap text in an ANSI colour when stdout is a terminal and NO_COLOR is not set. */
export function paint(ctx: CliContext, code: string, text: string): string {
  return ctx.stdoutIsTerminal && !ctx.env("NO_COLOR") ? `\x1b[${code}m${text}\x1b[0m` : text;
}

/** Ask a question on the terminal; the answer trimmed, or `fallback` when empty or at EOF. */
export async function ask(ctx: CliContext, question: string, fallback = ""): Promise<string> {
  const hint = fallback ? ` [${fallback}]` : "";
  ctx.stdout(`${question}${hint}: `);
  const line = await ctx.readLine();
  if (line === null) ctx.stdout("\n");
  const answer = (line ?? "").trim();
  return answer || fallback;
}

/** Ask a yes/no question. */
export async function confirm(ctx: CliContext, question: string, yes: boolean): Promise<boolean> {
  const answer = (await ask(ctx, `${question} (${yes ? "Y/n" : "y/N"})`)).toLowerCase();
  if (answer === "") return yes;
  return answer === "y" || answer === "yes";
}

/** Lines of stdin, read lazily. */
function stdinLines(): () => Promise<string | null> {
  const decoder = new TextDecoder();
  const reader = Deno.stdin.readable.getReader();
  let buffer = "";
  let ended = false;
  return async () => {
    for (;;) {
      const newline = buffer.indexOf("\n");
      if (newline >= 0) {
        const line = buffer.slice(0, newline).replace(/\r$/, "");
        buffer = buffer.slice(newline + 1);
        return line;
      }
      if (ended) {
        const rest = buffer;
        buffer = "";
        return rest.length > 0 ? rest : null;
      }
      const { done, value } = await reader.read();
      if (done) ended = true;
      else buffer += decoder.decode(value, { stream: true });
    }
  };
}

function writeAll(stream: { writeSync(p: Uint8Array): number }, bytes: Uint8Array): void {
  for (let done = 0; done < bytes.length;) done += stream.writeSync(bytes.subarray(done));
}

/** The real terminal, environment and process. */
export function realContext(): CliContext {
  const encoder = new TextEncoder();
  let lines: (() => Promise<string | null>) | null = null;
  return {
    cwd: Deno.cwd(),
    env: (name) => Deno.env.get(name),
    stdout: (text) => writeAll(Deno.stdout, encoder.encode(text)),
    stderr: (text) => writeAll(Deno.stderr, encoder.encode(text)),
    interactive: Deno.stdin.isTerminal(),
    stdoutIsTerminal: Deno.stdout.isTerminal(),
    columns: () => {
      try {
        return Deno.consoleSize().columns;
      } catch {
        return 80;
      }
    },
    readLine: () => (lines ??= stdinLines())(),
    hostname: () => Deno.hostname(),
    fetch: globalThis.fetch,
    onShutdownSignal(handler) {
      const signals: Deno.Signal[] = Deno.build.os === "windows"
        ? ["SIGINT", "SIGBREAK"]
        : ["SIGINT", "SIGTERM"];
      for (const signal of signals) Deno.addSignalListener(signal, handler);
      return () => {
        for (const signal of signals) Deno.removeSignalListener(signal, handler);
      };
    },
    createRunner: realCreateRunner,
    exit: (code) => Deno.exit(code),
  };
}
