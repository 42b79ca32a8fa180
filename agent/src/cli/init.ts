/** `remoteagent init`: pair this project directory with the relay, or change its runner. */
import { DOMAIN_ERRORS } from "@remoteagent/shared/errors.ts";
import { normalizePairingCode } from "@remoteagent/shared/pairing-code.ts";
import { agentName, type PermissionMode, permissionMode } from "@remoteagent/shared/schemas.ts";
import { baseName } from "../config/paths.ts";
import type { AgentConfig, GlobalConfig } from "../config/schema.ts";
import { type ConfigStore, realPath } from "../config/store.ts";
import { createApiClient } from "../connection/client.ts";
import { PairingError, UsageError } from "../errors.ts";
import { parseCommandArgs } from "./args.ts";
import { type Command, storeFor } from "./command.ts";
import { askUntil, BadAnswer, type CliContext, confirm, paint, say } from "./context.ts";
import { approveInBrowser, redeemCode } from "./pairing.ts";
import {
  chooseRunner,
  hasRunnerFlags,
  preflightRunner,
  type RunnerFlags,
} from "./runner_choice.ts";
import { checkHealth, normalizeServerUrl, type ServerInfo } from "./server.ts";

const OPTIONS = {
  server: { type: "string" },
  code: { type: "string" },
  name: { type: "string" },
  runner: { type: "string" },
  "runner-bin": { type: "string" },
  model: { type: "string" },
  "api-key-env": { type: "string" },
  "base-url": { type: "string" },
  "permission-mode": { type: "string" },
} as const;

const HELP = `Usage: remoteagent init [options]

Pair the current directory with your RemoteAgent account. Without --code it shows a link
(and its QR code): open it signed in to the dashboard and approve, and the agent receives its
token. On a terminal, asks for whatever is not given as an option; without a terminal,
--server is required.
Run it again in a paired directory to change the runner (no new code needed).

Options:
  --server URL         address of the RemoteAgent server (https://…)
  --code CODE          pairing code from the dashboard ("Add agent") instead of the link
  --name NAME          name of this agent (default: the directory's name)
  --runner R           claude-sdk, claude-code, codex, gemini, aider, openclaw or custom
                       (default: claude-sdk when an Anthropic API key is configured)
  --runner-bin PATH    the runner's executable (required for custom)
  --model M            model for the runner
  --api-key-env VAR    read the runner's API key from environment variable VAR now and store
                       it (claude-sdk also reads ANTHROPIC_API_KEY)
  --base-url URL       API or gateway address (claude-sdk, openclaw)
  --permission-mode M  for a new agent: ask (default: tool calls wait for your approval in
                       Telegram), accept-edits (file edits allowed, everything else asks) or
                       auto (nothing asks); 'remoteagent config' changes it later
  -h, --help           show this help

Files: ~/.remoteagent/config.json and ~/.remoteagent/agents/<id>.json (directory 0700,
files 0600; REMOTEAGENT_HOME moves them).`;

/** The `init` command. */
export const initCommand: Command = {
  name: "init",
  help: HELP,
  async run(argv, ctx) {
    const { values } = parseCommandArgs("init", argv, OPTIONS);
    if (values.help) return (say(ctx, HELP), 0);
    const store = storeFor(ctx);
    const global = await store.loadGlobal();
    const projectDir = await realPath(ctx.cwd);
    const existing = (await store.listAgents()).find((a) => a.projectDir === projectDir) ?? null;
    if (existing && values.code === undefined) {
      return await changeRunner(ctx, store, existing, global, values);
    }
    await pair(ctx, store, global, projectDir, existing, values);
    return 0;
  },
};

async function changeRunner(
  ctx: CliContext,
  store: ConfigStore,
  agent: AgentConfig,
  global: GlobalConfig,
  flags: RunnerFlags,
): Promise<number> {
  const what =
    `this directory already has the agent '${agent.name}' (runner ${agent.runner.runner})`;
  if (!hasRunnerFlags(flags)) {
    if (!ctx.interactive) {
      throw new UsageError(
        `${what}: pass --runner (with --model, --runner-bin) to change its runner, or --code to pair a new agent`,
      );
    }
    say(ctx, what[0]!.toUpperCase() + what.slice(1) + ".");
    if (!(await confirm(ctx, "Change its runner?", true))) {
      say(ctx, "Nothing changed. To pair a new agent here, run `remoteagent init --code CODE`.");
      return 0;
    }
  }
  const chosen = await chooseRunner(ctx, flags, global, agent.runner);
  await preflightRunner(ctx, { runner: chosen.settings }, chosen.global, store.conversationsDir);
  if (chosen.global !== global) await store.saveGlobal(chosen.global);
  await store.saveAgent({ ...agent, runner: chosen.settings });
  const model = chosen.settings.model ? ` (model ${chosen.settings.model})` : "";
  say(ctx, `Agent '${agent.name}' now uses the ${chosen.settings.runner} runner${model}.`);
  return 0;
}

