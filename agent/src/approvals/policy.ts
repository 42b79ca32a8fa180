/**
 * What a runner may do without asking, per agent: the permission mode chosen at `init` and the
 * rules a person allowed "always" (kept in the agent's local config, never on the relay), plus
 * what was allowed for the running task. Rules use Claude Code's syntax: `Bash(npm test:*)`
 * (a command and anything after it), `Bash(make lint)` (exactly that command), `Edit(src/**)`
 * (a path glob; Edit covers every tool that writes files), or a bare tool name (anything).
 *
 * @module
 */
import type { PermissionMode } from "@remoteagent/shared/schemas.ts";

export type { PermissionMode };

/** What kind of thing a tool call does, which decides what a mode allows by itself. */
export type ActionKind = "read" | "edit" | "command" | "other";

/** One tool call, as the policy sees it. */
export interface ToolAction {
  /** Claude Code's tool name (Bash, Edit, Write, Read, WebFetch, …); the SDK runner maps to these. */
  tool: string;
  kind: ActionKind;
  /** The command line (command), the path relative to the project (read/edit), or a summary. */
  target: string;
}

/** Tools whose rules are path globs, and which of them an `Edit(...)` rule covers. */
const EDIT_TOOLS = new Set(["Edit", "Write", "MultiEdit", "NotebookEdit"]);
const READ_TOOLS = new Set(["Read", "Glob", "Grep", "LS", "NotebookRead"]);

/**
 * Shell syntax that chains or redirects commands: a prefix rule never allows these (Claude Code
 * does the same), so `Bash(npm test:*)` does not allow `npm test && curl … | sh`.
 */
const SHELL_CONTROL = /[;&|`<>\n\r]|\$\(/;

/** The kind of a Claude Code tool. */
export function kindOfTool(tool: string): ActionKind {
  if (tool === "Bash") return "command";
  if (EDIT_TOOLS.has(tool)) return "edit";
  if (READ_TOOLS.has(tool)) return "read";
  return "other";
}

/** Whether the mode lets this kind of action run without asking. */
export function modeAllows(mode: PermissionMode, kind: ActionKind): boolean {
  if (mode === "auto" || kind === "read") return true;
  return mode === "accept-edits" && kind === "edit";
}

/** A rule split into tool and specifier; null when malformed. */
export function parseRule(rule: string): { tool: string; spec: string | null } | null {
  const m = /^([A-Za-z][\w-]*)(?:\((.+)\))?$/s.exec(rule.trim());
  if (!m) return null;
  return { tool: m[1]!, spec: m[2] ?? null };
}

/** Whether `rule` allows `action`. */
export function ruleMatches(rule: string, action: ToolAction): boolean {
  const parsed = parseRule(rule);
  if (!parsed) return false;
  const sameTool = parsed.tool === action.tool ||
    (parsed.tool === "Edit" && EDIT_TOOLS.has(action.tool));
  if (!sameTool) return false;
  if (parsed.spec === null) return true;
  if (action.kind === "command") return commandMatches(parsed.spec, action.target);
  if (action.kind === "edit" || action.kind === "read") {
    return globMatches(parsed.spec, action.target);
  }
  return parsed.spec === action.target;
}

function commandMatches(spec: string, command: string): boolean {
  const cmd = command.trim().replace(/[ \t]+/g, " ");
  if (spec.endsWith(":*")) {
    if (SHELL_CONTROL.test(cmd)) return false;
    const prefix = spec.slice(0, -2).trim().replace(/\s+/g, " ");
    return cmd === prefix || cmd.startsWith(prefix + " ");
  }
  return cmd === spec.trim().replace(/\s+/g, " ");
}

/** `**` any number of path segments, `*` within one segment, `?` one character. */
export function globMatches(glob: string, path: string): boolean {
  const clean = path.replace(/^\.\//, "");
  if (clean.startsWith("../") || clean === ".." || clean.startsWith("/")) return false;
  let re = "";
  for (let i = 0; i < glob.length; i++) {
    const c = glob[i]!;
    if (c === "*" && glob[i + 1] === "*") {
      const slash = glob[i + 2] === "/";
      re += slash ? "(?:.*/)?" : ".*";
      i += slash ? 2 : 1;
    } else if (c === "*") re += "[^/]*";
    else if (c === "?") re += "[^/]";
    else re += c.replace(/[.+^${}()|[\]\\]/g, "\\$&");
  }
  return new RegExp(`^${re}$`).test(clean.replace(/^\.\//, ""));
}

/**
 * The rule "Always allow" proposes: for a command, its program and subcommand (`npm test:*`), or
 * the exact command line when it chains commands; for a file, its directory (`Edit(src/**)`).
 */
export function suggestRule(action: ToolAction): string | null {
  if (action.kind === "command") {
    const cmd = action.target.trim().replace(/[ \t]+/g, " ");
    if (!cmd) return null;
    if (SHELL_CONTROL.test(cmd)) return cmd.length <= 70 ? `Bash(${cmd})` : null;
    const words = cmd.split(" ");
    const second = words[1];
    // A subcommand (`npm test`, `git status`) is kept; an argument (`touch a.txt`, `ls -la`) is not.
    const head = second !== undefined && /^[a-z][a-z0-9:-]*$/.test(second)
      ? `${words[0]} ${second}`
      : words[0]!;
    return `Bash(${head}:*)`.length <= 80 ? `Bash(${head}:*)` : null;
  }
  if (action.kind === "edit") {
    const dir = action.target.includes("/")
      ? action.target.slice(0, action.target.lastIndexOf("/"))
      : "";
    const rule = dir ? `Edit(${dir}/**)` : `Edit(${action.target})`;
    return rule.length <= 80 ? rule : null;
  }
  if (action.kind === "other") return action.tool.length <= 80 ? action.tool : null;
  return null;
}

/** A permission mode and the rules allowed always; decides whether a call needs a person. */
export class Policy {
  /** @param mode the agent's mode; @param always rules from its local config (grows as people allow more) */
  constructor(readonly mode: PermissionMode, readonly always: string[] = []) {}

  /** Add an "always" rule (the caller saves it). */
  allowAlways(rule: string): void {
    if (!this.always.includes(rule)) this.always.push(rule);
  }

  /** "allow" when the mode, a saved rule or a rule allowed for this task covers the call. */
  decide(action: ToolAction, taskRules: readonly string[] = []): "allow" | "ask" {
    if (modeAllows(this.mode, action.kind)) return "allow";
    if ([...this.always, ...taskRules].some((rule) => ruleMatches(rule, action))) return "allow";
    return "ask";
  }
}
