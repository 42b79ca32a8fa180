/**
 * Shapes of the files under `~/.remoteagent`, validated on every load. Loading goes through
 * the zod-free `quick_parse.ts` first: this module (and zod) is imported only for a file that
 * path does not accept, and by the commands that write the files.
 */
import { z } from "zod";
import { permissionMode, runnerName } from "@remoteagent/shared/schemas.ts";
import { AGENT_ID_PATTERN } from "./quick_parse.ts";

/** Settings of the runner one agent drives (mirrors `RunnerSettings` of the runners). */
export const runnerSettingsSchema = z.object({
  runner: runnerName,
  bin: z.string().min(1).optional(),
  model: z.string().min(1).optional(),
  baseUrl: z.string().url().optional(),
  apiKey: z.string().min(1).optional(),
  extraArgs: z.array(z.string()).optional(),
});
/** What `runners/runner.ts` receives, as stored. */
export type StoredRunnerSettings = z.infer<typeof runnerSettingsSchema>;

/**
 * `~/.remoteagent/config.json`: settings shared by every agent of this machine. Unknown keys
 * are kept so an older agent does not drop what a newer one wrote.
 */
export const globalConfigSchema = z.looseObject({
  anthropicApiKey: z.string().min(1).optional(),
  openaiApiKey: z.string().min(1).optional(),
});
export type GlobalConfig = z.infer<typeof globalConfigSchema>;

/** Agent ids become file names: only safe characters. */
export const agentIdSchema = z.string().regex(AGENT_ID_PATTERN, "malformed agent id");

/** `~/.remoteagent/agents/{agentId}.json`: one paired agent. */
export const agentConfigSchema = z.object({
  agentId: agentIdSchema,
  name: z.string().min(1),
  /** Base URL of the relay, without a trailing slash. */
  server: z.string().url(),
  token: z.string().min(1),
  /** Absolute, real path of the project directory the runner works in. */
  projectDir: z.string().min(1),
  accountName: z.string().optional(),
  runner: runnerSettingsSchema,
  /**
   * Approvals (issue 10): the permission mode and the rules a person allowed "always". Absent
   * in agents paired before modes existed: they keep running as `auto`.
   */
  permissions: z.object({
    mode: permissionMode,
    allow: z.array(z.string().min(1)).default([]),
  }).optional(),
  createdAt: z.string().optional(),
});
export type AgentConfig = z.infer<typeof agentConfigSchema>;

/** `~/.remoteagent/agents/{agentId}.sessions.json`: resume handles for `continue`. */
export const sessionsFileSchema = z.object({
  sessions: z.array(z.object({ sessionId: z.string(), resume: z.string() })),
});

/** One line naming the first problem of a failed validation. */
export function describeIssues(error: z.ZodError): string {
  const issue = error.issues[0];
  if (!issue) return "invalid";
  const where = issue.path.length > 0 ? `${issue.path.join(".")}: ` : "";
  return `${where}${issue.message}`;
}
