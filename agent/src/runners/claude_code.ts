/**
 * Claude Code CLI runner: `claude -p <prompt> --output-format stream-json --verbose`.
 *
 * @module
 */
import { binPreflight, defaultGetEnv, promptArg, resolveBin, runCli } from "./cli_runner.ts";
import { ClaudeCodeParser } from "./claude_code_parser.ts";
import type { Runner, RunnerEnv, RunnerSettings, RunRequest, RunResult } from "./runner.ts";
import {
  PERMISSION_PROMPT_TOOL,
  selfCommand,
  startPromptBridge,
} from "../approvals/prompt_bridge.ts";

/** Runs the `claude` CLI headless; resume handle = Claude Code's `session_id`. */
export class ClaudeCodeRunner implements Runner {
  readonly name = "claude-code" as const;
  readonly #bin: string;

  constructor(private readonly settings: RunnerSettings, private readonly env: RunnerEnv) {
    this.#bin = resolveBin(settings.bin ?? "claude");
  }

  /** The argument list for one task (exported through the instance for tests and `doctor`). */
  args(req: Pick<RunRequest, "prompt" | "resume">, mcpConfigPath: string | null = null): string[] {
    const extra = this.settings.extraArgs ?? [];
    const args = ["-p", promptArg(req.prompt), "--output-format", "stream-json", "--verbose"];
    if (req.resume) args.push("--resume", req.resume);
    if (this.settings.model) args.push("--model", this.settings.model);
    const permissionChosen = extra.some((a) =>
      a.startsWith("--permission-mode") || a === "--dangerously-skip-permissions"
    );
    if (mcpConfigPath !== null) {
      // ask / accept-edits: what Claude Code's rules do not settle goes to a person (issue 10).
      const mode = this.settings.permissionMode === "accept-edits" ? "acceptEdits" : "default";
      if (!permissionChosen) args.push("--permission-mode", mode);
      args.push("--mcp-config", mcpConfigPath, "--permission-prompt-tool", PERMISSION_PROMPT_TOOL);
    } else if (!permissionChosen) {
      // auto: nobody is asked; edits are accepted and anything else is refused (as before modes).
      args.push("--permission-mode", "acceptEdits");
    }
    return [...args, ...extra];
  }

  async *run(req: RunRequest): AsyncGenerator<string, RunResult, void> {
    const env: Record<string, string> = {};
    if (this.settings.apiKey) env.ANTHROPIC_API_KEY = this.settings.apiKey;
    const asks = req.gate && (this.settings.permissionMode ?? "auto") !== "auto";
    const bridge = asks
      ? await startPromptBridge(req.gate!, req.projectDir, this.env.selfCommand ?? selfCommand())
      : null;
    try {
      return yield* runCli(
        { cmd: this.#bin, args: this.args(req, bridge?.mcpConfigPath ?? null), env },
        new ClaudeCodeParser(req.projectDir),
        req,
        this.env.killGraceMs,
      );
    } finally {
      await bridge?.close();
    }
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
