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

/** Runs `codex exec`; resume handle = the Codex `thread_id`. */
export class CodexRunner implements Runner {
  readonly name = "codex" as const;
  readonly #bin: string;

  constructor(private readonly settings: RunnerSettings, private readonly env: RunnerEnv) {
    this.#bin = resolveBin(settings.bin ?? "codex");
  }

  /** The argument list for one task. */
  args(req: Pick<RunRequest, "prompt" | "resume">): string[] {
    const args = ["exec", "--json", "--full-auto", "--skip-git-repo-check"];
    if (this.settings.model) args.push("-m", this.settings.model);
    args.push(...this.settings.extraArgs ?? []);
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
