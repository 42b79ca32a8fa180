/**
 * What Claude Code's tool calls (as its permission prompt tool receives them) mean to the
 * permission policy, with what to show the person: the command line and its description, or the
 * file path with a diff stat and the first lines of the change.
 *
 * @module
 */
import { isAbsolute, relative } from "node:path";
import type { ActionDetails } from "./gate.ts";
import { kindOfTool, type ToolAction } from "./policy.ts";
import { diffHead, splitLines as lines } from "./excerpt.ts";

/** The action and details of one Claude Code tool call. */
export function claudeCodeAction(
  toolName: string,
  input: Record<string, unknown>,
  projectDir: string,
): { action: ToolAction; details: ActionDetails } {
  const str = (key: string) => (typeof input[key] === "string" ? input[key] as string : "");
  const kind = kindOfTool(toolName);
  if (kind === "command") {
    return {
      action: { tool: toolName, kind, target: str("command") },
      details: { why: str("description") || null },
    };
  }
  if (kind === "edit" || kind === "read") {
    const raw = str("file_path") || str("notebook_path") || str("path");
    const path = raw && isAbsolute(raw) ? relative(projectDir, raw) || "." : raw;
    if (kind === "read") return { action: { tool: toolName, kind, target: path }, details: {} };
    const { removed, added } = changeOf(toolName, input);
    return {
      action: { tool: toolName, kind, target: path },
      details: {
        what: `${path} (+${added.length} −${removed.length})`,
        detail: diffHead(removed, added),
      },
    };
  }
  const target = str("url") || str("query") || JSON.stringify(input).slice(0, 300);
  return { action: { tool: toolName, kind, target }, details: {} };
}

function changeOf(tool: string, input: Record<string, unknown>) {
  if (tool === "Write") return { removed: [], added: lines(input.content) };
  if (tool === "MultiEdit" && Array.isArray(input.edits)) {
    const edits = input.edits as Record<string, unknown>[];
    return {
      removed: edits.flatMap((e) => lines(e.old_string)),
      added: edits.flatMap((e) => lines(e.new_string)),
    };
  }
  if (tool === "NotebookEdit") return { removed: [], added: lines(input.new_source) };
  return { removed: lines(input.old_string), added: lines(input.new_string) };
}
