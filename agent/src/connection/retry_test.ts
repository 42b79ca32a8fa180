import { TRPCClientError } from "@trpc/client";
import { assertEquals, assertRejects } from "../../test/assert.ts";
import { RevokedError } from "../errors.ts";
import { dropReason, isTransient, revocationOf } from "./failures.ts";
import { retryTransient } from "./retry.ts";

function trpcError(httpStatus: number, domainCode: string | null = null) {
  return new TRPCClientError("failed", {
    result: { error: { code: -32000, message: "failed", data: { httpStatus, domainCode } } },
  });
}

Deno.test("network failures and 5xx/429 are transient; domain errors are not", () => {
  assertEquals(isTransient(new TypeError("fetch failed")), true);
  assertEquals(isTransient(trpcError(502)), true);
  assertEquals(isTransient(trpcError(429, "RATE_LIMITED")), true);
  assertEquals(isTransient(trpcError(404, "SESSION_NOT_FOUND")), false);
  assertEquals(isTransient(trpcError(400)), false);
  assertEquals(isTransient(trpcError(401, "AGENT_REVOKED")), false);
});

Deno.test("a revoked or unknown token is recognised", () => {
  assertEquals(revocationOf(trpcError(401, "AGENT_REVOKED"))?.exitCode, 3);
  assertEquals(revocationOf(trpcError(401, "UNAUTHENTICATED")) instanceof RevokedError, true);
  assertEquals(revocationOf(trpcError(500)), null);
});

Deno.test("transient failures are retried until the call succeeds", async () => {
  let calls = 0;
  const delays: number[] = [];
  const result = await retryTransient(
    () => (++calls < 4 ? Promise.reject(trpcError(503)) : Promise.resolve("ok")),
    { sleep: (ms) => (delays.push(ms), Promise.resolve()), random: () => 0.5 },
  );
  assertEquals([result, calls], ["ok", 4]);
  assertEquals(delays, [250, 500, 1000]);
});

Deno.test("other failures are thrown at once", async () => {
  let calls = 0;
  await assertRejects(
    () => retryTransient(() => (calls++, Promise.reject(trpcError(401, "AGENT_REVOKED")))),
    TRPCClientError,
  );
  assertEquals(calls, 1);
});

Deno.test("retrying stops when the signal aborts", async () => {
  const abort = new AbortController();
  let calls = 0;
  await assertRejects(
    () =>
      retryTransient(() => {
        if (++calls === 2) abort.abort();
        return Promise.reject(new TypeError("offline"));
      }, { signal: abort.signal, sleep: () => Promise.resolve() }),
    TypeError,
  );
  assertEquals(calls, 2);
});

Deno.test("drop reasons are short enough for the status line", () => {
  const refused = new TypeError(
    "fetch failed: error sending request for url (http://x/api/trpc/…)",
    {
      cause: new Error(
        "client error (Connect): tcp connect error: Connection refused (os error 111)",
      ),
    },
  );
  assertEquals(
    dropReason(new TRPCClientError("Unknown error", { cause: refused })),
    "connection refused",
  );
  assertEquals(dropReason(new TRPCClientError("Unknown error")), "connection lost");
  assertEquals(
    dropReason(new Error("dns error: failed to lookup address")),
    "cannot resolve the server's name",
  );
  assertEquals(dropReason(new Error("Non-200 status code (502)")), "the server answered 502");
  assertEquals(dropReason(null), "connection closed");
});
