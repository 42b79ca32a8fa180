/**
 * Puts the files a task changed back the way they were before it, from the snapshot trees. A file
 * that changed again since the task ended (its content is no longer what the task left) is
 * refused and named, never overwritten; files the task did not change are never looked at.
 *
 * @module
 */
import { dirname, join } from "node:path";
import { git, gitText } from "./git.ts";

/** A blob in a tree: its mode (`100644`, `100755`, `120000`) and object id. */
interface TreeEntry {
  mode: string;
  sha: string;
}

/** What an undo did. */
export interface UndoResult {
  restored: string[];
  /** Files left alone because they changed after the task ended. */
  refused: string[];
}

/** Restores `paths` (relative to `projectDir`) from `before`, where they still match `after`. */
export async function undoChanges(
  projectDir: string,
  before: string,
  after: string,
  paths: string[],
): Promise<UndoResult> {
  const result: UndoResult = { restored: [], refused: [] };
  if (paths.length === 0) return result;
  const [was, left] = await Promise.all([
    entries(projectDir, before, paths),
    entries(projectDir, after, paths),
  ]);
  const current = await currentShas(projectDir, paths);
  for (const path of paths) {
    const expected = left.get(path)?.sha ?? null;
    if ((current.get(path) ?? null) !== expected) {
      result.refused.push(path);
      continue;
    }
    const target = join(projectDir, path);
    const entry = was.get(path);
    if (!entry) {
      await Deno.remove(target).catch((error) => {
        if (!(error instanceof Deno.errors.NotFound)) throw error;
      });
    } else {
      const content = await git(projectDir, ["cat-file", "blob", entry.sha]);
      await Deno.mkdir(dirname(target), { recursive: true });
      if (entry.mode === "120000") {
        await Deno.remove(target).catch(() => {});
        await Deno.symlink(new TextDecoder().decode(content), target);
      } else {
        await Deno.writeFile(target, content);
        await Deno.chmod(target, entry.mode === "100755" ? 0o755 : 0o644).catch(() => {});
      }
    }
    result.restored.push(path);
  }
  return result;
}

async function entries(projectDir: string, tree: string, paths: string[]) {
  const found = new Map<string, TreeEntry>();
  const out = await gitText(projectDir, ["ls-tree", "-r", "-z", tree, "--", ...paths]);
  for (const line of out.split("\0")) {
    const tab = line.indexOf("\t");
    if (tab < 0) continue;
    const [mode, , sha] = line.slice(0, tab).split(" ");
    found.set(line.slice(tab + 1), { mode: mode!, sha: sha! });
  }
  return found;
}

/** The blob id the file would have now, or nothing when it does not exist. */
async function currentShas(projectDir: string, paths: string[]) {
  const shas = new Map<string, string>();
  const present: string[] = [];
  for (const path of paths) {
    const info = await Deno.lstat(join(projectDir, path)).catch(() => null);
    if (info?.isSymlink) {
      const target = new TextEncoder().encode(await Deno.readLink(join(projectDir, path)));
      shas.set(
        path,
        (await gitText(projectDir, ["hash-object", "--stdin"], { stdin: target })).trim(),
      );
    } else if (info?.isFile) present.push(path);
  }
  if (present.length > 0) {
    const out = (await gitText(projectDir, ["hash-object", "--", ...present])).trim().split("\n");
    present.forEach((path, i) => shas.set(path, out[i]!));
  }
  return shas;
}
