/**
 * A zod-free fast path for the files under `~/.remoteagent`. `start` reads them at every launch,
 * and zod (which loads all its locales) would stay in an idle agent's memory for good: about a
 * fifth of its RSS (issue 12).
 *
 * Each function returns exactly what the zod schema of `schema.ts` returns for a file it
 * accepts, and null for anything else: then the caller asks zod, which gives the verdict and
 * the message. It may send zod a file zod accepts (a URL with spaces around it, say), never the
 * other way round. `schema.ts` stays the definition; `quick_parse_test.ts` checks they agree.
 *
 * @module
 */
import { PERMISSION_MODES, RUNNERS } from "@remoteagent/shared/protocol.ts";
import type { AgentConfig, GlobalConfig } from "./schema.ts";

/** Agent ids become file names: only safe characters. */
export const AGENT_ID_PATTERN = /^[A-Za-z0-9_-]{1,80}$/;

/** The shape of `agents/{agentId}.sessions.json` (see `sessionsFileSchema`). */
export interface SessionsFile {
  sessions: { sessionId: string; resume: string }[];
}

type Json = Record<string, unknown>;
type Check = (value: unknown) => boolean;

const isObject = (value: unknown): value is Json =>
  typeof value === "object" && value !== null && !Array.isArray(value);
const isString: Check = (value) => typeof value === "string";
const isText: Check = (value) => typeof value === "string" && value.length > 0;
const oneOf = (values: readonly string[]): Check => (value) =>
  typeof value === "string" && values.includes(value);
const arrayOf = (check: Check): Check => (value) => Array.isArray(value) && value.every(check);
/** What zod's `.url()` keeps as is: no surrounding spaces (it trims), no tab or newline. */
const isUrl: Check = (value) =>
  typeof value === "string" && value === value.trim() && !/[\t\n\r]/.test(value) &&
  URL.canParse(value);

/**
 * Copy `from[key]` into `to` when `check` accepts it; false when it does not, or when a
 * required key is missing. Arrays are copied, as zod does.
 */
function copy(from: Json, to: Json, key: string, check: Check, required = false): boolean {
  const value = from[key];
  if (value === undefined) return !required;
  if (!check(value)) return false;
  to[key] = Array.isArray(value) ? [...value] : value;
  return true;
}

function runnerSettings(raw: unknown): Json | null {
  if (!isObject(raw)) return null;
  const out: Json = {};
  const ok = copy(raw, out, "runner", oneOf(RUNNERS), true) &&
    copy(raw, out, "bin", isText) &&
    copy(raw, out, "model", isText) &&
    copy(raw, out, "baseUrl", isUrl) &&
    copy(raw, out, "apiKey", isText) &&
    copy(raw, out, "extraArgs", arrayOf(isString));
  return ok ? out : null;
}

function permissions(raw: unknown): Json | null {
  if (!isObject(raw)) return null;
  const out: Json = {};
  const ok = copy(raw, out, "mode", oneOf(PERMISSION_MODES), true) &&
    copy(raw, out, "allow", arrayOf(isText));
  return ok ? { ...out, allow: out.allow ?? [] } : null;
}

/** An agent's file as `agentConfigSchema` parses it, or null: ask zod. */
export function quickAgentConfig(raw: unknown): AgentConfig | null {
  if (!isObject(raw)) return null;
  const out: Json = {};
  const ok =
    copy(raw, out, "agentId", (v) => isString(v) && AGENT_ID_PATTERN.test(v as string), true) &&
    copy(raw, out, "name", isText, true) &&
    copy(raw, out, "server", isUrl, true) &&
    copy(raw, out, "token", isText, true) &&
    copy(raw, out, "projectDir", isText, true) &&
    copy(raw, out, "accountName", isString);
  if (!ok) return null;
  const runner = runnerSettings(raw.runner);
  if (!runner) return null;
  out.runner = runner;
  if (raw.permissions !== undefined) {
    const allowed = permissions(raw.permissions);
    if (!allowed) return null;
    out.permissions = allowed;
  }
  return copy(raw, out, "createdAt", isString) ? out as AgentConfig : null;
}

/** `config.json` as `globalConfigSchema` parses it (unknown keys kept), or null: ask zod. */
export function quickGlobalConfig(raw: unknown): GlobalConfig | null {
  if (!isObject(raw)) return null;
  const known: Json = {};
  const ok = copy(raw, known, "anthropicApiKey", isText) &&
    copy(raw, known, "openaiApiKey", isText);
  return ok ? { ...raw } : null;
}

/** A sessions file as `sessionsFileSchema` parses it, or null: ask zod. */
export function quickSessionsFile(raw: unknown): SessionsFile | null {
  if (!isObject(raw) || !Array.isArray(raw.sessions)) return null;
  const sessions: SessionsFile["sessions"] = [];
  for (const entry of raw.sessions) {
    if (!isObject(entry) || !isString(entry.sessionId) || !isString(entry.resume)) return null;
    sessions.push({ sessionId: entry.sessionId as string, resume: entry.resume as string });
  }
  return { sessions };
}
