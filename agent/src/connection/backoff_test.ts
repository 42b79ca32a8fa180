import { RECONNECT_BASE_MS, RECONNECT_CAP_MS } from "@remoteagent/shared/protocol.ts";
import { assert, assertEquals } from "../../test/assert.ts";
import { backoffDelay, sleep } from "./backoff.ts";

Deno.test("the ceiling doubles from the base and stops at the cap", () => {
  const top = (attempt: number) => backoffDelay(attempt, { random: () => 0.999999 });
  assertEquals(top(0), RECONNECT_BASE_MS - 1);
  assertEquals(top(1), 2 * RECONNECT_BASE_MS - 1);
  assertEquals(top(3), 8 * RECONNECT_BASE_MS - 1);
  assertEquals(top(20), RECONNECT_CAP_MS - 1);
  assertEquals(top(5000), RECONNECT_CAP_MS - 1, "no overflow for huge attempts");
});

Deno.test("full jitter: the delay is uniform between 0 and the ceiling", () => {
  assertEquals(backoffDelay(4, { random: () => 0 }), 0);
  assertEquals(backoffDelay(4, { random: () => 0.5, baseMs: 100, capMs: 1000 }), 500);
  for (let attempt = 0; attempt < 30; attempt++) {
    for (let i = 0; i < 50; i++) {
      const delay = backoffDelay(attempt);
      assert(delay >= 0 && delay < RECONNECT_CAP_MS, `delay ${delay} out of bounds`);
      assert(delay < RECONNECT_BASE_MS * 2 ** attempt, `delay ${delay} above the ceiling`);
      assert(Number.isInteger(delay));
    }
  }
});

Deno.test("jittered delays spread out", () => {
  const delays = new Set(Array.from({ length: 100 }, () => backoffDelay(10)));
  assert(delays.size > 50, "random delays, not one value");
});

Deno.test("sleep ends early when its signal aborts", async () => {
  const abort = new AbortController();
  const started = Date.now();
  const slept = sleep(10_000, abort.signal);
  abort.abort();
  await slept;
  assert(Date.now() - started < 1000);
});
