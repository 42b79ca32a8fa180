/**
 * File tools of the built-in SDK runner, confined to the project directory by
 * {@link resolveInProject}. Every result is bounded so a tool call cannot flood the context.
 *
 * @module
 */
import { dirname, join } from "node:path";
import { resolveInProject } from "./sandbox.ts";

/** Thrown for a tool call that cannot be carried out; its message goes back to the model. */
export class ToolError extends Error {
  override name = "ToolError";
}

const SKIP_DIRS = new Set([".git", "node_modules", ".hg", ".svn"]);
const MAX_LIST = 1000;
const MAX_READ_BYTES = 256 * 1024;
const MAX_READ_LINES = 2000;
const MAX_MATCHES = 200;
const MAX_SEARCH_FILE_BYTES = 1024 * 1024;
const MAX_SEARCH_FILES = 5000;

/** `list_files`: entries of a directory, `dir/` for directories; recursive skips VCS and node_modules. */
export async function listFiles(root: string, path: string, recursive: boolean): Promise<string> {
  const dir = await resolveInProject(root, path);
  const out: string[] = [];
  const walk = async (abs: string, prefix: string) => {
    const entries: Deno.DirEntry[] = [];
    for await (const e of Deno.readDir(abs)) entries.push(e);
    entries.sort((a, b) => a.name.localeCompare(b.name));
    for (const e of entries) {
      if (out.length >= MAX_LIST) return;
      out.push(prefix + e.name + (e.isDirectory ? "/" : ""));
      if (recursive && e.isDirectory && !SKIP_DIRS.has(e.name)) {
        await walk(join(abs, e.name), prefix + e.name + "/");
      }
    }
  };
  try {
    await walk(dir.abs, "");
  } catch (err) {
    throw new ToolError(`cannot list ${dir.rel}: ${message(err)}`);
  }
  if (out.length === 0) return "(empty directory)";
  return out.join("\n") + (out.length >= MAX_LIST ? `\n… (stopped at ${MAX_LIST} entries)` : "");
}

/** `read_file`: text with 1-based line numbers, from `offset` for at most `limit` lines. */
export async function readFile(
  root: string,
  path: string,
  offset = 1,
  limit = MAX_READ_LINES,
): Promise<string> {
  const file = await resolveInProject(root, path);
  const text = await readText(file.abs, file.rel);
  const lines = text.split("\n");
  const start = Math.max(1, Math.floor(offset));
  const count = Math.min(Math.max(1, Math.floor(limit)), MAX_READ_LINES);
  const shown = lines.slice(start - 1, start - 1 + count);
  let out = shown.map((l, i) => `${String(start + i).padStart(6)}\t${l}`).join("\n");
  if (out.length > MAX_READ_BYTES) out = out.slice(0, MAX_READ_BYTES) + "\n… (cut)";
  const end = start - 1 + shown.length;
  if (end < lines.length) out += `\n… (${lines.length - end} more lines; use offset ${end + 1})`;
  return out || "(empty file)";
}

/** `write_file`: creates or replaces a file, creating parent directories. */
export async function writeFile(root: string, path: string, content: string): Promise<string> {
  const file = await resolveInProject(root, path);
  await Deno.mkdir(dirname(file.abs), { recursive: true });
  await Deno.writeTextFile(file.abs, content);
  return `wrote ${new TextEncoder().encode(content).length} bytes to ${file.rel}`;
}

/** `edit_file`: exact string replacement; the old string must be unique unless `replaceAll`. */
export async function editFile(
  root: string,
  path: string,
  oldString: string,
  newString: string,
  replaceAll = false,
): Promise<string> {
  if (!oldString) throw new ToolError("old_string must not be empty");
  const file = await resolveInProject(root, path);
  const text = await readText(file.abs, file.rel);
  const count = text.split(oldString).length - 1;
  if (count === 0) throw new ToolError(`old_string not found in ${file.rel}`);
  if (count > 1 && !replaceAll) {
    throw new ToolError(
      `old_string occurs ${count} times in ${file.rel}: add context or set replace_all`,
    );
  }
  const updated = replaceAll
    ? text.split(oldString).join(newString)
    : text.replace(oldString, () => newString);
  await Deno.writeTextFile(file.abs, updated);
  return `replaced ${replaceAll ? count : 1} occurrence(s) in ${file.rel}`;
}

/** `search_files`: lines matching a substring (or regex) under `path`, as `file:line: text`. */
export async function searchFiles(
  root: string,
  pattern: string,
  path: string,
  isRegex: boolean,
): Promise<string> {
  if (!pattern) throw new ToolError("pattern must not be empty");
  let re: RegExp | undefined;
  if (isRegex) {
    try {
      re = new RegExp(pattern);
    } catch (err) {
      throw new ToolError(`invalid regular expression: ${message(err)}`);
    }
  }
  const base = await resolveInProject(root, path);
  const matches: string[] = [];
  let files = 0;
  const visit = async (abs: string, rel: string): Promise<void> => {
    const info = await Deno.lstat(abs);
    if (info.isSymlink) return; // never follow links while walking
    if (info.isDirectory) {
      for await (const e of Deno.readDir(abs)) {
        if (matches.length >= MAX_MATCHES || files >= MAX_SEARCH_FILES) return;
        if (SKIP_DIRS.has(e.name)) continue;
        await visit(join(abs, e.name), rel === "." ? e.name : `${rel}/${e.name}`);
      }
      return;
    }
    if (!info.isFile || info.size > MAX_SEARCH_FILE_BYTES) return;
    files++;
    const bytes = await Deno.readFile(abs);
    if (bytes.subarray(0, 8000).includes(0)) return; // binary
    const lines = new TextDecoder().decode(bytes).split("\n");
    for (let i = 0; i < lines.length && matches.length < MAX_MATCHES; i++) {
      const line = lines[i] ?? "";
      if (re ? re.test(line) : line.includes(pattern)) {
        matches.push(`${rel}:${i + 1}: ${line.length > 300 ? line.slice(0, 299) + "…" : line}`);
      }
    }
  };
  await visit(base.abs, base.rel);
  if (matches.length === 0) return "no matches";
  return matches.join("\n") +
    (matches.length >= MAX_MATCHES ? `\n… (stopped at ${MAX_MATCHES})` : "");
}

async function readText(abs: string, rel: string): Promise<string> {
  let info: Deno.FileInfo;
  try {
    info = await Deno.stat(abs);
  } catch {
    throw new ToolError(`no such file: ${rel}`);
  }
  if (!info.isFile) throw new ToolError(`not a file: ${rel}`);
  if (info.size > 10 * MAX_READ_BYTES) {
    throw new ToolError(`${rel} is too large (${info.size} bytes)`);
  }
  return await Deno.readTextFile(abs);
}

/** The message of any thrown value. */
export function message(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
