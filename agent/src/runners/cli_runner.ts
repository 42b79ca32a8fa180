/**
 * Shared plumbing of the CLI runners: spawn the tool in the project directory, feed its stdout
 * to a format-specific parser, and turn the way it ended into a {@link RunResult}.
 *
 * @module
 */
import { isAbsolute, resolve } from "node:path";
import { findExecutable } from "../process/which.ts";
import { type ProcessExit, spawnTree } from "../process/spawn.ts";
import type { RunRequest, RunResult } from "./runner.ts";

/** Turns one tool's stdout into chunks, and its end into a result. */
export interface StreamParser {
  /** Chunks to emit for one stdout line (or text piece in `text` mode). */
  push(line: string): string[];
  /** Chunks to emit once stdout has closed (flush buffered state). */
  end?(): string[];
  /** Resume handle learned from the stream so far. */
  readonly resume: string | null;
  /** The result for a process that ran and was not aborted. */
  finish(exit: ProcessExit): RunResult;
}

/** A command line to run. */
export interface CliInvocation {
  cmd: string;
  args: string[];
  env?: Record<string, string>;
  stdin?: string;
  output?: "lines" | "text";
  stderrTailLines?: number;
}

/** Runs `inv` for `req`, streaming what `parser` makes of its output. */
export async function* runCli(
  inv: CliInvocation,
  parser: StreamParser,
  req: RunRequest,
  graceMs: number | undefined,
): AsyncGenerator<string, RunResult, void> {
  const proc = spawnTree({
    cmd: inv.cmd,
    args: inv.args,
    cwd: req.projectDir,
    env: inv.env,
    stdin: inv.stdin,
    output: inv.output,
    signal: req.signal,
    graceMs,
    stderrTailLines: inv.stderrTailLines,
  });
  let exit: ProcessExit;
  try {
    while (true) {
      const next = await proc.next();
      if (next.done) {
        exit = next.value;
        break;
      }
      for (const chunk of parser.push(next.value)) if (chunk) yield chunk;
    }
    for (const chunk of parser.end?.() ?? []) if (chunk) yield chunk;
  } finally {
    // If our consumer stopped early, this ends the process tree.
    await proc.return(undefined as never);
  }
  const resume = parser.resume ?? req.resume;
  if (exit.spawnError) return { status: "error", reason: exit.spawnError, resume: req.resume };
  if (exit.aborted) return { status: "aborted", resume };
  return parser.finish(exit);
}

/** A one-line reason for a process that failed: exit code or signal, and its last stderr line. */
export function exitReason(label: string, exit: ProcessExit): string {
  const how = exit.signal
    ? `${label} was killed by ${exit.signal}`
    : `${label} exited with code ${exit.code}`;
  const last = lastMeaningful(exit.stderrTail);
  return last ? `${how}: ${last}` : how;
}

/** The last non-blank line of `lines`, trimmed and cut to 300 characters. */
export function lastMeaningful(lines: string[]): string | undefined {
  for (let i = lines.length - 1; i >= 0; i--) {
    const l = lines[i]?.trim();
    if (l) return l.length > 300 ? l.slice(0, 299) + "…" : l;
  }
  return undefined;
}

/** Preflight for a CLI runner: null when `bin` is an executable (on PATH), else a reason. */
export async function binPreflight(
  bin: string,
  label: string,
  getEnv: (name: string) => string | undefined,
  installHint: string,
): Promise<string | null> {
  const found = await findExecutable(bin, getEnv("PATH"));
  return found
    ? null
    : `${label} not found: \`${bin}\` is not an executable on PATH (${installHint})`;
}

/**
 * A prompt passed as a positional argument must not look like an option: a leading space keeps
 * `-foo` from being parsed as a flag and changes nothing for the model.
 */
export function promptArg(prompt: string): string {
  return prompt.startsWith("-") ? " " + prompt : prompt;
}

/** `Deno.env.get` that does not throw without --allow-env. */
export function defaultGetEnv(name: string): string | undefined {
  try {
    return Deno.env.get(name);
  } catch {
    return undefined;
  }
}

/**
 * A configured binary with a directory part is made absolute against the agent's working
 * directory, because the runner's process starts in the project directory.
 */
export function resolveBin(bin: string): string {
  const hasDir = bin.includes("/") || (Deno.build.os === "windows" && bin.includes("\\"));
  return hasDir && !isAbsolute(bin) ? resolve(bin) : bin;
}
