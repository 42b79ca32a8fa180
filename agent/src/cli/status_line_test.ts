import { assertEquals, assertIncludes } from "../../test/assert.ts";
import { testCli } from "../../test/cli_harness.ts";
import { fit, StatusLine } from "./status_line.ts";

Deno.test("fit cuts to the terminal width, ignoring colour codes", () => {
  assertEquals(fit("short", 10), "short");
  assertEquals(fit("0123456789abc", 10), "012345678…");
  assertEquals(fit("\x1b[32m●\x1b[0m 0123456789", 6), "\x1b[32m●\x1b[0m 012…\x1b[0m");
});

Deno.test("plain output: one line per state change and per task", () => {
  const cli = testCli({ cwd: "/", home: "/x" });
  const view = new StatusLine(cli.ctx, "https://relay.example");
  view.handle({ type: "status", state: "connecting" });
  view.handle({ type: "status", state: "connected" });
  view.handle({
    type: "status",
    state: "reconnecting",
    retryInMs: 4200,
    error: "connection refused",
  });
  view.handle({
    type: "task-end",
    sessionId: "ses_1",
    preview: "fix the tests",
    status: "failed",
    reason: "exit code 2\nmore",
    durationMs: 12_345,
  });
  assertEquals(cli.out().split("\n"), [
    "○ connecting to https://relay.example…",
    "● connected: waiting for prompts (Ctrl-C to stop)",
    "○ reconnecting (next try in 5 s): connection refused",
    "✗ failed    12.3 s  fix the tests (exit code 2)",
    "",
  ]);
});

Deno.test("on a terminal the status line is redrawn in place, task lines above it", () => {
  const cli = testCli({ cwd: "/", home: "/x", stdoutIsTerminal: true, env: { NO_COLOR: "1" } });
  const view = new StatusLine(cli.ctx, "https://relay.example");
  view.handle({ type: "status", state: "connected" });
  view.handle({
    type: "task-end",
    sessionId: "ses_1",
    preview: "p",
    status: "done",
    reason: null,
    durationMs: 1000,
  });
  view.end();
  assertIncludes(cli.out(), "\r\x1b[2K● connected");
  assertIncludes(cli.out(), "\r\x1b[2K✓ done       1.0 s  p\n");
  assertEquals(cli.out().endsWith("\n"), true);
});

Deno.test("a task aborted by Ctrl-C ends under 'stopping…', not 'waiting for prompts'", () => {
  const cli = testCli({ cwd: "/", home: "/x", stdoutIsTerminal: true, env: { NO_COLOR: "1" } });
  const view = new StatusLine(cli.ctx, "https://relay.example");
  view.handle({ type: "status", state: "connected" });
  view.handle({ type: "task-start", sessionId: "ses_1", preview: "p", queued: 0 });
  view.handle({ type: "status", state: "stopping" });
  const before = cli.out().length;
  view.handle({
    type: "task-end",
    sessionId: "ses_1",
    preview: "p",
    status: "aborted",
    reason: null,
    durationMs: 1000,
  });
  view.end();
  const after = cli.out().slice(before);
  assertIncludes(after, "■ aborted");
  assertIncludes(after, "○ stopping…");
  assertEquals(after.includes("waiting for prompts"), false);
});
