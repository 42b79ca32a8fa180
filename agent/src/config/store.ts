/**
 * The agent's files: the global `config.json` and one file per paired agent under `agents/`.
 * Every read validates and fixes permissions; every write is atomic and private.
 */
import type { z } from "zod";
import { ConfigError, messageOf } from "../errors.ts";
import { joinPath } from "./paths.ts";
import { AGENT_ID_PATTERN, quickAgentConfig, quickGlobalConfig } from "./quick_parse.ts";
import type { AgentConfig, GlobalConfig } from "./schema.ts";
import { ensureSecureDir, readSecureJson, type Warn, writeSecureJson } from "./secure_file.ts";

const SESSIONS_SUFFIX = ".sessions.json";

/** Access to `~/.remoteagent` (or `$REMOTEAGENT_HOME`). */
export class ConfigStore {
  /** @param home the agent's home directory; @param warn receives permission warnings */
  constructor(readonly home: string, readonly warn: Warn) {}

  /** Path of the global settings file. */
  get configPath(): string {
    return joinPath(this.home, "config.json");
  }

  /** Directory holding one file per agent. */
  get agentsDir(): string {
    return joinPath(this.home, "agents");
  }

  /** Where the runners keep conversations for `continue`. */
  get conversationsDir(): string {
    return joinPath(this.home, "conversations");
  }

  /** Path of an agent's file. */
  agentPath(agentId: string): string {
    return joinPath(this.agentsDir, `${safeId(agentId)}.json`);
  }

  /** Path of an agent's resume-handle file. */
  sessionsPath(agentId: string): string {
    return joinPath(this.agentsDir, `${safeId(agentId)}${SESSIONS_SUFFIX}`);
  }

  /** The global settings; empty when the file does not exist yet. */
  async loadGlobal(): Promise<GlobalConfig> {
    await this.checkDirs();
    const raw = await readSecureJson(this.configPath, this.warn);
    if (raw === null) return {};
    return quickGlobalConfig(raw) ?? await parse((s) => s.globalConfigSchema, raw, this.configPath);
  }

  /** Replace the global settings. */
  async saveGlobal(config: GlobalConfig): Promise<void> {
    await ensureSecureDir(this.home, this.warn);
    await writeSecureJson(this.configPath, config, this.warn);
  }

  /** Every agent configured on this machine, sorted by name. */
  async listAgents(): Promise<AgentConfig[]> {
    await this.checkDirs();
    const agents: AgentConfig[] = [];
    let entries: Deno.DirEntry[];
    try {
      entries = await Array.fromAsync(Deno.readDir(this.agentsDir));
    } catch (error) {
      if (error instanceof Deno.errors.NotFound) return [];
      throw new ConfigError(`cannot read ${this.agentsDir}: ${messageOf(error)}`, { cause: error });
    }
    for (const entry of entries) {
      if (!entry.isFile || !entry.name.endsWith(".json")) continue;
      if (entry.name.endsWith(SESSIONS_SUFFIX) || entry.name.startsWith(".")) continue;
      const path = joinPath(this.agentsDir, entry.name);
      const raw = await readSecureJson(path, this.warn);
      if (raw !== null) agents.push(await parseAgent(raw, path));
    }
    return agents.sort((a, b) => a.name.localeCompare(b.name));
  }

  /** One agent by id, or null. */
  async loadAgent(agentId: string): Promise<AgentConfig | null> {
    const path = this.agentPath(agentId);
    const raw = await readSecureJson(path, this.warn);
    return raw === null ? null : await parseAgent(raw, path);
  }

  /** Create or replace an agent's file. */
  async saveAgent(agent: AgentConfig): Promise<void> {
    await ensureSecureDir(this.home, this.warn);
    await writeSecureJson(this.agentPath(agent.agentId), agent, this.warn);
  }

  /** Delete an agent's files (its settings and its resume handles). */
  async deleteAgent(agentId: string): Promise<void> {
    for (const path of [this.agentPath(agentId), this.sessionsPath(agentId)]) {
      await Deno.remove(path).catch((error) => {
        if (!(error instanceof Deno.errors.NotFound)) {
          throw new ConfigError(`cannot delete ${path}: ${messageOf(error)}`, { cause: error });
        }
      });
    }
  }

  /** The agent with this name (case-insensitive), or null. */
  async findByName(name: string): Promise<AgentConfig | null> {
    const wanted = name.trim().toLowerCase();
    return (await this.listAgents()).find((a) => a.name.toLowerCase() === wanted) ?? null;
  }

  /** The agent whose project directory is `dir` or its nearest ancestor, or null. */
  async findForDir(dir: string): Promise<AgentConfig | null> {
    const real = await realPath(dir);
    let best: AgentConfig | null = null;
    for (const agent of await this.listAgents()) {
      const root = agent.projectDir.replace(/[\\/]+$/, "");
      const inside = real === root || real.startsWith(root + "/") || real.startsWith(root + "\\");
      if (inside && (!best || root.length > best.projectDir.length)) best = agent;
    }
    return best;
  }

  /** Warn about and fix loose permissions of the directories that exist. */
  private async checkDirs(): Promise<void> {
    for (const dir of [this.home, this.agentsDir]) {
      try {
        await ensureSecureDirIfExists(dir, this.warn);
      } catch (error) {
        throw new ConfigError(`cannot check ${dir}: ${messageOf(error)}`, { cause: error });
      }
    }
  }
}

async function ensureSecureDirIfExists(dir: string, warn: Warn): Promise<void> {
  try {
    await Deno.stat(dir);
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return;
    throw error;
  }
  await ensureSecureDir(dir, warn);
}

/** Canonical absolute path (symlinks resolved) of an existing directory. */
export async function realPath(dir: string): Promise<string> {
  try {
    return await Deno.realPath(dir);
  } catch (error) {
    throw new ConfigError(`cannot resolve the directory ${dir}: ${messageOf(error)}`, {
      cause: error,
    });
  }
}

function safeId(agentId: string): string {
  if (!AGENT_ID_PATTERN.test(agentId)) throw new ConfigError(`malformed agent id '${agentId}'`);
  return agentId;
}

async function parseAgent(raw: unknown, path: string): Promise<AgentConfig> {
  return quickAgentConfig(raw) ?? await parse((s) => s.agentConfigSchema, raw, path);
}

type Schemas = typeof import("./schema.ts");

/** zod's verdict on a file the quick path did not accept: its value, or an error naming it. */
async function parse<T>(
  pick: (schemas: Schemas) => z.ZodType<T>,
  raw: unknown,
  path: string,
): Promise<T> {
  const schemas = await import("./schema.ts");
  const result = pick(schemas).safeParse(raw);
  if (!result.success) {
    throw new ConfigError(
      `${path} is not a valid remoteagent file (${
        schemas.describeIssues(result.error)
      }): fix it or run \`remoteagent init\` again`,
    );
  }
  return result.data;
}
