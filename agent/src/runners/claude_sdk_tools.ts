/**
 * Tool definitions and dispatch of the built-in SDK runner. File tools are confined to the
 * project directory; a refused or failed call becomes a `tool_result` with `is_error: true`.
 *
 * @module
 */
import type Anthropic from "@anthropic-ai/sdk";
import { codeTail, warningLine } from "./format.ts";
import {
  editFile,
  listFiles,
  message,
  readFile,
  searchFiles,
  ToolError,
  writeFile,
} from "./fs_tools.ts";
import { num, type Obj, str } from "./json.ts";
import { runCommand } from "./run_command.ts";
import { PathOutsideProjectError, resolveInProject } from "./sandbox.ts";
import { TELEGRAM_UPLOAD_LIMIT } from "@remoteagent/shared/protocol.ts";
import { copyToOutbox } from "../review/inbox.ts";

/** The tools offered to the model. */
export const TOOLS: Anthropic.Tool[] = [
  tool("list_files", "List the entries of a directory of the project (directories end with /).", {
    path: { type: "string", description: "Directory relative to the project root (default .)" },
    recursive: { type: "boolean", description: "List subdirectories too" },
  }, []),
  tool("read_file", "Read a text file of the project, with line numbers.", {
    path: { type: "string" },
    offset: { type: "integer", description: "First line to read, 1-based" },
    limit: { type: "integer", description: "Number of lines (max 2000)" },
  }, ["path"]),
  tool("search_files", "Search the project's text files for a substring or regular expression.", {
    pattern: { type: "string" },
    path: { type: "string", description: "File or directory to search (default .)" },
    regex: { type: "boolean", description: "Treat pattern as a JavaScript regular expression" },
  }, ["pattern"]),
  tool("write_file", "Create or overwrite a file of the project.", {
    path: { type: "string" },
    content: { type: "string" },
  }, ["path", "content"]),
  tool(
    "edit_file",
    "Replace an exact string in a file; old_string must be unique unless replace_all.",
    {
      path: { type: "string" },
      old_string: { type: "string" },
      new_string: { type: "string" },
      replace_all: { type: "boolean" },
    },
    ["path", "old_string", "new_string"],
  ),
  tool(
    "run_command",
    "Run a shell command in the project directory; returns exit code and output.",
    {
      command: { type: "string" },
      timeout_seconds: { type: "integer", description: "Default 120, max 600" },
    },
    ["command"],
  ),
  tool(
    "send_file",
    "Send a file of the project to the user's chat as a document when the task ends (at most 50 MB).",
    { path: { type: "string", description: "File relative to the project root" } },
    ["path"],
  ),
];

/** Where and how tools run. */
export interface ToolContext {
  projectDir: string;
  signal: AbortSignal;
  commandTimeoutMs: number;
  killGraceMs?: number;
}

/** A tool's answer for the model and extra lines for the user. */
export interface ToolOutcome {
  content: string;
  isError: boolean;
  /** Markdown blocks shown after the tool's summary line. */
  display: string[];
}

/** Executes one tool call; never throws. */
export async function executeTool(
  name: string,
  input: Obj,
  ctx: ToolContext,
): Promise<ToolOutcome> {
  try {
    return await dispatch(name, input, ctx);
  } catch (err) {
    const text = err instanceof PathOutsideProjectError || err instanceof ToolError
      ? err.message
      : `${name} failed: ${message(err)}`;
    return { content: text, isError: true, display: [warningLine(text)] };
  }
}

async function dispatch(name: string, input: Obj, ctx: ToolContext): Promise<ToolOutcome> {
  const root = ctx.projectDir;
  const ok = (content: string): ToolOutcome => ({ content, isError: false, display: [] });
  switch (name) {
    case "list_files":
      return ok(await listFiles(root, str(input.path) ?? ".", input.recursive === true));
    case "read_file":
      return ok(await readFile(root, need(input, "path"), num(input.offset), num(input.limit)));
    case "search_files":
      return ok(
        await searchFiles(
          root,
          need(input, "pattern"),
          str(input.path) ?? ".",
          input.regex === true,
        ),
      );
    case "write_file":
      return ok(await writeFile(root, need(input, "path"), need(input, "content", true)));
    case "edit_file":
      return ok(
        await editFile(
          root,
          need(input, "path"),
          need(input, "old_string"),
          need(input, "new_string", true),
          input.replace_all === true,
        ),
      );
    case "run_command":
      return await command(need(input, "command"), num(input.timeout_seconds), ctx);
    case "send_file":
      return ok(await sendFile(root, need(input, "path")));
    default:
      throw new ToolError(`unknown tool: ${name}`);
  }
}

async function command(
  cmd: string,
  timeoutS: number | undefined,
  ctx: ToolContext,
): Promise<ToolOutcome> {
  const timeoutMs = timeoutS ? Math.min(600, Math.max(1, timeoutS)) * 1000 : ctx.commandTimeoutMs;
  const r = await runCommand(cmd, ctx.projectDir, timeoutMs, ctx.signal, ctx.killGraceMs);
  if (r.error) throw new ToolError(r.error);
  const status = r.timedOut
    ? `timed out after ${Math.round(timeoutMs / 1000)} s`
    : r.aborted
    ? "stopped by the user"
    : `exit code ${r.exitCode}`;
  const display = [codeTail(r.output)].filter(Boolean);
  if (r.exitCode !== 0 || r.timedOut) display.push(`↳ ${status}`);
  return {
    content: `${status}\n${r.output || "(no output)"}`,
    isError: r.timedOut || r.aborted,
    display,
  };
}

/** Queues the file in the outbox, which is sent to the chat when the task ends. */
async function sendFile(root: string, path: string): Promise<string> {
  const file = await resolveInProject(root, path);
  const info = await Deno.stat(file.abs).catch(() => null);
  if (!info?.isFile) throw new ToolError(`not a file: ${file.rel}`);
  if (info.size > TELEGRAM_UPLOAD_LIMIT) {
    throw new ToolError(`${file.rel} is larger than 50 MB, the most a bot can send`);
  }
  const queued = await copyToOutbox(root, file.abs);
  return `${file.rel} will be sent to the user when this task ends (queued as ${queued}).`;
}

function need(input: Obj, key: string, allowEmpty = false): string {
  const v = str(input[key]);
  if (v === undefined || (!allowEmpty && v === "")) {
    throw new ToolError(`missing required string parameter: ${key}`);
  }
  return v;
}

function tool(
  name: string,
  description: string,
  properties: Record<string, unknown>,
  required: string[],
): Anthropic.Tool {
  return { name, description, input_schema: { type: "object", properties, required } };
}
