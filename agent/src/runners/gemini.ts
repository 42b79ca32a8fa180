/**
 * Gemini CLI runner: `gemini -p <prompt> -o stream-json --yolo [-m M] [-r <session_id>]`.
 *
 * @module
 */
import { binPreflight, defaultGetEnv, promptArg, resolveBin, runCli } from "./cli_runner.ts";
import { GeminiParser } from "./gemini_parser.ts";
import type { Runner, RunnerEnv, RunnerSettings, RunRequest, RunResult } from "./runner.ts";

/** Runs the `gemini` CLI headless; resume handle = the Gemini `session_id`. */
export class GeminiRunner implements Runner {
  readonly name = "gemini" as const;
  readonly #bin: string;

  constructor(private readonly settings: RunnerSettings, private readonly env: RunnerEnv) {
    this.#bin = resolveBin(settings.bin ?? "gemini");
  }

  /** The argument list for one task. */
  args(req: Pick<RunRequest, "prompt" | "resume">): string[] {
    const args = ["-p", promptArg(req.prompt), "-o", "stream-json", "--yolo"];
    if (this.settings.model) args.push("-m", this.settings.model);
    if (req.resume) args.push("-r", req.resume);
    return [...args, ...this.settings.extraArgs ?? []];
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
