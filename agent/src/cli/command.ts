/** The shape of a subcommand, and helpers every command shares. */
import { ConfigStore } from "../config/store.ts";
import { remoteagentHome } from "../config/paths.ts";
import type { AgentConfig } from "../config/schema.ts";
import { ConfigError, UsageError } from "../errors.ts";
import { type CliContext, warn } from "./context.ts";

/**
 * A `remoteagent` subcommand; it owns its help text (its one-line summary is in the list of
 * commands, `dispatch.ts`, which does not load it to show the list).
 */
export interface Command {
  name: string;
  /** Full `--help` text. */
  help: string;
  /** Run with the arguments after the command name; resolves to the exit code. */
  run(argv: string[], ctx: CliContext): Promise<number>;
}

/** The config store for this context (honours REMOTEAGENT_HOME), warning on stderr. */
export function storeFor(ctx: CliContext): ConfigStore {
  return new ConfigStore(remoteagentHome(ctx.env), (message) => warn(ctx, message));
}

/**
 * The agent a command acts on: by name when given, else the one whose project directory
 * contains the current directory.
 */
export async function selectAgent(
  ctx: CliContext,
  store: ConfigStore,
  name: string | undefined,
): Promise<AgentConfig> {
  if (name !== undefined) {
    const agent = await store.findByName(name);
    if (agent) return agent;
    const names = (await store.listAgents()).map((a) => a.name);
    throw new UsageError(
      names.length === 0
        ? `no agent named '${name}': no agent is configured on this machine (run \`remoteagent init\` in a project directory)`
        : `no agent named '${name}' (configured: ${names.join(", ")})`,
    );
  }
  const agent = await store.findForDir(ctx.cwd);
  if (agent) return agent;
  throw new ConfigError(
    `no agent is configured for ${ctx.cwd}: run \`remoteagent init\` here, or name one (see \`remoteagent list\`)`,
  );
}
