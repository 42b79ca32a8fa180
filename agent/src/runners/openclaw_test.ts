import assert from "node:assert/strict";
import { join } from "node:path";
import { type FakeOpenAI, startFakeOpenAI } from "../../test/fake_openai.ts";
import { drain, tempProject } from "../../test/fixtures/runner_harness.ts";
import { createRunner, type RunRequest } from "./runner.ts";

async function setup(apiKey?: string) {
  const fake = startFakeOpenAI({ apiKey: "gw-token" });
  const conversationsDir = join(await Deno.makeTempDir(), "conversations");
  const runner = createRunner(
    { runner: "openclaw", baseUrl: fake.url + "/", apiKey: apiKey ?? "gw-token" },
    { conversationsDir },
  );
  return { fake, runner, dir: await tempProject() };
}

function request(
  projectDir: string,
  prompt: string,
  resume: string | null = null,
  signal?: AbortSignal,
): RunRequest {
  return { prompt, projectDir, resume, signal: signal ?? new AbortController().signal };
}

function withFake(name: string, fn: (fakes: FakeOpenAI[]) => Promise<void>) {
  Deno.test(name, async () => {
    const fakes: FakeOpenAI[] = [];
    try {
      await fn(fakes);
    } finally {
      for (const f of fakes) await f.close();
    }
  });
}

withFake("openclaw: streams SSE deltas and stops at [DONE]", async (fakes) => {
  const { fake, runner, dir } = await setup();
  fakes.push(fake);
  fake.enqueue({ kind: "stream", pieces: ["Hel", "lo ", "there."] });
  const { chunks, result } = await drain(runner.run(request(dir, "hi")));
  assert.deepEqual(chunks, ["Hel", "lo ", "there."]);
  assert.equal(result.status, "ok");
  const req = fake.requests[0]!;
  assert.equal(req.path, "/v1/chat/completions");
  assert.equal(req.headers.get("authorization"), "Bearer gw-token");
  assert.deepEqual(req.body, {
    model: "openclaw",
    stream: true,
    messages: [{ role: "user", content: "hi" }],
  });
});

withFake("openclaw: continue sends the locally stored history", async (fakes) => {
  const { fake, runner, dir } = await setup();
  fakes.push(fake);
  fake.enqueue({ kind: "stream", pieces: ["Noted."] }, { kind: "stream", pieces: ["42."] });
  const first = await drain(runner.run(request(dir, "remember 42")));
  const second = await drain(runner.run(request(dir, "which number?", first.result.resume)));
  assert.deepEqual(second.result, { status: "ok", resume: first.result.resume });
  assert.deepEqual(fake.requests[1]!.body!.messages, [
    { role: "user", content: "remember 42" },
    { role: "assistant", content: "Noted." },
    { role: "user", content: "which number?" },
  ]);
});

withFake("openclaw: an error before the stream becomes an error result", async (fakes) => {
  const { fake, runner, dir } = await setup("wrong");
  fakes.push(fake);
  const { result } = await drain(runner.run(request(dir, "hi")));
  assert.deepEqual(result, {
    status: "error",
    reason: `gateway at ${fake.url} answered HTTP 401: Incorrect API key provided.`,
    resume: null,
  });
});

withFake("openclaw: a mid-stream error object ends the run with an error", async (fakes) => {
  const { fake, runner, dir } = await setup();
  fakes.push(fake);
  fake.enqueue({ kind: "mid_error", pieces: ["Partial"], message: "upstream model crashed" });
  const { text, result } = await drain(runner.run(request(dir, "hi", "prev-id")));
  assert.match(text, /Partial$/);
  // The handle the user had stays usable: nothing of the failed exchange was stored.
  assert.deepEqual(result, {
    status: "error",
    reason: "gateway error: upstream model crashed",
    resume: "prev-id",
  });
});

withFake("openclaw: abort mid-stream returns aborted", async (fakes) => {
  const { fake, runner, dir } = await setup();
  fakes.push(fake);
  fake.enqueue({ kind: "hang", pieces: ["Thinking"] });
  const ctl = new AbortController();
  const gen = runner.run(request(dir, "hi", null, ctl.signal));
  await gen.next(); // role-only first delta yields nothing; this is "Thinking"
  ctl.abort();
  const { result } = await drain(gen);
  assert.deepEqual(result, { status: "aborted", resume: null });
});

withFake("openclaw: preflight reports reachable and unreachable gateways", async (fakes) => {
  const { fake, runner } = await setup();
  fakes.push(fake);
  assert.equal(await runner.preflight(), null);
  const wrongKey = createRunner({ runner: "openclaw", baseUrl: fake.url, apiKey: "nope" });
  assert.match((await wrongKey.preflight()) ?? "", /rejected the API key \(HTTP 401\)/);
  // A port that was just free: nothing listens there.
  const l = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (l.addr as Deno.NetAddr).port;
  l.close();
  const down = createRunner({ runner: "openclaw", baseUrl: `http://127.0.0.1:${port}` });
  assert.equal(
    await down.preflight(),
    `cannot reach the OpenAI-compatible gateway at http://127.0.0.1:${port} (is it running?)`,
  );
  const { result } = await drain(down.run(request(await tempProject(), "hi")));
  assert.equal(result.status, "error");
  assert.match(
    result.status === "error" ? result.reason : "",
    /^cannot reach the OpenAI-compatible gateway/,
  );
});

Deno.test("openclaw: the default gateway address is 127.0.0.1:18789", async () => {
  let asked = "";
  const r = createRunner({ runner: "openclaw" }, {
    fetch: (input) => {
      asked = String(input);
      return Promise.reject(new TypeError("connection refused"));
    },
  });
  assert.equal(
    await r.preflight(),
    "cannot reach the OpenAI-compatible gateway at http://127.0.0.1:18789 (is it running?)",
  );
  assert.equal(asked, "http://127.0.0.1:18789/v1/models");
});
