import { join } from "node:path";
import { assert, assertEquals, assertIncludes } from "../../test/assert.ts";
import { gitText } from "./git.ts";
import { changedFiles, takeSnapshot, unifiedDiff } from "./snapshot.ts";
import { undoChanges } from "./undo.ts";

/** A git repository with two committed files, one staged change and one stash entry. */
async function repo(): Promise<string> {
  const dir = await Deno.makeTempDir({ prefix: "review-test-" });
  const run = (...args: string[]) => gitText(dir, args);
  await run("init", "-q", "-b", "main");
  await run("config", "user.email", "t@example.com");
  await run("config", "user.name", "Test");
  await Deno.writeTextFile(join(dir, "a.txt"), "one\ntwo\n");
  await Deno.writeTextFile(join(dir, "keep.txt"), "keep\n");
  await Deno.mkdir(join(dir, "src"));
  await Deno.writeTextFile(join(dir, "src", "b.ts"), "export const b = 1;\n");
  await Deno.writeTextFile(join(dir, ".gitignore"), "ignored/\n");
  await run("add", "-A");
  await run("commit", "-qm", "init");
  await Deno.writeTextFile(join(dir, "keep.txt"), "keep stashed\n");
  await run("stash", "-q");
  await Deno.writeTextFile(join(dir, "keep.txt"), "keep staged\n");
  await run("add", "keep.txt");
  return dir;
}

/** Everything a snapshot must leave alone: the index, the stash list, HEAD. */
async function gitState(dir: string) {
  return {
    index: await gitText(dir, ["ls-files", "--stage"]),
    staged: await gitText(dir, ["diff", "--cached", "--name-only"]),
    stash: await gitText(dir, ["stash", "list"]),
    head: await gitText(dir, ["rev-parse", "HEAD"]),
  };
}

Deno.test("a git snapshot lists the task's changes with counts and leaves index and stash alone", async () => {
  const dir = await repo();
  try {
    const state = await gitState(dir);
    const before = await takeSnapshot(dir);
    assertEquals(before.kind, "git");
    // The task: edit, create (untracked), delete, an ignored file and the agent's own folder.
    await Deno.writeTextFile(join(dir, "a.txt"), "one\nTWO\nthree\n");
    await Deno.writeTextFile(join(dir, "new.md"), "# new\n");
    await Deno.remove(join(dir, "src", "b.ts"));
    await Deno.mkdir(join(dir, "ignored"));
    await Deno.writeTextFile(join(dir, "ignored", "x.log"), "noise\n");
    await Deno.mkdir(join(dir, ".remoteagent", "outbox"), { recursive: true });
    await Deno.writeTextFile(join(dir, ".remoteagent", "outbox", "r.txt"), "report\n");
    const after = await takeSnapshot(dir);
    assertEquals(await changedFiles(dir, before, after), [
      { path: "a.txt", status: "modified", added: 2, removed: 1 },
      { path: "new.md", status: "added", added: 1, removed: 0 },
      { path: "src/b.ts", status: "deleted", added: 0, removed: 1 },
    ]);
    assertEquals(await gitState(dir), state);
    assert(before.kind === "git" && after.kind === "git");
    const diff = await unifiedDiff(dir, before.tree, after.tree);
    assertIncludes(diff, "+TWO");
    assertIncludes(diff, "diff --git a/src/b.ts b/src/b.ts");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("undo restores exactly the changed files and refuses one changed again", async () => {
  const dir = await repo();
  try {
    await Deno.chmod(join(dir, "a.txt"), 0o755);
    const before = await takeSnapshot(dir);
    await Deno.writeTextFile(join(dir, "a.txt"), "task edit\n");
    await Deno.writeTextFile(join(dir, "new.md"), "# new\n");
    await Deno.remove(join(dir, "src", "b.ts"));
    await Deno.writeTextFile(join(dir, "src", "c.ts"), "task file\n");
    const after = await takeSnapshot(dir);
    assert(before.kind === "git" && after.kind === "git");
    const paths = (await changedFiles(dir, before, after)).map((f) => f.path);
    // After the task: the user edits c.ts again, and a file the task never touched.
    await Deno.writeTextFile(join(dir, "src", "c.ts"), "user edit\n");
    await Deno.writeTextFile(join(dir, "keep.txt"), "user's own\n");
    const state = await gitState(dir);

    const result = await undoChanges(dir, before.tree, after.tree, paths);

    assertEquals(result, { restored: ["a.txt", "new.md", "src/b.ts"], refused: ["src/c.ts"] });
    assertEquals(await Deno.readTextFile(join(dir, "a.txt")), "one\ntwo\n");
    assertEquals((await Deno.stat(join(dir, "a.txt"))).mode! & 0o111, 0o111);
    assertEquals(await Deno.readTextFile(join(dir, "src", "b.ts")), "export const b = 1;\n");
    assertEquals(await Deno.stat(join(dir, "new.md")).catch(() => null), null);
    assertEquals(await Deno.readTextFile(join(dir, "src", "c.ts")), "user edit\n");
    assertEquals(await Deno.readTextFile(join(dir, "keep.txt")), "user's own\n");
    assertEquals(await gitState(dir), state);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("outside git the snapshot lists files by modification time", async () => {
  const dir = await Deno.makeTempDir({ prefix: "review-plain-" });
  try {
    await Deno.writeTextFile(join(dir, "a.txt"), "a");
    await Deno.writeTextFile(join(dir, "gone.txt"), "g");
    await Deno.mkdir(join(dir, "node_modules"));
    const before = await takeSnapshot(dir);
    assertEquals(before.kind, "mtime");
    await Deno.writeTextFile(join(dir, "a.txt"), "a longer");
    await Deno.remove(join(dir, "gone.txt"));
    await Deno.writeTextFile(join(dir, "b.txt"), "b");
    await Deno.writeTextFile(join(dir, "node_modules", "dep.js"), "x");
    const after = await takeSnapshot(dir);
    assertEquals((await changedFiles(dir, before, after)).map((f) => `${f.status} ${f.path}`), [
      "modified a.txt",
      "added b.txt",
      "deleted gone.txt",
    ]);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("a project in a subfolder of a repository sees and undoes only its own files", async () => {
  const root = await repo();
  try {
    const project = join(root, "src");
    const before = await takeSnapshot(project);
    await Deno.writeTextFile(join(project, "b.ts"), "export const b = 2;\n");
    await Deno.writeTextFile(join(root, "a.txt"), "outside the project\n");
    const after = await takeSnapshot(project);
    assert(before.kind === "git" && after.kind === "git");
    const files = await changedFiles(project, before, after);
    assertEquals(files.map((f) => f.path), ["b.ts"]);
    const result = await undoChanges(project, before.tree, after.tree, ["b.ts"]);
    assertEquals(result, { restored: ["b.ts"], refused: [] });
    assertEquals(await Deno.readTextFile(join(project, "b.ts")), "export const b = 1;\n");
    assertEquals(await Deno.readTextFile(join(root, "a.txt")), "outside the project\n");
  } finally {
    await Deno.remove(root, { recursive: true });
  }
});
