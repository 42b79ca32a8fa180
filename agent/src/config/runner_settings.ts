/** Turn stored settings into what `createRunner` needs, filling in the global credentials. */
import type { RunnerSettings } from "../runners/runner.ts";
import type { AgentConfig, GlobalConfig } from "./schema.ts";

/** Environment variable each runner's own key is conventionally read from, if any. */
export const API_KEY_ENV: Partial<Record<RunnerSettings["runner"], string>> = {
  "claude-sdk": "ANTHROPIC_API_KEY",
  openclaw: "OPENAI_API_KEY",
};

/** The global-config field holding the key a runner uses, if any. */
export function globalKeyField(
  runner: RunnerSettings["runner"],
): "anthropicApiKey" | "openaiApiKey" | null {
  if (runner === "claude-sdk") return "anthropicApiKey";
  if (runner === "openclaw") return "openaiApiKey";
  return null;
}

/** Settings for `createRunner`: the agent's own, with the machine-wide key when it has none. */
export function runnerSettingsFor(agent: AgentConfig, global: GlobalConfig): RunnerSettings {
  const settings: RunnerSettings = {
    ...agent.runner,
    permissionMode: agent.permissions?.mode ?? "auto",
  };
  const field = globalKeyField(settings.runner);
  if (!settings.apiKey && field && global[field]) settings.apiKey = global[field];
  return settings;
}

/** Whether a runner needs an API key from us to work at all. */
export function needsApiKey(runner: RunnerSettings["runner"]): boolean {
  return runner === "claude-sdk";
}
