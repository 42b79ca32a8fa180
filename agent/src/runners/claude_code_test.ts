import assert from "node:assert/strict";
import {
  abortAfterFirstChunk,
  drain,
  exited,
  fakeFile,
  FIXTURE_BIN_DIR,
  fixtureBin,
  recordedArgv,
  tempProject,
} from "../../test/fixtures/runner_harness.ts";
import { createRunner, type RunRequest } from "./runner.ts";

const runner = (extra: Partial<Parameters<typeof createRunner>[0]> = {}, graceMs = 2000) =>
  createRunner({ runner: "claude-code", bin: fixtureBin("claude"), ...extra }, {
    killGraceMs: graceMs,
  });

function request(projectDir: string, prompt: string, resume: string | null = null): RunRequest {
  return { prompt, projectDir, resume, signal: new AbortController().signal };
}

Deno.test("claude-code: happy path streams readable Markdown in order and keeps the session id", async () => {
  const dir = await tempProject();
  const { chunks, text, result } = await drain(
    runner({ apiKey: "sk-test" }).run(request(dir, "hello")),
  );
  assert.deepEqual(result, { status: "ok", resume: "5b2a3f0e-9c1d-4e8a-b7f6-1a2b3c4d5e6f" });
  assert.equal(
    text,
    [
      "I'll run the tests first.",
      "",
      "🔧 `Bash`: `npm test`",
      "```",
      "> demo@1.0.0 test",
      "> node --test",
      "",
      "✖ add (1.2ms)",
      "ℹ tests 1",
      "ℹ fail 1",
      "```",
      "📝 edited `src/add.ts`",
      "🔧 `Bash`: `rm -rf /`",
      "⚠️ `Bash` failed: Claude requested permissions to use Bash, but you haven't granted it yet.",
      "",
      "Fixed the sign in `add`; the tests pass now.",
    ].join("\n"),
  );
  assert.ok(chunks.every((c) => !c.includes('"type"')), "no raw JSON");
  assert.deepEqual(await recordedArgv(dir), [
    "-p",
    "hello",
    "--output-format",
    "stream-json",
    "--verbose",
    "--permission-mode",
    "acceptEdits",
  ]);
  assert.equal(await fakeFile(dir, "key"), "sk-test");
});

Deno.test("claude-code: continue passes --resume with the previous session id", async () => {
  const dir = await tempProject();
  const r = runner({ model: "opus", extraArgs: ["--permission-mode", "bypassPermissions"] });
  const { result } = await drain(r.run(request(dir, "hello again", "sess-prev-42")));
  assert.deepEqual(result, { status: "ok", resume: "sess-prev-42" });
  assert.deepEqual(await recordedArgv(dir), [
    "-p",
    "hello again",
    "--output-format",
    "stream-json",
    "--verbose",
    "--resume",
    "sess-prev-42",
    "--model",
    "opus",
    "--permission-mode",
    "bypassPermissions",
  ]);
});

Deno.test("claude-code: is_error with subtype success is an error (the auth trap)", async () => {
  const dir = await tempProject();
  const { text, result } = await drain(runner().run(request(dir, "please fail")));
  assert.equal(result.status, "error");
  assert.equal(
    result.status === "error" && result.reason,
    "Claude Code: Invalid API key · Please run /login",
  );
  assert.equal(result.resume, "5b2a3f0e-9c1d-4e8a-b7f6-1a2b3c4d5e6f");
  assert.match(text, /Invalid API key/);
});

Deno.test("claude-code: error_max_turns carries errors[] instead of result", async () => {
  const dir = await tempProject();
  const { result } = await drain(runner().run(request(dir, "max-turns")));
  assert.equal(result.status, "error");
  assert.match(result.status === "error" ? result.reason : "", /Reached maximum number of turns/);
});

Deno.test("claude-code: unknown events, non-JSON and broken lines are tolerated", async () => {
  const dir = await tempProject();
  const { text, result } = await drain(runner().run(request(dir, "garbage")));
  assert.equal(result.status, "ok");
  assert.equal(text, "Still fine.");
});

Deno.test("claude-code: a prompt that looks like a flag is not read as one", async () => {
  const dir = await tempProject();
  await drain(runner().run(request(dir, "--help me")));
  assert.equal((await recordedArgv(dir))[1], " --help me");
});

Deno.test("claude-code: killed by a signal without a result → error with stderr", async () => {
  const dir = await tempProject();
  const { result } = await drain(runner().run(request(dir, "crash")));
  assert.equal(result.status, "error");
  assert.equal(
    result.status === "error" && result.reason,
    "Claude Code was killed by SIGKILL: panic: something broke",
  );
});

Deno.test("claude-code: abort kills the whole process tree and returns aborted", async () => {
  const dir = await tempProject();
  const ctl = new AbortController();
  const gen = runner({}, 3000).run({ ...request(dir, "spawn-child"), signal: ctl.signal });
  const { result, elapsedMs, childPid } = await abortAfterFirstChunk(gen, ctl, dir);
  assert.deepEqual(result, { status: "aborted", resume: "5b2a3f0e-9c1d-4e8a-b7f6-1a2b3c4d5e6f" });
  assert.ok(elapsedMs < 3000, `took ${elapsedMs} ms`);
  assert.ok(childPid);
  assert.ok(await exited(childPid));
});

Deno.test("claude-code: a grandchild ignoring SIGTERM is SIGKILLed after the grace period", async () => {
  const dir = await tempProject();
  const ctl = new AbortController();
  const gen = runner({}, 500).run({ ...request(dir, "stubborn"), signal: ctl.signal });
  const { result, elapsedMs, childPid } = await abortAfterFirstChunk(gen, ctl, dir);
  assert.equal(result.status, "aborted");
  assert.ok(elapsedMs >= 450 && elapsedMs < 2500, `took ${elapsedMs} ms`);
  assert.ok(childPid);
  assert.ok(await exited(childPid));
});

Deno.test("claude-code: preflight finds the binary on PATH or explains", async () => {
  const found = createRunner({ runner: "claude-code" }, {
    getEnv: (n) => n === "PATH" ? FIXTURE_BIN_DIR : undefined,
  });
  assert.equal(await found.preflight(), null);
  const missing = createRunner({ runner: "claude-code" }, { getEnv: () => "/nonexistent" });
  assert.match(
    (await missing.preflight()) ?? "",
    /^Claude Code not found: `claude` is not an executable on PATH/,
  );
});
