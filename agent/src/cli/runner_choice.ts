/**
 * Choosing a runner and its settings for `init`: from flags, or by asking on a terminal.
 * Credentials go to `config.json` (machine-wide) or the agent's file, never anywhere else.
 */
import { type RunnerName, RUNNERS } from "@remoteagent/shared/protocol.ts";
import { API_KEY_ENV, globalKeyField, runnerSettingsFor } from "../config/runner_settings.ts";
import type { AgentConfig, GlobalConfig, StoredRunnerSettings } from "../config/schema.ts";
import { RunnerSetupError, UsageError } from "../errors.ts";
import { ask, askUntil, BadAnswer, type CliContext, say } from "./context.ts";

/** The runner-related flags of `init`. */
export interface RunnerFlags {
  runner?: string;
  "runner-bin"?: string;
  model?: string;
  "api-key-env"?: string;
  "base-url"?: string;
}

/** Executable each CLI runner uses when none is given. */
const DEFAULT_BIN: Partial<Record<RunnerName, string>> = {
  "claude-code": "claude",
  codex: "codex",
  gemini: "gemini",
  aider: "aider",
};

/** A runner name, or a `UsageError` that lists the valid ones. */
export function parseRunner(name: string): RunnerName {
  const wanted = name.trim().toLowerCase();
  if ((RUNNERS as readonly string[]).includes(wanted)) return wanted as RunnerName;
  throw new UsageError(`unknown runner '${name}': use one of ${RUNNERS.join(", ")}`);
}

/** True when flags ask for a change of runner settings. */
export function hasRunnerFlags(flags: RunnerFlags): boolean {
  return Object.values(flags).some((v) => v !== undefined);
}

/**
 * Settle the runner and its settings. `current` (re-running `init`) supplies defaults; the
 * returned global config holds a newly given machine-wide key.
 */
export async function chooseRunner(
  ctx: CliContext,
  flags: RunnerFlags,
  global: GlobalConfig,
  current: StoredRunnerSettings | null,
): Promise<{ settings: StoredRunnerSettings; global: GlobalConfig }> {
  const hasAnthropicKey = Boolean(global.anthropicApiKey || ctx.env("ANTHROPIC_API_KEY"));
  let runner: RunnerName;
  if (flags.runner !== undefined) runner = parseRunner(flags.runner);
  else {
    const fallback = current?.runner ?? (hasAnthropicKey ? "claude-sdk" : undefined);
    if (!ctx.interactive) {
      if (!fallback) {
        throw new UsageError(
          `--runner is required (no Anthropic API key is configured): use one of ${
            RUNNERS.join(", ")
          }`,
        );
      }
      runner = fallback;
    } else {
      runner = await askUntil(ctx, `Runner (${RUNNERS.join(", ")})`, fallback ?? "", (answer) => {
        if (!answer) throw new BadAnswer(`choose a runner: one of ${RUNNERS.join(", ")}`);
        return parseRunner(answer);
      });
    }
  }
  const keep = current?.runner === runner ? current : null;
  const settings: StoredRunnerSettings = { runner };
  const extraArgs = keep?.extraArgs;
  if (extraArgs) settings.extraArgs = extraArgs;

  const bin = flags["runner-bin"] ?? await askBin(ctx, runner, keep?.bin);
  if (bin) settings.bin = bin;
  if (runner === "custom" && !settings.bin) {
    throw new UsageError("the custom runner needs --runner-bin PATH (the program to run)");
  }
  const model = flags.model ??
    (ctx.interactive && runner !== "custom"
      ? await ask(ctx, "Model (empty for the runner's default)", keep?.model ?? "")
      : keep?.model);
  if (model) settings.model = model;
  if (flags["base-url"] !== undefined) settings.baseUrl = checkedUrl(flags["base-url"]);
  else if (ctx.interactive && runner === "openclaw") {
    const question = "Gateway URL (empty for the local default)";
    const baseUrl = await askUntil(ctx, question, keep?.baseUrl ?? "", (a) => a && checkedUrl(a));
    if (baseUrl) settings.baseUrl = baseUrl;
  } else if (keep?.baseUrl) settings.baseUrl = keep.baseUrl;
  if (keep?.apiKey) settings.apiKey = keep.apiKey;

  return { settings, global: await settleKey(ctx, flags, global, settings) };
}

async function askBin(ctx: CliContext, runner: RunnerName, current?: string) {
  if (!ctx.interactive) return current;
  if (runner === "custom") {
    return await askUntil(ctx, "Program to run (gets the prompt on stdin)", current ?? "", (a) => {
      if (!a) throw new BadAnswer("the custom runner needs a program: give its path");
      return a;
    });
  }
  const bin = DEFAULT_BIN[runner];
  if (!bin) return current;
  const answer = await ask(ctx, `Path of the ${runner} executable`, current ?? bin);
  return answer === bin ? undefined : answer;
}

function checkedUrl(raw: string): string {
  try {
    const url = new URL(raw);
    if (url.protocol === "http:" || url.protocol === "https:") return raw.replace(/\/+$/, "");
  } catch { /* fall through */ }
  throw new UsageError(`the base URL '${raw}' is not an http(s) URL`);
}

/** Put the runner's API key where it belongs: `--api-key-env`, the environment, or a question. */
async function settleKey(
  ctx: CliContext,
  flags: RunnerFlags,
  global: GlobalConfig,
  settings: StoredRunnerSettings,
): Promise<GlobalConfig> {
  const field = globalKeyField(settings.runner);
  const store = (key: string): GlobalConfig => {
    if (field) return { ...global, [field]: key };
    settings.apiKey = key;
    return global;
  };
  const variable = flags["api-key-env"];
  if (variable !== undefined) {
    const key = ctx.env(variable)?.trim();
    if (!key) {
      throw new UsageError(`--api-key-env ${variable}: that environment variable is not set`);
    }
    return store(key);
  }
  if (settings.runner !== "claude-sdk" || global.anthropicApiKey) return global;
  const fromEnv = ctx.env(API_KEY_ENV["claude-sdk"]!)?.trim();
  if (fromEnv) {
    say(
      ctx,
      "Using the Anthropic API key from ANTHROPIC_API_KEY (stored in config.json, mode 0600).",
    );
    return store(fromEnv);
  }
  if (!ctx.interactive) {
    throw new UsageError(
      "the claude-sdk runner needs an Anthropic API key: set ANTHROPIC_API_KEY or pass --api-key-env VAR",
    );
  }
  const typed = await askUntil(
    ctx,
    "Anthropic API key (typing is hidden; kept in ~/.remoteagent/config.json, mode 0600)",
    "",
    (answer) => {
      if (!answer) throw new BadAnswer("the claude-sdk runner needs an Anthropic API key");
      return answer;
    },
    { secret: true },
  );
  return store(typed);
}

/** Run the runner's own check; a problem becomes a `RunnerSetupError`. */
export async function preflightRunner(
  ctx: CliContext,
  agent: Pick<AgentConfig, "runner">,
  global: GlobalConfig,
  conversationsDir: string,
): Promise<void> {
  const settings = runnerSettingsFor(agent as AgentConfig, global);
  const runner = ctx.createRunner(settings, {
    getEnv: ctx.env,
    fetch: ctx.fetch,
    conversationsDir,
  });
  const problem = await runner.preflight();
  if (problem) throw new RunnerSetupError(`the ${settings.runner} runner is not ready: ${problem}`);
}
