/**
 * The project's exchange folders: files sent to the bot land in `.remoteagent/inbox/`, files a
 * task writes to `.remoteagent/outbox/` are sent to the chat when it ends. The folder ignores
 * itself in git, so neither shows up in the user's `git status` or in a task's changes.
 *
 * @module
 */
import { basename, join } from "node:path";
import { AGENT_DIR } from "./snapshot.ts";

export const INBOX_DIR = `${AGENT_DIR}/inbox`;
export const OUTBOX_DIR = `${AGENT_DIR}/outbox`;

/** Creates `.remoteagent/` with its `.gitignore`; returns its absolute path. */
export async function ensureAgentDir(projectDir: string): Promise<string> {
  const dir = join(projectDir, AGENT_DIR);
  await Deno.mkdir(dir, { recursive: true });
  await Deno.writeTextFile(join(dir, ".gitignore"), "*\n", { createNew: true }).catch((error) => {
    if (!(error instanceof Deno.errors.AlreadyExists)) throw error;
  });
  return dir;
}

/**
 * A safe file name from whatever the sender's client called the file: the last path segment,
 * only letters, digits, dot, dash and underscore, no leading dot, at most 100 characters.
 */
export function sanitizeName(raw: string): string {
  const base = basename(raw.replaceAll("\\", "/"));
  const cleaned = base.normalize("NFKC").replace(/[^\p{L}\p{N}._-]+/gu, "_").replace(/^[._]+/, "");
  const name = Array.from(cleaned).slice(-100).join("");
  return name || "file";
}

/**
 * Writes `body` to a new file in the inbox named after `name` (a numbered variant if that name
 * is taken); returns its path relative to the project.
 */
export function saveToInbox(
  projectDir: string,
  name: string,
  body: ReadableStream<Uint8Array>,
): Promise<string> {
  return saveInto(projectDir, INBOX_DIR, name, body);
}

/**
 * Copies a project file into the outbox, so it is sent to the chat when the task ends (the
 * `send_file` tool). Returns its path relative to the project.
 */
export async function copyToOutbox(projectDir: string, absPath: string): Promise<string> {
  const file = await Deno.open(absPath, { read: true });
  return await saveInto(projectDir, OUTBOX_DIR, basename(absPath), file.readable);
}

async function saveInto(
  projectDir: string,
  folder: string,
  name: string,
  body: ReadableStream<Uint8Array>,
): Promise<string> {
  await ensureAgentDir(projectDir);
  const dir = join(projectDir, folder);
  await Deno.mkdir(dir, { recursive: true });
  const safe = sanitizeName(name);
  const dot = safe.lastIndexOf(".");
  const [stem, ext] = dot > 0 ? [safe.slice(0, dot), safe.slice(dot)] : [safe, ""];
  for (let n = 0; n < 1000; n++) {
    const fileName = n === 0 ? safe : `${stem}-${n}${ext}`;
    let file: Deno.FsFile;
    try {
      file = await Deno.open(join(dir, fileName), { write: true, createNew: true });
    } catch (error) {
      if (error instanceof Deno.errors.AlreadyExists) continue;
      throw error;
    }
    try {
      await body.pipeTo(file.writable);
    } catch (error) {
      await Deno.remove(join(dir, fileName)).catch(() => {});
      throw error;
    }
    return `${folder}/${fileName}`;
  }
  await body.cancel();
  throw new Error(`${folder} has too many files of that name`);
}

/** Files directly in the outbox with their modification stamps. */
export async function outboxState(projectDir: string): Promise<Map<string, string>> {
  const state = new Map<string, string>();
  try {
    for await (const entry of Deno.readDir(join(projectDir, OUTBOX_DIR))) {
      if (!entry.isFile) continue;
      const info = await Deno.stat(join(projectDir, OUTBOX_DIR, entry.name)).catch(() => null);
      if (info) state.set(entry.name, `${info.mtime?.getTime() ?? 0}:${info.size}`);
    }
  } catch (error) {
    if (!(error instanceof Deno.errors.NotFound)) throw error;
  }
  return state;
}

/** Names of outbox files that are new or changed since `before`, sorted. */
export function newInOutbox(before: Map<string, string>, after: Map<string, string>): string[] {
  return [...after].filter(([name, stamp]) => before.get(name) !== stamp).map(([name]) => name)
    .sort();
}
