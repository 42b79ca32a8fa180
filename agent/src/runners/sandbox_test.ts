import assert from "node:assert/strict";
import { join } from "node:path";
import { tempProject } from "../../test/fixtures/runner_harness.ts";
import { PathOutsideProjectError, resolveInProject } from "./sandbox.ts";

Deno.test("resolveInProject accepts paths inside, including ones that do not exist yet", async () => {
  const dir = await tempProject();
  await Deno.mkdir(join(dir, "src"));
  await Deno.symlink(join(dir, "src"), join(dir, "src_link"));
  assert.deepEqual(await resolveInProject(dir, "src/a.ts"), {
    abs: join(dir, "src/a.ts"),
    rel: "src/a.ts",
  });
  assert.deepEqual(await resolveInProject(dir, "new/deep/file"), {
    abs: join(dir, "new/deep/file"),
    rel: "new/deep/file",
  });
  assert.deepEqual(await resolveInProject(dir, "."), { abs: dir, rel: "." });
  assert.deepEqual(await resolveInProject(dir, join(dir, "src")), {
    abs: join(dir, "src"),
    rel: "src",
  });
  assert.deepEqual(await resolveInProject(dir, "src/../src_link/x"), {
    abs: join(dir, "src/x"),
    rel: "src/x",
  });
});

Deno.test("resolveInProject refuses .., absolute paths elsewhere and symlinks pointing out", async () => {
  const dir = await tempProject();
  const outside = await tempProject();
  await Deno.symlink(outside, join(dir, "out"));
  await Deno.symlink(join(outside, "missing"), join(dir, "dangling"));
  await Deno.symlink("/", join(dir, "root"));
  for (
    const p of [
      "../x",
      "/etc/passwd",
      "out",
      "out/new.txt",
      "dangling",
      "root/etc",
      `${dir}-sibling/x`,
      "a/../../x",
    ]
  ) {
    await assert.rejects(resolveInProject(dir, p), PathOutsideProjectError, p);
  }
});
