/** Where the agent keeps its files: `~/.remoteagent`, or `$REMOTEAGENT_HOME` when set. */
import { ConfigError } from "../errors.ts";

/** Reads an environment variable; injected so tests never touch the real environment. */
export type EnvReader = (name: string) => string | undefined;

/** The agent's home directory for the given environment. */
export function remoteagentHome(env: EnvReader): string {
  const override = env("REMOTEAGENT_HOME");
  if (override) return override;
  const home = env("HOME") ?? env("USERPROFILE");
  if (!home) {
    throw new ConfigError(
      "cannot find the home directory: set HOME (or REMOTEAGENT_HOME) to where ~/.remoteagent should live",
    );
  }
  return joinPath(home, ".remoteagent");
}

/** Joins path segments with the platform separator (enough for our flat layout). */
export function joinPath(...parts: string[]): string {
  const sep = Deno.build.os === "windows" ? "\\" : "/";
  return parts
    .map((
      part,
      i,
    ) => (i === 0 ? part.replace(/[\\/]+$/, "") : part.replace(/^[\\/]+|[\\/]+$/g, "")))
    .filter((part, i) => i === 0 || part.length > 0)
    .join(sep);
}

/** Last segment of a path. */
export function baseName(path: string): string {
  const parts = path.split(/[\\/]+/).filter(Boolean);
  return parts[parts.length - 1] ?? path;
}

/** Directory part of a path. */
export function dirName(path: string): string {
  const cut = Math.max(path.lastIndexOf("/"), path.lastIndexOf("\\"));
  return cut <= 0 ? (cut === 0 ? path.slice(0, 1) : ".") : path.slice(0, cut);
}
