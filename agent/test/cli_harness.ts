/** A `CliContext` for tests: captured output, scripted answers, a temporary REMOTEAGENT_HOME. */
import type { CliContext } from "../src/cli/context.ts";
import type { Runner } from "../src/runners/runner.ts";
import { createRunner, type RunnerSettings } from "../src/runners/runner.ts";

/** A fake context and what it captured. */
export interface TestCli {
  ctx: CliContext;
  /** Everything written to stdout. */
  out: () => string;
  /** Everything written to stderr. */
  err: () => string;
  /** Settings passed to `createRunner`. */
  runnerSettings: RunnerSettings[];
  /** Send the shutdown signal (Ctrl-C). */
  interrupt: () => void;
  exits: number[];
  /** Answers that were read as secrets (masked on a terminal). */
  secrets: (string | null)[];
}

/** Options of {@link testCli}. */
export interface TestCliOptions {
  cwd: string;
  home: string;
  env?: Record<string, string>;
  /** Lines typed on stdin; a terminal when given. */
  answers?: string[];
  interactive?: boolean;
  stdoutIsTerminal?: boolean;
  /** The runner `createRunner` returns (default: the real factory). */
  runner?: Runner;
  fetch?: typeof fetch;
}

/** Build a test context. */
export function testCli(options: TestCliOptions): TestCli {
  let out = "";
  let err = "";
  const answers = [...(options.answers ?? [])];
  const env: Record<string, string> = { REMOTEAGENT_HOME: options.home, ...options.env };
  const runnerSettings: RunnerSettings[] = [];
  const handlers = new Set<() => void>();
  const exits: number[] = [];
  const secrets: (string | null)[] = [];
  const ctx: CliContext = {
    cwd: options.cwd,
    env: (name) => env[name],
    stdout: (text) => void (out += text),
    stderr: (text) => void (err += text),
    interactive: options.interactive ?? options.answers !== undefined,
    stdoutIsTerminal: options.stdoutIsTerminal ?? false,
    columns: () => 80,
    readLine: () => Promise.resolve(answers.length > 0 ? answers.shift()! : null),
    readSecret: (prompt) => {
      out += prompt;
      secrets.push(answers[0] ?? null);
      return Promise.resolve(answers.length > 0 ? answers.shift()! : null);
    },
    hostname: () => "test-host",
    fetch: options.fetch ?? fetch,
    onShutdownSignal(handler) {
      handlers.add(handler);
      return () => handlers.delete(handler);
    },
    createRunner: (settings, runnerEnv) => {
      runnerSettings.push(settings);
      return options.runner ?? createRunner(settings, runnerEnv);
    },
    exit: (code) => void exits.push(code),
  };
  return {
    ctx,
    out: () => out,
    err: () => err,
    runnerSettings,
    interrupt: () => handlers.forEach((h) => h()),
    exits,
    secrets,
  };
}

/** A fresh temporary directory, removed by the returned cleanup. */
export async function tempDir(
  prefix = "remoteagent-test-",
): Promise<{ path: string; cleanup: () => Promise<void> }> {
  const path = await Deno.realPath(await Deno.makeTempDir({ prefix }));
  return { path, cleanup: () => Deno.remove(path, { recursive: true }) };
}
