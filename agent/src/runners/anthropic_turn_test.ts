import assert from "node:assert/strict";
import Anthropic from "@anthropic-ai/sdk";
import { startFakeAnthropic } from "../../test/fake_anthropic.ts";
import { streamTurn } from "./anthropic_turn.ts";

Deno.test("streamTurn joins input_json_delta pieces and reports the stop reason", async () => {
  const fake = startFakeAnthropic({ apiKey: "k" });
  try {
    const client = new Anthropic({ apiKey: "k", baseURL: fake.url, maxRetries: 0 });
    fake.enqueue({
      kind: "message",
      content: [
        { type: "text", text: "Checking the weather in two places." },
        {
          type: "tool_use",
          id: "toolu_a",
          name: "get_weather",
          input: { location: "San Francisco, CA", unit: "celsius" },
        },
      ],
    });
    const gen = streamTurn(client, {
      model: "m",
      max_tokens: 100,
      messages: [{ role: "user", content: "hi" }],
    }, new AbortController().signal);
    const deltas: string[] = [];
    let n = await gen.next();
    while (!n.done) {
      deltas.push(n.value);
      n = await gen.next();
    }
    assert.ok(deltas.length >= 3);
    assert.equal(deltas.join(""), "Checking the weather in two places.");
    assert.equal(n.value.stopReason, "tool_use");
    assert.deepEqual(n.value.toolUses, [{
      id: "toolu_a",
      name: "get_weather",
      input: { location: "San Francisco, CA", unit: "celsius" },
      badInput: false,
    }]);
  } finally {
    await fake.close();
  }
});

Deno.test("the fake API rejects a tool_use turn not followed by leading tool_result blocks", async () => {
  const fake = startFakeAnthropic({ apiKey: "k" });
  try {
    const client = new Anthropic({ apiKey: "k", baseURL: fake.url, maxRetries: 0 });
    const messages: Anthropic.MessageParam[] = [
      { role: "user", content: "hi" },
      {
        role: "assistant",
        content: [{ type: "tool_use", id: "toolu_x", name: "list_files", input: {} }],
      },
      {
        role: "user",
        content: [
          { type: "text", text: "here you go" },
          { type: "tool_result", tool_use_id: "toolu_x", content: "a.txt" },
        ],
      },
    ];
    const err = await client.messages.create({ model: "m", max_tokens: 10, messages, stream: true })
      .then(
        () => null,
        (e) => e,
      );
    assert.ok(err instanceof Anthropic.APIError);
    assert.equal(err.status, 400);
    assert.equal(err.type, "invalid_request_error");
    assert.match(
      String(err.apiMessage),
      /`tool_use` ids were found without `tool_result` blocks immediately after: toolu_x/,
    );
  } finally {
    await fake.close();
  }
});
