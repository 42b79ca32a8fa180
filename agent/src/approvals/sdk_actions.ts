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
import { diffHead, splitLines } from "./excerpt.ts";

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
