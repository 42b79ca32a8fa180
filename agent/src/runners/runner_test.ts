import assert from "node:assert/strict";
import { createRunner, isRunnerName, RUNNER_NAMES } from "./runner.ts";

Deno.test("createRunner builds every runner under its own name", () => {
  for (const name of RUNNER_NAMES) {
    assert.equal(createRunner({ runner: name, bin: "/bin/true" }).name, name);
  }
  assert.ok(isRunnerName("codex"));
  assert.ok(!isRunnerName("cursor"));
});
