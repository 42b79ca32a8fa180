import assert from "node:assert/strict";
import { ClaudeCodeParser } from "./claude_code_parser.ts";

const exit = { code: 0, signal: null, aborted: false, stderrTail: [] };

Deno.test("partial messages stream text once; a result without is_error is ok", () => {
  const p = new ClaudeCodeParser("/p");
  const lines = [
    { type: "system", subtype: "init", session_id: "s1", cwd: "/p" },
    {
      type: "stream_event",
      event: { type: "message_start", message: { id: "m1" } },
      session_id: "s1",
    },
    {
      type: "stream_event",
      event: { type: "content_block_delta", index: 0, delta: { type: "text_delta", text: "Hel" } },
    },
    {
      type: "stream_event",
      event: { type: "content_block_delta", index: 0, delta: { type: "text_delta", text: "lo" } },
    },
    { type: "assistant", message: { id: "m1", content: [{ type: "text", text: "Hello" }] } },
    { type: "system", subtype: "api_retry", attempt: 2, retry_delay_ms: 1000, error: "overloaded" },
    { type: "result", subtype: "success", is_error: false, result: "Hello", session_id: "s2" },
  ];
  const out = lines.flatMap((l) => p.push(JSON.stringify(l))).join("");
  assert.equal(out, "Hello\n\n⏳ API error, retrying (attempt 2)…\n");
  assert.deepEqual(p.finish(exit), { status: "ok", resume: "s2" });
});

Deno.test("no result line: a clean exit is still an error", () => {
  const p = new ClaudeCodeParser("/p");
  assert.deepEqual(p.finish({ ...exit, stderrTail: ["Error: not logged in"] }), {
    status: "error",
    reason: "Claude Code ended without a result: Error: not logged in",
    resume: null,
  });
});
