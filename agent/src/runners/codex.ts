/**
 * OpenAI Codex CLI runner: `codex exec --json --full-auto --skip-git-repo-check [-m M] <prompt>`,
 * and for `continue` the same exec flags followed by `resume <thread_id> <prompt>` (flags are
 * not carried over by Codex, and `resume` itself rejects most of them, so they go before it).
 *
 * @module
 */
import { binPreflight, defaultGetEnv, promptArg, resolveBin, runCli } from "./cli_runner.ts";
import { CodexParser } from "./codex_parser.ts";
import type { Runner, RunnerEnv, RunnerSettings, RunRequest, RunResult } from "./runner.ts";

/**
 * `codex exec` never asks anyone, so each mode maps to a sandbox: `read-only` (commands run, but
 * cannot write files or reach the network), `workspace-write` (writes inside the project only,
 * no network), `--full-auto` (as before modes: workspace-write with on-request approvals).
 */
export const CODEX_SANDBOX = {
  ask: ["--sandbox", "read-only"],
  "accept-edits": ["--sandbox", "workspace-write"],
  auto: ["--full-auto"],
} as const;

/** Runs `codex exec`; resume handle = the Codex `thread_id`. */
export class CodexRunner implements Runner {
  readonly name = "codex" as const;
  readonly #bin: string;

  constructor(private readonly settings: RunnerSettings, private readonly env: RunnerEnv) {
    this.#bin = resolveBin(settings.bin ?? "codex");
  }

  /** The argument list for one task. */
  args(req: Pick<RunRequest, "prompt" | "resume">): string[] {
    const args = ["exec", "--json"];
    const extra = this.settings.extraArgs ?? [];
    const chosen = extra.some((a) =>
      a === "--full-auto" || a === "-s" || a.startsWith("--sandbox") ||
      a === "--dangerously-bypass-approvals-and-sandbox"
    );
    if (!chosen) args.push(...CODEX_SANDBOX[this.settings.permissionMode ?? "auto"]);
    args.push("--skip-git-repo-check");
    if (this.settings.model) args.push("-m", this.settings.model);
    args.push(...extra);
    if (req.resume) args.push("resume", req.resume);
    args.push(promptArg(req.prompt));
    return args;
  }

  run(req: RunRequest): AsyncGenerator<string, RunResult, void> {
    const env: Record<string, string> = {};
    if (this.settings.apiKey) env.CODEX_API_KEY = this.settings.apiKey;
    return runCli(
      { cmd: this.#bin, args: this.args(req), env },
      new CodexParser(req.projectDir),
      req,
      this.env.killGraceMs,
    );
  }

  preflight(): Promise<string | null> {
    return binPreflight(
      this.#bin,
      "Codex CLI",
      this.env.getEnv ?? defaultGetEnv,
      "install it with `npm install -g @openai/codex`",
    );
  }
}
