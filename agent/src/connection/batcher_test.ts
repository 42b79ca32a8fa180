import { OUTPUT_FLUSH_CHARS, OUTPUT_FLUSH_INTERVAL_MS } from "@remoteagent/shared/protocol.ts";
import { assertEquals, assertRejects } from "../../test/assert.ts";
import { OutputBatcher, splitChunks } from "./batcher.ts";
import type { Timers } from "./timers.ts";

/** Timers driven by hand. */
class FakeClock implements Timers {
  now = 0;
  #timers = new Map<number, { at: number; fn: () => void }>();
  #next = 1;
  setTimeout(fn: () => void, ms: number): unknown {
    const id = this.#next++;
    this.#timers.set(id, { at: this.now + ms, fn });
    return id;
  }
  clearTimeout(handle: unknown): void {
    this.#timers.delete(handle as number);
  }
  setInterval(): unknown {
    throw new Error("not used");
  }
  clearInterval(): void {}
  advance(ms: number): void {
    this.now += ms;
    for (const [id, timer] of [...this.#timers]) {
      if (timer.at <= this.now) {
        this.#timers.delete(id);
        timer.fn();
      }
    }
  }
}

function setup() {
  const clock = new FakeClock();
  const sent: { seq: number; text: string }[] = [];
  const batcher = new OutputBatcher({
    send: (seq, text) => (sent.push({ seq, text }), Promise.resolve()),
    timers: clock,
  });
  return { clock, sent, batcher };
}

const tick = () => new Promise((r) => setTimeout(r, 0));

Deno.test("small output waits for the flush interval", async () => {
  const { clock, sent, batcher } = setup();
  batcher.push("a");
  clock.advance(OUTPUT_FLUSH_INTERVAL_MS / 2);
  batcher.push("b");
  await tick();
  assertEquals(sent, []);
  clock.advance(OUTPUT_FLUSH_INTERVAL_MS / 2);
  await tick();
  assertEquals(sent, [{ seq: 0, text: "ab" }]);
  batcher.push("c");
  clock.advance(OUTPUT_FLUSH_INTERVAL_MS);
  await tick();
  assertEquals(sent.at(-1), { seq: 1, text: "c" });
});

Deno.test("enough buffered output is sent at once", async () => {
  const { sent, batcher } = setup();
  batcher.push("x".repeat(OUTPUT_FLUSH_CHARS - 1));
  await tick();
  assertEquals(sent.length, 0);
  batcher.push("yz");
  await tick();
  assertEquals(sent.map((s) => [s.seq, s.text.length]), [[0, OUTPUT_FLUSH_CHARS + 1]]);
});

Deno.test("close flushes the rest; order and seq numbers hold", async () => {
  const { sent, batcher } = setup();
  const parts = Array.from({ length: 50 }, (_, i) => `part ${i} `.repeat(40));
  for (const part of parts) batcher.push(part);
  await batcher.close();
  assertEquals(sent.map((s) => s.seq), sent.map((_, i) => i));
  assertEquals(sent.map((s) => s.text).join(""), parts.join(""));
});

Deno.test("huge output is cut into chunks the relay accepts", async () => {
  const clock = new FakeClock();
  const sent: string[] = [];
  const batcher = new OutputBatcher({
    send: (_seq, text) => (sent.push(text), Promise.resolve()),
    maxChunkChars: 10,
    timers: clock,
  });
  batcher.push("0123456789abcdefghijXYZ");
  await batcher.close();
  assertEquals(sent, ["0123456789", "abcdefghij", "XYZ"]);
});

Deno.test("batches are sent one at a time even when send is slow", async () => {
  const clock = new FakeClock();
  let inFlight = 0;
  let most = 0;
  const batcher = new OutputBatcher({
    send: async () => {
      most = Math.max(most, ++inFlight);
      await new Promise((r) => setTimeout(r, 5));
      inFlight--;
    },
    flushChars: 1,
    timers: clock,
  });
  for (let i = 0; i < 5; i++) batcher.push("x");
  await batcher.close();
  assertEquals([batcher.seq, most], [5, 1]);
});

Deno.test("a failed send is reported once and close rethrows it", async () => {
  const clock = new FakeClock();
  const errors: unknown[] = [];
  let calls = 0;
  const batcher = new OutputBatcher({
    send: () => (calls++, Promise.reject(new Error("refused"))),
    onError: (e) => errors.push(e),
    flushChars: 1,
    timers: clock,
  });
  batcher.push("a");
  batcher.push("b");
  await assertRejects(() => batcher.close(), Error, "refused");
  assertEquals([calls, errors.length], [1, 1]);
});

Deno.test("chunks never split a surrogate pair", () => {
  const text = "ab😀cd";
  const chunks = splitChunks(text, 3);
  assertEquals(chunks.join(""), text);
  for (const chunk of chunks) assertEquals(chunk, chunk.toWellFormed());
});