async function pair(
  ctx: CliContext,
  store: ConfigStore,
  global: GlobalConfig,
  projectDir: string,
  existing: AgentConfig | null,
  values: RunnerFlags & {
    server?: string;
    code?: string;
    name?: string;
    "permission-mode"?: string;
  },
): Promise<void> {
  const others = await store.listAgents();
  const { server, info } = await askServer(ctx, values.server, others[0]?.server);
  let code = await askCode(ctx, values.code);
  const suggested = defaultName(projectDir);
  const name = values.name !== undefined
    ? parseName(values.name)
    : ctx.interactive
    ? await askUntil(ctx, "Agent name", suggested, parseName)
    : parseName(suggested);
  const chosen = await chooseRunner(ctx, values, global, null);
  await preflightRunner(ctx, { runner: chosen.settings }, chosen.global, store.conversationsDir);
  let paired;
  for (;;) {
    if (code === null) {
      paired = await approveInBrowser(ctx, {
        server,
        name,
        runner: chosen.settings.runner,
        hostname: ctx.hostname(),
        directory: projectDir,
        fetch: ctx.fetch,
      });
      break;
    }
    try {
      paired = await redeemCode({
        server,
        code,
        name,
        runner: chosen.settings.runner,
        hostname: ctx.hostname(),
        fetch: ctx.fetch,
      });
      break;
    } catch (error) {
      // A typed code the server refused (unknown, expired, used): ask for another one.
      const retry = ctx.interactive && values.code === undefined &&
        error instanceof PairingError && !/too many/.test(error.message);
      if (!retry) throw error;
      say(ctx, `${paint(ctx, "31", "✗")} ${error.message}`);
      code = await askCode(ctx, undefined);
    }
  }
  if (chosen.global !== global) await store.saveGlobal(chosen.global);
  await store.saveAgent({
    agentId: paired.agentId,
    name: paired.name,
    server,
    token: paired.token,
    projectDir,
    accountName: paired.accountName,
    runner: chosen.settings,
    permissions: { mode: parsePermissionMode(values["permission-mode"]) ?? "ask", allow: [] },
    createdAt: new Date().toISOString(),
  });
  if (existing) await replace(ctx, store, existing);
  say(
    ctx,
    `${
      paint(ctx, "32", "✓")
    } Paired: agent '${paired.name}' of ${paired.accountName}, runner ${chosen.settings.runner}.`,
  );
  say(ctx, `Settings: ${store.agentPath(paired.agentId)}`);
  say(ctx, nextSteps(ctx, server, info));
}

/** The last words of a pairing: how to start, and where to send the first prompt. */
export function nextSteps(ctx: CliContext, server: string, info: ServerInfo): string {
  const start =
    "Start it here with: remoteagent start  (or keep it running: remoteagent service install)";
  const then = info.bot
    ? `Then message ${paint(ctx, "1;36", `@${info.bot}`)} on Telegram: https://t.me/${info.bot}`
    : `Then send it a prompt from the dashboard: ${server} (this relay has no Telegram bot yet)`;
  return `${start}\n${then}`;
}

/** The server, from `--server` or asked until it answers as a RemoteAgent relay. */
async function askServer(ctx: CliContext, given: string | undefined, fallback?: string) {
  const parse = async (raw: string) => {
    const server = normalizeServerUrl(raw);
    return { server, info: await checkHealth(ctx.fetch, server) };
  };
  if (given !== undefined) return await parse(given);
  if (!ctx.interactive) throw new UsageError("--server is required when not run on a terminal");
  return await askUntil(ctx, "Server URL", fallback ?? "", parse, { retryDefault: true });
}

function parseCode(raw: string): string {
  if (!raw) {
    throw new BadAnswer("the pairing code is required: the dashboard shows it under Add agent");
  }
  const code = normalizePairingCode(raw);
  if (!code) throw new UsageError(DOMAIN_ERRORS.PAIRING_CODE_MALFORMED.message);
  return code;
}

/** A typed code, or null: approve in the browser instead (device flow, the default). */
async function askCode(ctx: CliContext, given: string | undefined): Promise<string | null> {
  if (given !== undefined) return parseCode(given);
  if (!ctx.interactive) return null;
  return await askUntil(
    ctx,
    "Pairing code from the dashboard (Enter: approve in the browser instead)",
    "",
    (raw) => (raw ? parseCode(raw) : null),
  );
}

function parseName(raw: string): string {
  const name = agentName.safeParse(raw);
  if (!name.success) {
    throw new UsageError(`invalid agent name '${raw}': ${name.error.issues[0]?.message}`);
  }
  return name.data;
}

/** A new pairing replaces the directory's old agent: revoke it (best effort), drop its files. */
async function replace(ctx: CliContext, store: ConfigStore, old: AgentConfig): Promise<void> {
  const client = createApiClient({ server: old.server, token: old.token, fetch: ctx.fetch });
  const revoked = await client.agent.remove.mutate().then(() => true, () => false);
  await store.deleteAgent(old.agentId);
  say(
    ctx,
    revoked
      ? `Replaced the agent '${old.name}' (removed from the dashboard).`
      : `Replaced the agent '${old.name}' locally; delete it on the dashboard if it is still listed.`,
  );
}

/** The --permission-mode value, checked; undefined when not given. */
function parsePermissionMode(raw: string | undefined): PermissionMode | undefined {
  if (raw === undefined) return undefined;
  const parsed = permissionMode.safeParse(raw);
  if (!parsed.success) {
    throw new UsageError(`--permission-mode must be ask, accept-edits or auto, not '${raw}'`);
  }
  return parsed.data;
}

/** An agent name made from the directory's name. */
export function defaultName(projectDir: string): string {
  const cleaned = baseName(projectDir)
    .replace(/[^\p{L}\p{N} ._-]+/gu, "-")
    .replace(/^[^\p{L}\p{N}]+/u, "")
    .slice(0, 40)
    .trim();
  return cleaned || "agent";
}
