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
  /**
   * Show `prompt`, then read a line like `readLine`, but what is typed is shown as `*` (API
   * keys). The terminal stops echoing before the prompt appears, so nothing typed is shown.
   */
  readSecret(prompt: string): Promise<string | null>;
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

/** Thrown by a `parse` of {@link askUntil} when an answer is not acceptable: says why. */
export class BadAnswer extends Error {
  override name = "BadAnswer";
}

/**
 * Ask until the answer parses: a mistake is explained (one red line) and the question asked
 * again with its default. `parse` throws {@link BadAnswer} or an `AgentError` for a bad answer;
 * at end of input the last complaint is thrown, since nobody is there to answer again.
 * `retryDefault`: a refused answer becomes the default of the next try.
 */
export async function askUntil<T>(
  ctx: CliContext,
  question: string,
  fallback: string,
  parse: (answer: string) => T | Promise<T>,
  options: { secret?: boolean; retryDefault?: boolean } = {},
): Promise<T> {
  for (;;) {
    const hint = fallback ? ` ${paint(ctx, "2", `[${fallback}]`)}` : "";
    const prompt = `${paint(ctx, "1", question)}${hint}: `;
    if (!options.secret) ctx.stdout(prompt);
    const line = await (options.secret ? ctx.readSecret(prompt) : ctx.readLine());
    if (line === null) ctx.stdout("\n");
    const answer = (line ?? "").trim() || fallback;
    try {
      return await parse(answer);
    } catch (error) {
      if (line === null || !(error instanceof Error)) throw error;
      if (error.name !== "BadAnswer" && !isAgentError(error)) throw error;
      ctx.stdout(`${paint(ctx, "31", "✗")} ${error.message}\n`);
      // e.g. a server that was not running yet: Enter tries the same address again.
      if (options.retryDefault && answer) fallback = answer;
    }
  }
}

function isAgentError(error: Error): boolean {
  // Not `instanceof AgentError`: errors.ts is imported by everything and must not import this.
  return "exitCode" in error;
}

/** Ask a yes/no question. */
export async function confirm(ctx: CliContext, question: string, yes: boolean): Promise<boolean> {
  const answer = (await ask(ctx, `${question} (${yes ? "Y/n" : "y/N"})`)).toLowerCase();
  if (answer === "") return yes;
  return answer === "y" || answer === "yes";
}

/**
 * stdin, read with `Deno.stdin.read` (not its `readable`, which would lock it for good) so
 * plain lines and masked secrets can follow each other: text typed ahead stays in `#pending`.
 */
class Stdin {
  #pending = "";
  #ended = false;
  #decoder = new TextDecoder();
  #chunk = new Uint8Array(4096);

  /** More input into `#pending`; false at end of input. */
  async #fill(): Promise<boolean> {
    if (this.#ended) return false;
    const n = await Deno.stdin.read(this.#chunk);
    if (n === null) {
      this.#ended = true;
      return false;
    }
    this.#pending += this.#decoder.decode(this.#chunk.subarray(0, n), { stream: true });
    return true;
  }

  /** Next line without its newline, or null at end of input. */
  async line(): Promise<string | null> {
    for (;;) {
      const newline = this.#pending.indexOf("\n");
      if (newline >= 0) {
        const line = this.#pending.slice(0, newline).replace(/\r$/, "");
        this.#pending = this.#pending.slice(newline + 1);
        return line;
      }
      if (!(await this.#fill())) {
        const rest = this.#pending;
        this.#pending = "";
        return rest.length > 0 ? rest : null;
      }
    }
  }

  /**
   * One line read from the terminal in raw mode, echoing `*` per character: Enter ends it,
   * Backspace removes one, Ctrl-C exits (130), Ctrl-D on an empty line is end of input.
   */
  async secret(prompt: string, write: (text: string) => void): Promise<string | null> {
    Deno.stdin.setRaw(true);
    write(prompt);
    const chars: string[] = [];
    try {
      for (;;) {
        if (this.#pending === "" && !(await this.#fill())) {
          return chars.length > 0 ? chars.join("") : null;
        }
        const [char = ""] = this.#pending;
        this.#pending = this.#pending.slice(char.length);
        if (char === "\r" || char === "\n") {
          // A CRLF typed ahead: the LF belongs to this line too.
          if (char === "\r" && this.#pending.startsWith("\n")) {
            this.#pending = this.#pending.slice(1);
          }
          write("\r\n");
          return chars.join("");
        }
        if (char === "\x03") {
          Deno.stdin.setRaw(false);
          write("^C\r\n");
          Deno.exit(130);
        }
        if (char === "\x04" && chars.length === 0) {
          write("\r\n");
          return null;
        }
        if (char === "\x7f" || char === "\b") {
          if (chars.pop() !== undefined) write("\b \b");
        } else if (char >= " ") {
          chars.push(char);
          write("*");
        }
      }
    } finally {
      Deno.stdin.setRaw(false);
    }
  }
}

function writeAll(stream: { writeSync(p: Uint8Array): number }, bytes: Uint8Array): void {
  for (let done = 0; done < bytes.length;) done += stream.writeSync(bytes.subarray(done));
}

/** The real terminal, environment and process. */
export function realContext(): CliContext {
  const encoder = new TextEncoder();
  const stdin = new Stdin();
  const write = (text: string) => writeAll(Deno.stdout, encoder.encode(text));
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
    readLine: () => stdin.line(),
    readSecret: (prompt) => {
      if (Deno.stdin.isTerminal()) return stdin.secret(prompt, write);
      write(prompt);
      return stdin.line();
    },
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
