import assert from "node:assert/strict";
import { readSse } from "./sse.ts";

function body(...parts: string[]): ReadableStream<Uint8Array> {
  const enc = new TextEncoder();
  return new ReadableStream({
    start(c) {
      for (const p of parts) c.enqueue(enc.encode(p));
      c.close();
    },
  });
}

Deno.test("readSse handles split chunks, CRLF, comments, event names and multi-line data", async () => {
  const events = [];
  for await (
    const e of readSse(
      body(
        ": keep-alive\n\nda",
        'ta: {"a":1}\r\n\r\nevent: x\ndata: one\ndata: two\n\n',
        "data: last",
      ),
    )
  ) {
    events.push(e);
  }
  assert.deepEqual(events, [
    { event: undefined, data: '{"a":1}' },
    { event: "x", data: "one\ntwo" },
    { event: undefined, data: "last" },
  ]);
});
