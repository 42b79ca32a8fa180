/**
 * The one interface every AI runner implements, and the factory that picks one from settings.
 * The factory loads the runner it names (and that runner's SDK) only when it is first used: an
 * idle agent carries none of the others (issue 12).
 *
 * @module
 */
import type { PermissionGate } from "../approvals/gate.ts";
import type { PermissionMode } from "../approvals/policy.ts";

/** Every runner name, in the order shown to users. Defined once here (candidate for `shared/`). */
export const RUNNER_NAMES = [
  "claude-sdk",
  "claude-code",
  "codex",
  "gemini",
  "aider",
  "openclaw",
  "custom",
] as const;

/** Name of a runner implementation. */
export type RunnerName = typeof RUNNER_NAMES[number];

/** True when `name` is a known runner name. */
export function isRunnerName(name: string): name is RunnerName {
  return (RUNNER_NAMES as readonly string[]).includes(name);
}

/** One task for a runner. */
export interface RunRequest {
  prompt: string;
  /** Absolute; the runner's cwd / sandbox root. */
  projectDir: string;
  /** Abort = stop the task. */
  signal: AbortSignal;
  /**
   * Set when the user said `continue`: the runner's own resume handle from the previous task
   * (session_id / thread_id / conversation file key), or null.
   */
  resume: string | null;
  /**
   * Asks a person before tool calls the permission mode does not allow (absent: the runner
   * allows everything, as in `auto`).
   */
  gate?: PermissionGate;
}

/** How a task ended; `resume` is the handle to keep for a later `continue`. */
export type RunResult =
  | { status: "ok"; resume: string | null }
  | { status: "error"; reason: string; resume: string | null }
  | { status: "aborted"; resume: string | null };

/** An AI runner. */
export interface Runner {
  readonly name: RunnerName;
  /**
   * Streams human-readable output chunks (Markdown text) while running; the generator's return
   * value is the result. Never throws for runner failures: they become `{ status: 'error' }`.
   */
  run(req: RunRequest): AsyncGenerator<string, RunResult, void>;
  /**
   * Quick check for `init`/`start`/`doctor`: binary present / gateway reachable / key
   * configured. Returns null when fine, else a one-line reason.
   */
  preflight(): Promise<string | null>;
}

/** User settings that select and configure a runner. */
export interface RunnerSettings {
  runner: RunnerName;
  /** Executable path or name (CLI runners, `custom`). */
  bin?: string;
  model?: string;
  /** API / gateway base URL (`claude-sdk`, `openclaw`). */
  baseUrl?: string;
  apiKey?: string;
  /** Appended to the CLI's arguments (before the prompt). */
  extraArgs?: string[];
  /** How much the runner may do without asking (default `auto`, the behaviour before modes). */
  permissionMode?: PermissionMode;
}

/** Injectable environment (tests, and the agent's own paths). All fields optional. */
export interface RunnerEnv {
  /** `fetch` used for HTTP runners. */
  fetch?: typeof fetch;
  /** Environment variable lookup (default `Deno.env.get`). */
  getEnv?: (name: string) => string | undefined;
  /** Where `claude-sdk`/`openclaw` keep conversations for `continue` (default `~/.remoteagent/conversations`). */
  conversationsDir?: string;
  /** SIGTERM → SIGKILL grace period for subprocess trees, in ms (default 5000). */
  killGraceMs?: number;
  /** Tool-loop bound for `claude-sdk` (default 50). */
  maxTurns?: number;
  /** Default timeout of `run_command` in `claude-sdk`, in ms (default 120000). */
  commandTimeoutMs?: number;
  /** Retries of the Anthropic SDK on 429/5xx (default 2). */
  anthropicMaxRetries?: number;
  /**
   * How to start this program again as `remoteagent permission-prompt` (the MCP server behind
   * Claude Code's permission prompts); default: from `Deno.execPath()` and `Deno.mainModule`.
   */
  selfCommand?: string[];
}

/**
 * Builds the runner that `settings.runner` names. Its module is imported on the first
 * `preflight()` or `run()`, not here.
 */
export function createRunner(settings: RunnerSettings, env: RunnerEnv = {}): Runner {
  return new LazyRunner(settings.runner, () => loadRunner(settings, env));
}

/**
 * Imports one runner's module and builds it. Every specifier is a string literal, so
 * `deno compile` still finds and embeds each of them.
 */
async function loadRunner(settings: RunnerSettings, env: RunnerEnv): Promise<Runner> {
  switch (settings.runner) {
    case "claude-sdk":
      return new (await import("./claude_sdk.ts")).ClaudeSdkRunner(settings, env);
    case "claude-code":
      return new (await import("./claude_code.ts")).ClaudeCodeRunner(settings, env);
    case "codex":
      return new (await import("./codex.ts")).CodexRunner(settings, env);
    case "gemini":
      return new (await import("./gemini.ts")).GeminiRunner(settings, env);
    case "aider":
      return new (await import("./aider.ts")).AiderRunner(settings, env);
    case "openclaw":
      return new (await import("./openclaw.ts")).OpenClawRunner(settings, env);
    case "custom":
      return new (await import("./custom.ts")).CustomRunner(settings, env);
  }
}

/** A runner whose implementation is loaded (once) by its first call. */
class LazyRunner implements Runner {
  #runner: Promise<Runner> | null = null;

  constructor(readonly name: RunnerName, private readonly load: () => Promise<Runner>) {}

  async preflight(): Promise<string | null> {
    return await (await this.#loaded()).preflight();
  }

  async *run(req: RunRequest): AsyncGenerator<string, RunResult, void> {
    return yield* (await this.#loaded()).run(req);
  }

  #loaded(): Promise<Runner> {
    return this.#runner ??= this.load();
  }
}
