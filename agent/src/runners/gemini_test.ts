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

const SESSION = "c1f3e0a2-6b7d-4c59-9a8e-2f4d6b8a0c1e";
const runner = (extra: Partial<RunnerSettings> = {}) =>
  createRunner({ runner: "gemini", bin: fixtureBin("gemini"), ...extra }, { killGraceMs: 3000 });

function request(projectDir: string, prompt: string, resume: string | null = null): RunRequest {
  return { prompt, projectDir, resume, signal: new AbortController().signal };
}

Deno.test("gemini: deltas are appended, tools summarized, the user echo skipped", async () => {
  const dir = await tempProject();
  const { text, result } = await drain(runner({ apiKey: "gm-key" }).run(request(dir, "hello")));
  assert.deepEqual(result, { status: "ok", resume: SESSION });
  assert.equal(
    text,
    [
      "I'll list the files.",
      "",
      "🔧 `run_shell_command`: `ls -la`",
      "```",
      "total 8",
      "README.md",
      "src",
      "```",
      "📝 edited `src/add.ts`",
      "📖 read `missing.ts`",
      "⚠️ `read_file` failed: File not found: missing.ts",
      "",
      "Done: fixed `add`.",
    ].join("\n"),
  );
  assert.deepEqual(await recordedArgv(dir), ["-p", "hello", "-o", "stream-json", "--yolo"]);
  assert.equal(await fakeFile(dir, "key"), "gm-key");
});

Deno.test("gemini: continue passes -r with the session id", async () => {
  const dir = await tempProject();
  const { result } = await drain(
    runner({ model: "gemini-2.5-flash" }).run(request(dir, "more", "sess-9")),
  );
  assert.deepEqual(result, { status: "ok", resume: "sess-9" });
  assert.deepEqual(await recordedArgv(dir), [
    "-p",
    "more",
    "-o",
    "stream-json",
    "--yolo",
    "-m",
    "gemini-2.5-flash",
    "-r",
    "sess-9",
  ]);
});

Deno.test("gemini: result status error decides, warnings are shown", async () => {
  const dir = await tempProject();
  const { text, result } = await drain(runner().run(request(dir, "fail")));
  assert.match(text, /⚠️ Loop detected, stopping execution/);
  assert.deepEqual(result, {
    status: "error",
    reason: "Gemini CLI: Quota exceeded for gemini-2.5-pro",
    resume: SESSION,
  });
});

Deno.test("gemini: exit 41 without a stream is explained as an auth failure", async () => {
  const dir = await tempProject();
  const { result } = await drain(runner().run(request(dir, "auth")));
  assert.equal(result.status, "error");
  const reason = result.status === "error" ? result.reason : "";
  assert.match(reason, /^Gemini CLI authentication failed \(exit 41\)/);
  assert.match(reason, /API key not valid/);
  assert.equal(result.resume, null);
});

Deno.test("gemini: exit 53 is the turn limit", async () => {
  const dir = await tempProject();
  const { result } = await drain(runner().run(request(dir, "turn-limit")));
  assert.equal(result.status, "error");
  assert.match(result.status === "error" ? result.reason : "", /turn limit \(exit 53\)/);
  assert.equal(result.resume, SESSION);
});

Deno.test("gemini: abort kills the tree", async () => {
  const dir = await tempProject();
  const ctl = new AbortController();
  const gen = runner().run({ ...request(dir, "spawn-child"), signal: ctl.signal });
  const { result, elapsedMs, childPid } = await abortAfterFirstChunk(gen, ctl, dir);
  assert.deepEqual(result, { status: "aborted", resume: SESSION });
  assert.ok(elapsedMs < 3000);
  assert.ok(childPid && await exited(childPid));
});
