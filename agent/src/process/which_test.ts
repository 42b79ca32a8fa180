import assert from "node:assert/strict";
import { join } from "node:path";
import { FIXTURE_BIN_DIR } from "../../test/fixtures/runner_harness.ts";
import { findExecutable } from "./which.ts";

Deno.test("findExecutable searches PATH and checks paths with a slash directly", async () => {
  assert.equal(
    await findExecutable("claude", `/nonexistent:${FIXTURE_BIN_DIR}`),
    join(FIXTURE_BIN_DIR, "claude"),
  );
  assert.equal(await findExecutable("claude", "/nonexistent"), null);
  assert.equal(
    await findExecutable(join(FIXTURE_BIN_DIR, "codex"), ""),
    join(FIXTURE_BIN_DIR, "codex"),
  );
  // common.sh is there but not executable
  assert.equal(await findExecutable("common.sh", FIXTURE_BIN_DIR), null);
  assert.equal(
    await findExecutable("./bin/gemini", undefined, join(FIXTURE_BIN_DIR, "..")),
    join(FIXTURE_BIN_DIR, "gemini"),
  );
});
