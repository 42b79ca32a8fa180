/**
 * Custom runner (`--runner-bin PATH`): any program that reads the prompt on stdin and writes its
 * answer on stdout. It runs with cwd = the project directory; exit 0 = ok, anything else is an
 * error carrying the last lines of its stderr. No resume: `continue` is up to the program.
 *
 * @module
 */
import type { ProcessExit } from "../process/spawn.ts";
import {
  binPreflight,
  defaultGetEnv,
  exitReason,
  resolveBin,
  runCli,
  type StreamParser,
} from "./cli_runner.ts";
import type { Runner, RunnerEnv, RunnerSettings, RunRequest, RunResult } from "./runner.ts";

const STDERR_TAIL_LINES = 5;

/** Streams stdout as is. */
class PassThrough implements StreamParser {
  readonly resume = null;
  push(text: string): string[] {
    return [text];
  }
  finish(exit: ProcessExit): RunResult {
    if (exit.code === 0 && !exit.signal) return { status: "ok", resume: null };
    const how = exitReason("the runner", { ...exit, stderrTail: [] });
    const tail = exit.stderrTail.map((l) => l.trimEnd()).filter(Boolean).slice(-STDERR_TAIL_LINES);
    return {
      status: "error",
      reason: tail.length ? `${how}:\n${tail.join("\n")}` : how,
      resume: null,
    };
  }
}

/** Runs a user-supplied program; the prompt goes to its stdin, then EOF. */
export class CustomRunner implements Runner {
  readonly name = "custom" as const;

  constructor(private readonly settings: RunnerSettings, private readonly env: RunnerEnv) {}

  run(req: RunRequest): AsyncGenerator<string, RunResult, void> {
    if (!this.settings.bin) return missingBin();
    const bin = resolveBin(this.settings.bin);
    return runCli(
      {
        cmd: bin,
        args: this.settings.extraArgs ?? [],
        // We cannot enforce anything inside an arbitrary program: it is told the mode to honour.
        env: { REMOTEAGENT_PERMISSION_MODE: this.settings.permissionMode ?? "auto" },
        stdin: req.prompt,
        output: "text",
        stderrTailLines: STDERR_TAIL_LINES,
      },
      new PassThrough(),
      req,
      this.env.killGraceMs,
    );
  }

  preflight(): Promise<string | null> {
    if (!this.settings.bin) return Promise.resolve("the custom runner needs --runner-bin PATH");
    return binPreflight(
      this.settings.bin,
      "custom runner",
      this.env.getEnv ?? defaultGetEnv,
      "check --runner-bin",
    );
  }
}

// deno-lint-ignore require-yield -- a runner that fails before producing output
async function* missingBin(): AsyncGenerator<string, RunResult, void> {
  return { status: "error", reason: "the custom runner needs --runner-bin PATH", resume: null };
}
