/**
 * Gemini CLI runner: `gemini -p <prompt> -o stream-json --yolo [-m M] [-r <session_id>]`.
 *
 * @module
 */
import { binPreflight, defaultGetEnv, promptArg, resolveBin, runCli } from "./cli_runner.ts";
import { GeminiParser } from "./gemini_parser.ts";
import type { Runner, RunnerEnv, RunnerSettings, RunRequest, RunResult } from "./runner.ts";

/**
 * Gemini CLI cannot ask us, so each mode maps to its own approval mode. Headless, `default`
 * leaves out every tool that would need a confirmation (shell, file writes): only reading
 * remains; `auto_edit` allows edits and still refuses the shell; `--yolo` allows everything.
 */
export const GEMINI_APPROVAL = {
  ask: ["--approval-mode", "default"],
  "accept-edits": ["--approval-mode", "auto_edit"],
  auto: ["--yolo"],
} as const;

/** Runs the `gemini` CLI headless; resume handle = the Gemini `session_id`. */
export class GeminiRunner implements Runner {
  readonly name = "gemini" as const;
  readonly #bin: string;

  constructor(private readonly settings: RunnerSettings, private readonly env: RunnerEnv) {
    this.#bin = resolveBin(settings.bin ?? "gemini");
  }

  /** The argument list for one task. */
  args(req: Pick<RunRequest, "prompt" | "resume">): string[] {
    const args = ["-p", promptArg(req.prompt), "-o", "stream-json"];
    const extra = this.settings.extraArgs ?? [];
    if (!extra.some((a) => a === "--yolo" || a === "-y" || a.startsWith("--approval-mode"))) {
      args.push(...GEMINI_APPROVAL[this.settings.permissionMode ?? "auto"]);
    }
    if (this.settings.model) args.push("-m", this.settings.model);
    if (req.resume) args.push("-r", req.resume);
    return [...args, ...extra];
  }

  run(req: RunRequest): AsyncGenerator<string, RunResult, void> {
    const env: Record<string, string> = {};
    if (this.settings.apiKey) env.GEMINI_API_KEY = this.settings.apiKey;
    return runCli(
      { cmd: this.#bin, args: this.args(req), env },
      new GeminiParser(req.projectDir),
      req,
      this.env.killGraceMs,
    );
  }

  preflight(): Promise<string | null> {
    return binPreflight(
      this.#bin,
      "Gemini CLI",
      this.env.getEnv ?? defaultGetEnv,
      "install it with `npm install -g @google/gemini-cli`",
    );
  }
}
