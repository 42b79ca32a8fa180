import assert from "node:assert/strict";
import { join } from "node:path";
import { drain, tempProject } from "../../test/fixtures/runner_harness.ts";
import type { PermissionMode } from "../approvals/policy.ts";
import { AiderRunner } from "./aider.ts";
import { CodexRunner } from "./codex.ts";
import { GeminiRunner } from "./gemini.ts";
import { createRunner } from "./runner.ts";

// The runner classes themselves: createRunner's runners load them on first use.
const CLASSES = { gemini: GeminiRunner, codex: CodexRunner, aider: AiderRunner };
type WithArgs = { args(r: { prompt: string; resume: null }): string[] };
const argsOf = (runner: keyof typeof CLASSES, mode: PermissionMode | undefined, extra?: string[]) =>
  (new CLASSES[runner](
    { runner, bin: runner, permissionMode: mode, extraArgs: extra },
    {},
  ) as unknown as WithArgs).args({ prompt: "hi", resume: null });

Deno.test("permission modes: gemini maps ask/accept-edits/auto to its approval modes", () => {
  assert.deepEqual(argsOf("gemini", "ask").slice(4, 6), ["--approval-mode", "default"]);
  assert.deepEqual(argsOf("gemini", "accept-edits").slice(4, 6), ["--approval-mode", "auto_edit"]);
  assert.ok(argsOf("gemini", "auto").includes("--yolo"));
  assert.ok(argsOf("gemini", undefined).includes("--yolo"), "agents without a mode keep --yolo");
  assert.ok(!argsOf("gemini", "ask").includes("--yolo"));
  assert.deepEqual(argsOf("gemini", "ask", ["--yolo"]).filter((a) => a.includes("approval")), []);
});

Deno.test("permission modes: codex maps them to sandboxes", () => {
  const sandbox = (a: string[]) => a[a.indexOf("--sandbox") + 1];
  assert.equal(sandbox(argsOf("codex", "ask")), "read-only");
  assert.equal(sandbox(argsOf("codex", "accept-edits")), "workspace-write");
  assert.ok(argsOf("codex", "auto").includes("--full-auto"));
  assert.ok(!argsOf("codex", "ask").includes("--full-auto"));
  assert.ok(!argsOf("codex", "ask", ["--sandbox", "danger-full-access"]).includes("read-only"));
});

Deno.test("permission modes: aider's ask is a dry run, accept-edits never runs shell commands", () => {
  assert.ok(argsOf("aider", "ask").includes("--dry-run"));
  assert.ok(argsOf("aider", "accept-edits").includes("--no-suggest-shell-commands"));
  assert.ok(!argsOf("aider", "accept-edits").includes("--dry-run"));
  assert.deepEqual(argsOf("aider", "auto").slice(2, 3), ["--yes-always"]);
});

Deno.test("permission modes: a custom program is told the mode", async () => {
  const dir = await tempProject();
  const script = join(dir, "mode.sh");
  await Deno.writeTextFile(script, '#!/bin/sh\nprintf "mode=%s" "$REMOTEAGENT_PERMISSION_MODE"\n');
  await Deno.chmod(script, 0o755);
  const runner = createRunner({ runner: "custom", bin: script, permissionMode: "ask" }, {});
  const { text } = await drain(
    runner.run({
      prompt: "x",
      projectDir: dir,
      resume: null,
      signal: new AbortController().signal,
    }),
  );
  assert.equal(text, "mode=ask");
});
