import assert from "node:assert/strict";
import { join } from "node:path";
import { drain } from "../../test/fixtures/runner_harness.ts";
import { SDK_KEY, sdkTest } from "../../test/fixtures/sdk_harness.ts";
import { createRunner } from "./runner.ts";

sdkTest(
  "claude-sdk: streams text deltas, sends the key to the API, stores the conversation 0600",
  async ({ fake, conversationsDir, runner, request }) => {
    fake.enqueue({
      kind: "message",
      content: [{ type: "text", text: "Hello from the **fake** API." }],
    });
    const { chunks, text, result } = await drain(runner.run(request("hi")));
    assert.equal(text, "Hello from the **fake** API.");
    assert.ok(chunks.length >= 3, "text arrives in several deltas");
    assert.equal(result.status, "ok");
    const id = result.resume!;
    assert.match(id, /^[0-9a-f-]{36}$/);
    const req = fake.requests[0]!;
    const auth = req.headers.get("x-api-key") ?? req.headers.get("authorization");
    assert.ok(auth?.includes(SDK_KEY));
    assert.equal(req.body.model, "claude-test");
    assert.deepEqual(req.body.tools?.map((t) => t.name), [
      "list_files",
      "read_file",
      "search_files",
      "write_file",
      "edit_file",
      "run_command",
      "send_file",
    ]);
    const file = join(conversationsDir, `${id}.json`);
    if (Deno.build.os !== "windows") {
      assert.equal((await Deno.stat(file)).mode! & 0o777, 0o600);
      assert.equal((await Deno.stat(conversationsDir)).mode! & 0o777, 0o700);
    }
    const stored = JSON.parse(await Deno.readTextFile(file));
    assert.deepEqual(stored.messages.map((m: { role: string }) => m.role), ["user", "assistant"]);
  },
);

sdkTest(
  "claude-sdk: continue replays the stored history to the API",
  async ({ fake, runner, request }) => {
    fake.enqueue(
      { kind: "message", content: [{ type: "text", text: "Noted: 42." }] },
      { kind: "message", content: [{ type: "text", text: "It was 42." }] },
    );
    const first = await drain(runner.run(request("remember 42")));
    assert.equal(first.result.status, "ok");
    const second = await drain(runner.run(request("what number?", first.result.resume)));
    assert.deepEqual(second.result, { status: "ok", resume: first.result.resume });
    assert.deepEqual(fake.requests[1]!.body.messages, [
      { role: "user", content: "remember 42" },
      { role: "assistant", content: [{ type: "text", text: "Noted: 42." }] },
      { role: "user", content: "what number?" },
    ]);
  },
);

sdkTest(
  "claude-sdk: an unknown resume handle starts a new conversation with a warning",
  async ({ fake, runner, request }) => {
    fake.enqueue({ kind: "message", content: [{ type: "text", text: "Hi." }] });
    const { text, result } = await drain(runner.run(request("hi", "../../etc/passwd")));
    assert.match(text, /^⚠️ previous conversation not found; starting a new one\n\nHi\.$/);
    assert.equal(result.status, "ok");
    assert.notEqual(result.resume, "../../etc/passwd");
    assert.equal(fake.requests[0]!.body.messages.length, 1);
  },
);

sdkTest("claude-sdk: HTTP 401 becomes an error result", async ({ runner, request }) => {
  const { result } = await drain(runner.run(request("hi")));
  assert.equal(result.status, "error");
  assert.equal(
    result.status === "error" && result.reason,
    "Anthropic API error (401 authentication_error): invalid x-api-key",
  );
  assert.ok(result.resume);
}, { apiKey: "sk-wrong" });

sdkTest(
  "claude-sdk: an overloaded_error event mid-stream becomes an error result",
  async ({ fake, runner, request }) => {
    fake.enqueue({
      kind: "stream_error",
      type: "overloaded_error",
      message: "Overloaded",
      textBefore: "Start",
    });
    const { text, result } = await drain(runner.run(request("hi")));
    assert.equal(text, "Start");
    assert.equal(result.status, "error");
    assert.equal(
      result.status === "error" && result.reason,
      "Anthropic API error (overloaded_error): Overloaded",
    );
  },
);

sdkTest(
  "claude-sdk: abort while streaming returns aborted; the history stays valid for continue",
  async ({ fake, runner, request }) => {
    fake.enqueue({ kind: "hang", textBefore: "Thinking about it" });
    const ctl = new AbortController();
    const gen = runner.run(request("long task", null, ctl.signal));
    const first = await gen.next();
    assert.equal(first.done, false);
    ctl.abort();
    const { result } = await drain(gen);
    assert.equal(result.status, "aborted");
    fake.enqueue({ kind: "message", content: [{ type: "text", text: "Resumed." }] });
    const again = await drain(runner.run(request("go on", result.resume)));
    assert.equal(again.result.status, "ok");
    assert.equal(fake.requests.at(-1)!.status, 200);
    assert.deepEqual(fake.requests.at(-1)!.body.messages, [
      {
        role: "user",
        content: [{ type: "text", text: "long task" }, { type: "text", text: "go on" }],
      },
    ]);
  },
);

sdkTest(
  "claude-sdk: the turn limit ends the loop with an error",
  async ({ fake, runner, request }) => {
    for (let i = 0; i < 2; i++) {
      fake.enqueue({
        kind: "message",
        content: [{ type: "tool_use", name: "list_files", input: {} }],
      });
    }
    const { result } = await drain(runner.run(request("loop")));
    assert.equal(result.status, "error");
    assert.equal(result.status === "error" && result.reason, "stopped after 2 turns (turn limit)");
  },
  { env: { maxTurns: 2 } },
);

Deno.test("claude-sdk: preflight checks that a key is configured", async () => {
  const none = createRunner({ runner: "claude-sdk" }, { getEnv: () => undefined });
  assert.match((await none.preflight()) ?? "", /no Anthropic API key configured/);
  const fromEnv = createRunner({ runner: "claude-sdk" }, {
    getEnv: (n) => n === "ANTHROPIC_API_KEY" ? "k" : undefined,
  });
  assert.equal(await fromEnv.preflight(), null);
});
