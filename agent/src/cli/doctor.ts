/**
 * `remoteagent doctor`: check everything `start` needs, one line per check. Secrets are never
 * printed: a credential is only ever "set" or "missing".
 */
import { API_KEY_ENV, globalKeyField, runnerSettingsFor } from "../config/runner_settings.ts";
import type { AgentConfig, GlobalConfig } from "../config/schema.ts";
import type { ConfigStore } from "../config/store.ts";
import { createApiClient } from "../connection/client.ts";
import { revocationOf } from "../connection/failures.ts";
import { messageOf } from "../errors.ts";
import { parseCommandArgs } from "./args.ts";
import { type Command, selectAgent, storeFor } from "./command.ts";
import { type CliContext, paint, say } from "./context.ts";
import { healthProblem, networkProblem } from "./server.ts";
import { DEFAULT_OPENCLAW_URL } from "../runners/openclaw.ts";

const HELP = `Usage: remoteagent doctor [NAME]

Check the agent of the current directory (or the agent called NAME): file permissions,
server reachable, token accepted, runner ready, credentials present. Exits 1 if any fails.
Never prints a secret.

Options:
  -h, --help   show this help`;

type Check = { ok: boolean; label: string; detail: string };

/** The `doctor` command. */
export const doctorCommand: Command = {
  name: "doctor",
  help: HELP,
  async run(argv, ctx) {
    const { values, positionals } = parseCommandArgs("doctor", argv, {}, 1);
    if (values.help) return (say(ctx, HELP), 0);
    const store = storeFor(ctx);
    const checks: Check[] = [];
    const report = (check: Check) => {
      checks.push(check);
      const mark = check.ok ? paint(ctx, "32", "ok  ") : paint(ctx, "31", "FAIL");
      say(ctx, `${mark} ${check.label}: ${check.detail}`);
    };
    // Loading fixes loose permissions (with a warning) before they are checked.
    const global = await store.loadGlobal();
    const agent = await selectAgent(ctx, store, positionals[0]);
    for (
      const path of [store.home, store.agentsDir, store.configPath, store.agentPath(agent.agentId)]
    ) {
      report(await permissionCheck(path));
    }
    const unreachable = await healthProblem(ctx.fetch, agent.server);
    report({
      ok: !unreachable,
      label: "server",
      detail: unreachable ?? `${agent.server} is reachable`,
    });
    if (!unreachable) report(await tokenCheck(ctx, agent));
    report(await runnerCheck(ctx, store, agent, global));
    report(await credentialCheck(ctx, agent, global));
    return checks.every((c) => c.ok) ? 0 : 1;
  },
};

async function permissionCheck(path: string): Promise<Check> {
  const label = `permissions of ${path}`;
  try {
    const info = await Deno.stat(path);
    if (info.mode === null) return { ok: true, label, detail: "not applicable on this system" };
    const mode = info.mode & 0o777;
    const text = "0" + mode.toString(8);
    return (mode & 0o077) === 0
      ? { ok: true, label, detail: text }
      : { ok: false, label, detail: `${text}: group or others can access it (run chmod go-rwx)` };
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) {
      return { ok: true, label, detail: "not created yet" };
    }
    return { ok: false, label, detail: messageOf(error) };
  }
}

async function tokenCheck(ctx: CliContext, agent: AgentConfig): Promise<Check> {
  const client = createApiClient({ server: agent.server, token: agent.token, fetch: ctx.fetch });
  try {
    await client.agent.me.query();
    return { ok: true, label: "token", detail: "accepted by the server" };
  } catch (error) {
    const revoked = revocationOf(error);
    return { ok: false, label: "token", detail: revoked ? revoked.message : messageOf(error) };
  }
}

async function runnerCheck(
  ctx: CliContext,
  store: ConfigStore,
  agent: AgentConfig,
  global: GlobalConfig,
): Promise<Check> {
  const settings = runnerSettingsFor(agent, global);
  const label = `runner ${settings.runner}`;
  try {
    const runner = ctx.createRunner(settings, {
      getEnv: ctx.env,
      fetch: ctx.fetch,
      conversationsDir: store.conversationsDir,
    });
    const problem = await runner.preflight();
    return { ok: !problem, label, detail: problem ?? "ready" };
  } catch (error) {
    return { ok: false, label, detail: messageOf(error) };
  }
}

async function credentialCheck(
  ctx: CliContext,
  agent: AgentConfig,
  global: GlobalConfig,
): Promise<Check> {
  const runner = agent.runner.runner;
  const field = globalKeyField(runner);
  const variable = API_KEY_ENV[runner];
  const label = `API key for ${runner}`;
  if (!field && !agent.runner.apiKey) {
    return { ok: true, label, detail: "none needed here (the runner uses its own login)" };
  }
  const found: [string, string] | null = agent.runner.apiKey
    ? [agent.runner.apiKey, "agent file"]
    : field && global[field]
    ? [global[field]!, "config.json"]
    : variable && ctx.env(variable)
    ? [ctx.env(variable)!, variable]
    : null;
  if (!found) {
    // openclaw gateways often need no key: only claude-sdk cannot work without one.
    const needed = runner === "claude-sdk";
    return {
      ok: !needed,
      label,
      detail: needed ? "missing (run `remoteagent init` again)" : "not set",
    };
  }
  const [key, where] = found;
  const verdict = await verifyKey(ctx, agent, key);
  return { ok: verdict.ok, label, detail: `set (${where}), ${verdict.detail}` };
}

/** How long the provider gets to answer a key check. */
const KEY_CHECK_TIMEOUT_MS = 5_000;

/**
 * Ask the provider whether it accepts the key (`GET /v1/models`, which costs nothing). Only a
 * 401/403 fails the check: unreachable or any other answer is "not verified".
 */
export async function verifyKey(
  ctx: CliContext,
  agent: AgentConfig,
  key: string,
): Promise<{ ok: boolean; detail: string }> {
  const anthropic = agent.runner.runner === "claude-sdk";
  const base = (agent.runner.baseUrl ??
    (anthropic
      ? ctx.env("ANTHROPIC_BASE_URL") ?? "https://api.anthropic.com"
      : DEFAULT_OPENCLAW_URL))
    .replace(/\/+$/, "");
  const provider = anthropic ? "the Anthropic API" : `the gateway at ${base}`;
  const headers: Record<string, string> = anthropic
    ? { "x-api-key": key, "anthropic-version": "2023-06-01" }
    : { authorization: `Bearer ${key}` };
  let response: Response;
  try {
    response = await ctx.fetch(`${base}/v1/models`, {
      headers,
      signal: AbortSignal.timeout(KEY_CHECK_TIMEOUT_MS),
    });
  } catch (error) {
    return { ok: true, detail: `not verified (${networkProblem(error, base)})` };
  }
  await response.body?.cancel();
  if (response.status === 401 || response.status === 403) {
    return { ok: false, detail: `rejected by ${provider} (${response.status}): check the key` };
  }
  if (response.ok) return { ok: true, detail: `accepted by ${provider}` };
  return { ok: true, detail: `not verified (${provider} answered ${response.status})` };
}
