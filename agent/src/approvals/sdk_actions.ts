/**
 * What the built-in SDK runner's tool calls mean to the permission policy: `write_file` and
 * `edit_file` are edits (with a diff stat and the first lines of the change for the person),
 * `run_command` is a command, the rest only read.
 *
 * @module
 */
import type { Obj } from "../runners/json.ts";
import type { ActionDetails } from "./gate.ts";
import type { ToolAction } from "./policy.ts";

/** Lines of a change shown in an approval request. */
const DETAIL_LINES = 12;

/** The action and details of one SDK tool call; null for tools that only read. */
export function sdkAction(
  name: string,
  input: Obj,
): { action: ToolAction; details: ActionDetails } | null {
  const str = (key: string) => (typeof input[key] === "string" ? input[key] as string : "");
  const path = str("path").replace(/^\.\//, "");
  switch (name) {
    case "run_command":
      return { action: { tool: "Bash", kind: "command", target: str("command") }, details: {} };
    case "write_file": {
      const lines = splitLines(str("content"));
      return {
        action: { tool: "Write", kind: "edit", target: path },
        details: { what: `${path} (+${lines.length})`, detail: diffHead([], lines) },
      };
    }
    case "edit_file": {
      const removed = splitLines(str("old_string"));
      const added = splitLines(str("new_string"));
      return {
        action: { tool: "Edit", kind: "edit", target: path },
        details: {
          what: `${path} (+${added.length} −${removed.length})`,
          detail: diffHead(removed, added),
        },
      };
    }
    default:
      return null;
  }
}

function splitLines(text: string): string[] {
  if (!text) return [];
  const lines = text.split("\n");
  if (lines.at(-1) === "") lines.pop();
  return lines;
}

/** The first lines of a change as a unified-diff-like excerpt. */
function diffHead(removed: string[], added: string[]): string | null {
  const lines = [...removed.map((l) => `- ${l}`), ...added.map((l) => `+ ${l}`)];
  if (lines.length === 0) return null;
  const head = lines.slice(0, DETAIL_LINES).map((
    l,
  ) => (l.length > 150 ? l.slice(0, 149) + "…" : l));
  if (lines.length > DETAIL_LINES) head.push(`… ${lines.length - DETAIL_LINES} more lines`);
  return head.join("\n");
}
