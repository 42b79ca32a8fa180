import assert from "node:assert/strict";
import {
  abortAfterFirstChunk,
  drain,
  exited,
  fixtureBin,
  recordedArgv,
  tempProject,
} from "../../test/fixtures/runner_harness.ts";
import { createRunner, type RunnerSettings, type RunRequest } from "./runner.ts";

const runner = (extra: Partial<RunnerSettings> = {}) =>
  createRunner({ runner: "aider", bin: fixtureBin("aider"), ...extra }, { killGraceMs: 3000 });

function request(projectDir: string, prompt: string): RunRequest {
  return { prompt, projectDir, resume: null, signal: new AbortController().signal };
}

Deno.test("aider: the reply is streamed without banners; edits and commits summarized", async () => {
  const dir = await tempProject();
  const { text, result } = await drain(runner({ model: "sonnet" }).run(request(dir, "hello")));
  assert.deepEqual(result, { status: "ok", resume: null });
  assert.equal(
    text,
    [
      "I'll fix the sign in `add`.",
      "",
      "src/add.py",
      "```python",
      "<<<<<<< SEARCH",
      "    return a - b",
      "=======",
      "    return a + b",
      ">>>>>>> REPLACE",
      "```",
      "",
      "📝 edited `src/add.py`",
      "✅ committed `1a2b3c4` fix: correct sign in add",
      "",
    ].join("\n"),
  );
  assert.ok(!text.includes("Aider v") && !text.includes("Tokens:"));
  assert.deepEqual(await recordedArgv(dir), [
    "--message",
    "hello",
    "--yes-always",
    "--no-pretty",
    "--model",
    "sonnet",
  ]);
});

Deno.test("aider: an API failure in the text is an error although the exit code is 0", async () => {
  const dir = await tempProject();
  const { text, result } = await drain(runner().run(request(dir, "fail")));
  assert.equal(result.status, "error");
  assert.match(
    result.status === "error" ? result.reason : "",
    /^aider: litellm\.AuthenticationError: /,
  );
  assert.match(text, /⚠️ The API provider is not able to authenticate you/);
});

Deno.test("aider: edit-format failures after the reply are errors", async () => {
  const dir = await tempProject();
  const { result } = await drain(runner().run(request(dir, "edit-fail")));
  assert.equal(result.status, "error");
  assert.match(
    result.status === "error" ? result.reason : "",
    /did not conform to the edit format/,
  );
});

Deno.test("aider: an error followed by a successful retry is ok", async () => {
  const dir = await tempProject();
  const { result } = await drain(runner().run(request(dir, "retry-ok")));
  assert.deepEqual(result, { status: "ok", resume: null });
});

Deno.test("aider: an API key given as provider=key goes to the environment", async () => {
  const dir = await tempProject();
  await drain(runner({ apiKey: "anthropic=sk-ant-x" }).run(request(dir, "hello")));
  assert.ok(!(await recordedArgv(dir)).some((a) => a.includes("sk-ant-x")));
});

Deno.test("aider: abort kills the tree", async () => {
  const dir = await tempProject();
  const ctl = new AbortController();
  const gen = runner().run({ ...request(dir, "spawn-child"), signal: ctl.signal });
  const { result, elapsedMs, childPid } = await abortAfterFirstChunk(gen, ctl, dir);
  assert.deepEqual(result, { status: "aborted", resume: null });
  assert.ok(elapsedMs < 3000);
  assert.ok(childPid && await exited(childPid));
});
