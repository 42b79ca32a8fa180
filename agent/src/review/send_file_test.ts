import assert from "node:assert/strict";
import { join } from "node:path";
import { drain, tempProject } from "../../test/fixtures/runner_harness.ts";
import { blocks, sdkTest } from "../../test/fixtures/sdk_harness.ts";
import { OUTBOX_DIR } from "./inbox.ts";

sdkTest(
  "claude-sdk: send_file queues a project file in the outbox and refuses paths outside",
  async ({ fake, dir, runner, request }) => {
    const outside = await tempProject();
    await Deno.writeTextFile(join(outside, "secret.txt"), "secret");
    await Deno.mkdir(join(dir, "out"));
    const bytes = new Uint8Array([137, 80, 78, 71, 0, 255]);
    await Deno.writeFile(join(dir, "out", "chart.png"), bytes);
    fake.enqueue(
      {
        kind: "message",
        content: [
          {
            type: "tool_use",
            id: "toolu_send",
            name: "send_file",
            input: { path: "out/chart.png" },
          },
          {
            type: "tool_use",
            id: "toolu_out",
            name: "send_file",
            input: { path: `${outside}/secret.txt` },
          },
          { type: "tool_use", id: "toolu_none", name: "send_file", input: { path: "missing.txt" } },
        ],
      },
      { kind: "message", content: [{ type: "text", text: "Sent." }] },
    );
    const { result } = await drain(runner.run(request("send me the chart")));
    assert.equal(result.status, "ok");
    const [sent, escaped, missing] = blocks(fake.requests[1]!.body.messages[2]);
    assert.equal(sent!.is_error, undefined);
    assert.match(String(sent!.content), /will be sent to the user when this task ends/);
    assert.deepEqual(await Deno.readFile(join(dir, OUTBOX_DIR, "chart.png")), bytes);
    assert.equal(escaped!.is_error, true);
    assert.match(String(escaped!.content), /outside the project directory/);
    assert.equal(missing!.is_error, true);
    await assert.rejects(Deno.stat(join(dir, OUTBOX_DIR, "secret.txt")));
  },
);
