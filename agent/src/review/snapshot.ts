/**
 * Snapshots of the project's working tree, taken before and after a task, and what changed
 * between two of them.
 *
 * In a git repository a snapshot is a tree object: the user's index is copied to a temporary
 * index file, `git add -A` updates the copy (untracked files too, ignored ones not), and
 * `git write-tree` stores it. The user's index, stash list and refs are never touched; the tree
 * is an unreferenced object git keeps until its gc prunes it (two weeks by default).
 * Outside git a snapshot is the modification time and size of every file, which is enough to
 * list what a task touched but not to undo it.
 *
 * @module
 */
import { join, relative, resolve, sep } from "node:path";
import { git, gitRoot, gitText } from "./git.ts";

/** The agent's own folder in the project (inbox, outbox, review record): never part of a snapshot. */
export const AGENT_DIR = ".remoteagent";

/** Folders the mtime walk skips: version control, dependencies, the agent's own folder. */
const SKIPPED_DIRS = new Set([".git", "node_modules", AGENT_DIR]);
/** The mtime walk stops after this many files (a task summary, not an inventory). */
const MTIME_WALK_LIMIT = 20_000;

/** A point-in-time state of the project's files. */
export type Snapshot =
  | { kind: "git"; tree: string }
  | { kind: "mtime"; files: Map<string, string> };

/** One file a task changed; counts are null for binary files and outside git. */
export interface ChangedFile {
  path: string;
  status: "added" | "modified" | "deleted";
  added: number | null;
  removed: number | null;
}

/** Takes a snapshot of `projectDir`: a git tree when it is inside a work tree, else mtimes. */
export async function takeSnapshot(projectDir: string): Promise<Snapshot> {
  if (await gitRoot(projectDir)) return { kind: "git", tree: await writeTree(projectDir) };
  return { kind: "mtime", files: await mtimes(projectDir) };
}

async function writeTree(projectDir: string): Promise<string> {
  const realIndex = resolve(
    projectDir,
    (await gitText(projectDir, ["rev-parse", "--git-path", "index"])).trim(),
  );
  const dir = await Deno.makeTempDir({ prefix: "remoteagent-index-" });
  const index = join(dir, "index");
  try {
    // Starting from the user's index keeps its stat cache (fast) and its staged entries.
    await Deno.copyFile(realIndex, index).catch((error) => {
      if (!(error instanceof Deno.errors.NotFound)) throw error;
    });
    const env = { GIT_INDEX_FILE: index };
    await git(projectDir, ["add", "-A", "--", ".", `:(exclude)${AGENT_DIR}`], { env });
    return (await gitText(projectDir, ["write-tree"], { env })).trim();
  } finally {
    await Deno.remove(dir, { recursive: true }).catch(() => {});
  }
}

async function mtimes(projectDir: string): Promise<Map<string, string>> {
  const files = new Map<string, string>();
  const walk = async (dir: string): Promise<void> => {
    // A folder that vanished or is unreadable is left out, not a reason to fail the summary.
    const entries = await Array.fromAsync(Deno.readDir(dir)).catch(() => [] as Deno.DirEntry[]);
    for (const entry of entries) {
      if (files.size >= MTIME_WALK_LIMIT) return;
      const path = join(dir, entry.name);
      if (entry.isDirectory) {
        if (!SKIPPED_DIRS.has(entry.name)) await walk(path);
      } else if (entry.isFile) {
        const info = await Deno.stat(path).catch(() => null);
        if (info) files.set(relative(projectDir, path).split(sep).join("/"), stamp(info));
      }
    }
  };
  await walk(projectDir);
  return files;
}

function stamp(info: Deno.FileInfo): string {
  return `${info.mtime?.getTime() ?? 0}:${info.size}`;
}

/** The files that differ between two snapshots of the same kind, sorted by path. */
export async function changedFiles(
  projectDir: string,
  before: Snapshot,
  after: Snapshot,
): Promise<ChangedFile[]> {
  if (before.kind === "git" && after.kind === "git") {
    return await gitChanges(projectDir, before.tree, after.tree);
  }
  if (before.kind === "mtime" && after.kind === "mtime") {
    const changed: ChangedFile[] = [];
    for (const [path, was] of before.files) {
      const now = after.files.get(path);
      if (now === undefined) changed.push({ path, status: "deleted", added: null, removed: null });
      else if (now !== was) changed.push({ path, status: "modified", added: null, removed: null });
    }
    for (const path of after.files.keys()) {
      if (!before.files.has(path)) {
        changed.push({ path, status: "added", added: null, removed: null });
      }
    }
    return changed.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  }
  return [];
}

/** Flags every diff of two trees uses: plain, no renames (each path is its own change), relative to the project. */
const DIFF_FLAGS = ["--no-renames", "--no-ext-diff", "--no-color", "--relative"];

async function gitChanges(projectDir: string, before: string, after: string) {
  if (before === after) return [];
  const statuses = (await gitText(projectDir, [
    "diff",
    ...DIFF_FLAGS,
    "--name-status",
    "-z",
    before,
    after,
  ])).split("\0");
  const counts = new Map<string, [number | null, number | null]>();
  for (
    const line
      of (await gitText(projectDir, ["diff", ...DIFF_FLAGS, "--numstat", "-z", before, after]))
        .split("\0")
  ) {
    const [added, removed, path] = line.split("\t");
    if (path === undefined) continue;
    counts.set(path, [
      added === "-" ? null : Number(added),
      removed === "-" ? null : Number(removed),
    ]);
  }
  const changed: ChangedFile[] = [];
  for (let i = 0; i + 1 < statuses.length; i += 2) {
    const code = statuses[i]!;
    const path = statuses[i + 1]!;
    const [added, removed] = counts.get(path) ?? [null, null];
    const status = code.startsWith("A") ? "added" : code.startsWith("D") ? "deleted" : "modified";
    changed.push({ path, status, added, removed });
  }
  return changed;
}

/** The unified diff between two git snapshots, relative to the project. */
export async function unifiedDiff(
  projectDir: string,
  before: string,
  after: string,
): Promise<string> {
  return await gitText(projectDir, ["diff", ...DIFF_FLAGS, before, after]);
}
