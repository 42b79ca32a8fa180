/**
 * aider runner: `aider --message <prompt> --yes-always --no-pretty [--model M]`.
 * `continue` needs no handle: aider restores the chat from the repository's own history file
 * when asked (`--restore-chat-history` via extraArgs).
 *
 * @module
 */
import { binPreflight, defaultGetEnv, promptArg, resolveBin, runCli } from "./cli_runner.ts";
import { AiderParser } from "./aider_parser.ts";
import type { Runner, RunnerEnv, RunnerSettings, RunRequest, RunResult } from "./runner.ts";

/**
 * aider cannot ask us either: `ask` is a dry run (it shows the edits it would make and changes
 * nothing), `accept-edits` applies edits and never runs suggested shell commands, `auto` is the
 * behaviour before modes (`--yes-always`, which still declines shell commands).
 */
export const AIDER_PERMISSIONS = {
  ask: ["--dry-run", "--yes-always", "--no-suggest-shell-commands"],
  "accept-edits": ["--yes-always", "--no-suggest-shell-commands"],
  auto: ["--yes-always"],
} as const;

/** Runs `aider` once per task. */
export class AiderRunner implements Runner {
  readonly name = "aider" as const;
  readonly #bin: string;

  constructor(private readonly settings: RunnerSettings, private readonly env: RunnerEnv) {
    this.#bin = resolveBin(settings.bin ?? "aider");
  }

  /** The argument list for one task. */
  args(req: Pick<RunRequest, "prompt">): string[] {
    const args = [
      "--message",
      promptArg(req.prompt),
      ...AIDER_PERMISSIONS[this.settings.permissionMode ?? "auto"],
      "--no-pretty",
    ];
    if (this.settings.model) args.push("--model", this.settings.model);
    return [...args, ...this.settings.extraArgs ?? []];
  }

  run(req: RunRequest): AsyncGenerator<string, RunResult, void> {
    return runCli(
      { cmd: this.#bin, args: this.args(req), env: this.#keyEnv() },
      new AiderParser(),
      req,
      this.env.killGraceMs,
    );
  }

  preflight(): Promise<string | null> {
    return binPreflight(
      this.#bin,
      "aider",
      this.env.getEnv ?? defaultGetEnv,
      "install it with `pipx install aider-chat`",
    );
  }

  /**
   * An API key given as `provider=key` (aider's `--api-key` syntax) goes into the provider's
   * environment variable, not onto the command line where `ps` would show it.
   */
  #keyEnv(): Record<string, string> {
    const m = /^([A-Za-z][A-Za-z0-9_]*)=(.+)$/.exec(this.settings.apiKey ?? "");
    return m?.[1] && m[2] ? { [`${m[1].toUpperCase()}_API_KEY`]: m[2] } : {};
  }
}
