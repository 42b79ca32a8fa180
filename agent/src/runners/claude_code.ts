/**
 * Claude Code CLI runner: `claude -p <prompt> --output-format stream-json --verbose`.
 *
 * @module
 */
import { binPreflight, defaultGetEnv, promptArg, resolveBin, runCli } from "./cli_runner.ts";
import { ClaudeCodeParser } from "./claude_code_parser.ts";
import type { Runner, RunnerEnv, RunnerSettings, RunRequest, RunResult } from "./runner.ts";

/** Runs the `claude` CLI headless; resume handle = Claude Code's `session_id`. */
export class ClaudeCodeRunner implements Runner {
  readonly name = "claude-code" as const;
  readonly #bin: string;

  constructor(private readonly settings: RunnerSettings, private readonly env: RunnerEnv) {
    this.#bin = resolveBin(settings.bin ?? "claude");
  }

  /** The argument list for one task (exported through the instance for tests and `doctor`). */
  args(req: Pick<RunRequest, "prompt" | "resume">): string[] {
    const extra = this.settings.extraArgs ?? [];
    const args = ["-p", promptArg(req.prompt), "--output-format", "stream-json", "--verbose"];
    if (req.resume) args.push("--resume", req.resume);
    if (this.settings.model) args.push("--model", this.settings.model);
    // Nobody can answer a permission prompt from a phone: accept edits unless told otherwise.
    const permissionChosen = extra.some((a) =>
      a.startsWith("--permission-mode") || a === "--dangerously-skip-permissions"
    );
    if (!permissionChosen) args.push("--permission-mode", "acceptEdits");
    return [...args, ...extra];
  }

  run(req: RunRequest): AsyncGenerator<string, RunResult, void> {
    const env: Record<string, string> = {};
    if (this.settings.apiKey) env.ANTHROPIC_API_KEY = this.settings.apiKey;
    return runCli(
      { cmd: this.#bin, args: this.args(req), env },
      new ClaudeCodeParser(req.projectDir),
      req,
      this.env.killGraceMs,
    );
  }

  preflight(): Promise<string | null> {
    return binPreflight(
      this.#bin,
      "Claude Code",
      this.env.getEnv ?? defaultGetEnv,
      "install it with `npm install -g @anthropic-ai/claude-code`",
    );
  }
}
