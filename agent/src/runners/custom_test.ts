import assert from "node:assert/strict";
import {
  abortAfterFirstChunk,
  drain,
  exited,
  fakeFile,
  fixtureBin,
  tempProject,
} from "../../test/fixtures/runner_harness.ts";
import { createRunner, type RunRequest } from "./runner.ts";

const runner = () =>
  createRunner({ runner: "custom", bin: fixtureBin("custom_runner") }, { killGraceMs: 3000 });

function request(projectDir: string, prompt: string): RunRequest {
  return { prompt, projectDir, resume: null, signal: new AbortController().signal };
}

Deno.test("custom: prompt on stdin, stdout streamed as it comes, exit 0 = ok", async () => {
  const dir = await tempProject();
  const { chunks, result } = await drain(runner().run(request(dir, "fix the bug\nplease")));
  assert.deepEqual(result, { status: "ok", resume: null });
  assert.ok(chunks.length >= 2, "streamed in pieces");
  assert.equal(chunks.join(""), "You said: fix the bug\nplease\n");
  assert.equal(await fakeFile(dir, "stdin"), "fix the bug\nplease");
});

Deno.test("custom: non-zero exit is an error with the last 5 stderr lines", async () => {
  const dir = await tempProject();
  const { text, result } = await drain(runner().run(request(dir, "fail")));
  assert.equal(text, "partial output\n");
  assert.deepEqual(result, {
    status: "error",
    reason:
      "the runner exited with code 3:\nstderr line 4\nstderr line 5\nstderr line 6\nstderr line 7\nstderr line 8",
    resume: null,
  });
});

Deno.test("custom: abort kills the tree", async () => {
  const dir = await tempProject();
  const ctl = new AbortController();
  const gen = runner().run({ ...request(dir, "spawn-child"), signal: ctl.signal });
  const { result, elapsedMs, childPid } = await abortAfterFirstChunk(gen, ctl, dir);
  assert.deepEqual(result, { status: "aborted", resume: null });
  assert.ok(elapsedMs < 3000);
  assert.ok(childPid && await exited(childPid));
});

Deno.test("custom: without --runner-bin, preflight and run explain", async () => {
  const r = createRunner({ runner: "custom" });
  assert.equal(await r.preflight(), "the custom runner needs --runner-bin PATH");
  const { result } = await drain(r.run(request(await tempProject(), "x")));
  assert.equal(result.status, "error");
  assert.equal(await runner().preflight(), null);
});
