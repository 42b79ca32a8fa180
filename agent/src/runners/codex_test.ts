import assert from "node:assert/strict";
import {
  abortAfterFirstChunk,
  drain,
  exited,
  fakeFile,
  fixtureBin,
  recordedArgv,
  tempProject,
} from "../../test/fixtures/runner_harness.ts";
import { createRunner, type RunnerSettings, type RunRequest } from "./runner.ts";

const THREAD = "0199a213-81c0-7800-8aa1-bbab2a035a53";
const runner = (extra: Partial<RunnerSettings> = {}) =>
  createRunner({ runner: "codex", bin: fixtureBin("codex"), ...extra }, { killGraceMs: 3000 });

function request(projectDir: string, prompt: string, resume: string | null = null): RunRequest {
  return { prompt, projectDir, resume, signal: new AbortController().signal };
}

Deno.test("codex: happy path renders commands, file changes and the agent message", async () => {
  const dir = await tempProject();
  const { text, result } = await drain(
    runner({ model: "gpt-5-codex", apiKey: "cx-key" }).run(request(dir, "hello")),
  );
  assert.deepEqual(result, { status: "ok", resume: THREAD });
  assert.equal(
    text,
    [
      "🔧 `shell`: `bash -lc 'npm test'`",
      "```",
      "> demo@1.0.0 test",
      "> node --test",
      "",
      "ℹ tests 1",
      "ℹ fail 1",
      "```",
      "↳ exit code 1",
      "📝 edited `src/add.ts`",
      "📝 created `src/new.ts`",
      "",
      "Fixed `add` and added `src/new.ts`.",
    ].join("\n"),
  );
  assert.deepEqual(await recordedArgv(dir), [
    "exec",
    "--json",
    "--full-auto",
    "--skip-git-repo-check",
    "-m",
    "gpt-5-codex",
    "hello",
  ]);
  assert.equal(await fakeFile(dir, "key"), "cx-key");
});

Deno.test("codex: continue puts the exec flags before `resume <thread_id> <prompt>`", async () => {
  const dir = await tempProject();
  const { result } = await drain(
    runner({ extraArgs: ["-c", "model_reasoning_effort=high"] }).run(
      request(dir, "and now the docs", "thread-77"),
    ),
  );
  assert.deepEqual(result, { status: "ok", resume: "thread-77" });
  assert.deepEqual(await recordedArgv(dir), [
    "exec",
    "--json",
    "--full-auto",
    "--skip-git-repo-check",
    "-c",
    "model_reasoning_effort=high",
    "resume",
    "thread-77",
    "and now the docs",
  ]);
});

Deno.test("codex: old item_type / assistant_message names are understood", async () => {
  const dir = await tempProject();
  const { text, result } = await drain(runner().run(request(dir, "old-format")));
  assert.equal(result.status, "ok");
  assert.equal(
    text,
    "🔧 `shell`: `bash -lc ls`\n```\nREADME.md\nsrc\n```\n\nThe repo has a README and src/.",
  );
});

Deno.test("codex: turn.failed is an error with its message", async () => {
  const dir = await tempProject();
  const { result } = await drain(runner().run(request(dir, "fail")));
  assert.deepEqual(result, {
    status: "error",
    reason:
      "Codex: unexpected status 401 Unauthorized: Missing bearer or basic authentication in header",
    resume: THREAD,
  });
});

Deno.test("codex: a top-level error event without a completed turn is an error", async () => {
  const dir = await tempProject();
  const { result } = await drain(runner().run(request(dir, "error")));
  assert.equal(result.status, "error");
  assert.match(result.status === "error" ? result.reason : "", /^Codex: stream disconnected/);
});

Deno.test("codex: abort kills the tree, keeps the thread id for continue", async () => {
  const dir = await tempProject();
  const ctl = new AbortController();
  const gen = runner().run({ ...request(dir, "spawn-child"), signal: ctl.signal });
  const { result, elapsedMs, childPid } = await abortAfterFirstChunk(gen, ctl, dir);
  assert.deepEqual(result, { status: "aborted", resume: THREAD });
  assert.ok(elapsedMs < 3000);
  assert.ok(childPid && await exited(childPid));
});

Deno.test("codex: a missing binary is an error result, not an exception", async () => {
  const dir = await tempProject();
  const r = createRunner({ runner: "codex", bin: "/nonexistent/codex" });
  const { chunks, result } = await drain(r.run(request(dir, "hi")));
  assert.deepEqual(chunks, []);
  assert.deepEqual(result, {
    status: "error",
    reason: "cannot start `/nonexistent/codex`: not found",
    resume: null,
  });
  assert.match((await r.preflight()) ?? "", /Codex CLI not found/);
});
