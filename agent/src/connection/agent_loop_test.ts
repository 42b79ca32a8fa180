import { assert, assertEquals, assertRejects } from "../../test/assert.ts";
import type { PromptCommand } from "@remoteagent/shared/schemas.ts";
import { RevokedError } from "../errors.ts";
import { startStubRelay, type StubRelay } from "../../test/stub_relay.ts";
import { echoScript, holdingScript, ScriptedRunner } from "../../test/scripted_runner.ts";
import { runAgent } from "./agent_loop.ts";
import { createApiClient } from "./client.ts";
import type { AgentEvent } from "./events.ts";

const AGENT = "agt_loop0000000000001";

function sid(n: number): string {
  return `ses_${String(n).padStart(16, "0")}`;
}

function prompt(n: number, text: string, continueFrom: number | null = null): PromptCommand {
  return {
    type: "prompt",
    sessionId: sid(n),
    prompt: text,
    continueSessionId: continueFrom === null ? null : sid(continueFrom),
    startedBy: { telegramUserId: 1, name: "Ada" },
    expiresAt: Date.now() + 60_000,
  };
}

/** A folder of its own: the agent keeps its review record in the project (`.remoteagent/`). */
const PROJECT_DIR = Deno.makeTempDirSync({ prefix: "agent-loop-test-" });
globalThis.addEventListener("unload", () => Deno.removeSync(PROJECT_DIR, { recursive: true }));

class MemoryResumes {
  map = new Map<string, string>();
  get(id: string) {
    return this.map.get(id) ?? null;
  }
  set(id: string, resume: string) {
    this.map.set(id, resume);
    return Promise.resolve();
  }
}

interface Harness {
  relay: StubRelay;
  runner: ScriptedRunner;
  resumes: MemoryResumes;
  events: AgentEvent[];
  stop: AbortController;
  done: Promise<void>;
}

async function harness(
  runner = new ScriptedRunner(),
  relay = startStubRelay(),
  heartbeatIntervalMs?: number,
  shutdownGraceMs?: number,
): Promise<Harness> {
  const token = relay.addAgent(AGENT);
  const resumes = new MemoryResumes();
  const events: AgentEvent[] = [];
  const stop = new AbortController();
  const done = runAgent({
    client: createApiClient({ server: relay.url, token }),
    runner,
    projectDir: PROJECT_DIR,
    resumes,
    onEvent: (e) => events.push(e),
    signal: stop.signal,
    version: "0.0.0-test",
    heartbeatIntervalMs,
    shutdownGraceMs,
    random: () => 0,
    sleep: (ms, signal) =>
      new Promise((r) => {
        const t = setTimeout(r, Math.min(ms, 20));
        signal?.addEventListener("abort", () => (clearTimeout(t), r()), { once: true });
      }),
  });
  await relay.until(() => relay.liveStreams > 0, "the agent to subscribe");
  return { relay, runner, resumes, events, stop, done };
}

async function finish(h: Harness): Promise<void> {
  h.stop.abort();
  await h.done;
  await h.relay.close();
}

Deno.test("a prompt is started (not acknowledged), streamed in order and finished", async () => {
  const h = await harness();
  h.relay.push(AGENT, prompt(1, "hello"));
  await h.relay.until(() => h.relay.finished.has(sid(1)), "the task to finish");
  assertEquals(h.relay.acked, [], "a prompt leaves the queue by starting, not by an ack");
  assertEquals(h.relay.started, [sid(1)]);
  assertEquals(h.relay.outputText(sid(1)), "you said: hello\n");
  const end = h.relay.finished.get(sid(1))!;
  assertEquals([end.status, end.reason], ["done", null]);
  assert(end.durationMs >= 0);
  await h.relay.until(() => h.relay.heartbeats.length >= 1, "a heartbeat on connect");
  assert(h.events.some((e) => e.type === "status" && e.state === "connected"));
  await h.relay.until(
    () => h.events.some((e) => e.type === "task-end" && e.status === "done"),
    "the task line",
  );
  await finish(h);
  assertEquals(h.relay.goodbyes, [AGENT]);
});

Deno.test("prompts run one at a time in arrival order", async () => {
  const h = await harness();
  for (let i = 1; i <= 3; i++) h.relay.push(AGENT, prompt(i, `p${i}`));
  await h.relay.until(() => h.relay.finished.size === 3, "three tasks");
  assertEquals(h.relay.started, [sid(1), sid(2), sid(3)]);
  assertEquals(h.runner.requests.map((r) => r.prompt), ["p1", "p2", "p3"]);
  await finish(h);
});

Deno.test("abort stops the running task and drops a queued one", async () => {
  const h = await harness(new ScriptedRunner(holdingScript()));
  h.relay.push(AGENT, prompt(1, "long"));
  h.relay.push(AGENT, prompt(2, "queued"));
  await h.relay.until(() => h.relay.outputText(sid(1)).includes("working"), "output of task 1");
  h.relay.push(AGENT, { type: "abort", sessionId: sid(2) });
  await h.relay.until(() => h.relay.finished.has(sid(2)), "the queued task to be dropped");
  assertEquals(h.relay.finished.get(sid(2))!.status, "aborted");
  h.relay.push(AGENT, { type: "abort", sessionId: null });
  await h.relay.until(() => h.relay.finished.has(sid(1)), "the running task to end");
  assertEquals(h.relay.finished.get(sid(1))!.status, "aborted");
  assertEquals(h.relay.started, [sid(1)], "the dropped task never started");
  await finish(h);
});

Deno.test("a prompt waiting in a process that died is run by the next process, exactly once", async () => {
  const relay = startStubRelay();
  const a = await harness(new ScriptedRunner(holdingScript()), relay);
  relay.push(AGENT, prompt(1, "long"));
  relay.push(AGENT, prompt(2, "waiting"));
  await relay.until(() => relay.outputText(sid(1)).includes("working"), "task 1 runs in A");
  // B: a new process of the same agent, as after a kill -9 of A and a restart. It reads the
  // queue from the start and gets the prompt that was still waiting in A's memory.
  const b = await harness(new ScriptedRunner(echoScript), relay);
  await relay.until(() => relay.finished.has(sid(2)), "task 2 runs in B");
  assertEquals(b.runner.requests.map((r) => r.prompt), ["waiting"], "B never got task 1");
  // A is still alive after all: when task 1 ends it reaches task 2, and is told to skip it.
  relay.push(AGENT, { type: "abort", sessionId: sid(1) });
  await relay.until(
    () => a.events.some((e) => e.type === "task-end" && e.sessionId === sid(2)),
    "A to pass over task 2",
  );
  assertEquals(a.runner.requests.map((r) => r.prompt), ["long"], "task 2 did not run in A");
  assertEquals(relay.started, [sid(1), sid(2)]);
  assert(relay.starters.get(sid(1)) !== relay.starters.get(sid(2)), "two processes");
  assertEquals(relay.finished.get(sid(2))!.status, "done");
  a.stop.abort();
  b.stop.abort();
  await Promise.all([a.done, b.done]);
  await relay.close();
});

Deno.test("a session queued twice (a redelivered update) runs once", async () => {
  const h = await harness();
  h.relay.push(AGENT, prompt(1, "once"));
  h.relay.push(AGENT, prompt(1, "once"));
  h.relay.push(AGENT, prompt(2, "next"));
  await h.relay.until(() => h.relay.finished.has(sid(2)), "task 2");
  assertEquals(h.runner.requests.map((r) => r.prompt), ["once", "next"]);
  await finish(h);
});

Deno.test("continue passes the resume handle of the earlier session", async () => {
  const h = await harness();
  h.relay.push(AGENT, prompt(1, "first"));
  await h.relay.until(() => h.relay.finished.has(sid(1)), "task 1");
  h.relay.push(AGENT, prompt(2, "more", 1));
  await h.relay.until(() => h.relay.finished.has(sid(2)), "task 2");
  assertEquals(h.runner.requests.map((r) => r.resume), [null, "resume-of:first"]);
  assertEquals(h.resumes.get(sid(2)), "resume-of:more");
  await finish(h);
});

Deno.test("a dropped SSE connection resumes after the last id: no gap, no duplicate", async () => {
  const h = await harness();
  const first = h.relay.push(AGENT, prompt(1, "before"));
  await h.relay.until(() => h.relay.finished.has(sid(1)), "task 1");
  h.relay.dropConnections();
  h.relay.push(AGENT, prompt(2, "during"));
  h.relay.push(AGENT, prompt(3, "after"));
  await h.relay.until(() => h.relay.finished.has(sid(3)), "tasks after the drop");
  assertEquals(h.relay.started, [sid(1), sid(2), sid(3)]);
  assertEquals(h.runner.requests.map((r) => r.prompt), ["before", "during", "after"]);
  assert(h.relay.subscribeIds.length >= 2, "the agent subscribed again");
  assertEquals(h.relay.subscribeIds.at(-1), first);
  assert(h.events.some((e) => e.type === "status" && e.state === "reconnecting"));
  await finish(h);
});

Deno.test("output retried after a lost answer keeps its seq (the relay dedupes)", async () => {
  const h = await harness();
  h.relay.failures.set("session.output", { count: 2, afterApply: true });
  h.relay.failures.set("session.finish", { count: 1, afterApply: false });
  h.relay.push(AGENT, prompt(1, "flaky"));
  await h.relay.until(() => h.relay.finished.has(sid(1)), "the task");
  assertEquals(h.relay.outputText(sid(1)), "you said: flaky\n");
  assertEquals(h.relay.finished.get(sid(1))!.status, "done");
  await finish(h);
});

Deno.test("revocation stops the agent with the pairing message", async () => {
  const h = await harness(new ScriptedRunner(holdingScript()));
  h.relay.push(AGENT, prompt(1, "busy"));
  await h.relay.until(() => h.relay.started.length === 1, "the task to start");
  h.relay.revoke(AGENT);
  const error = await assertRejects(() => h.done, RevokedError);
  assertEquals(
    error.message,
    "this agent was removed from the dashboard: run `remoteagent init` to pair again",
  );
  assertEquals(error.exitCode, 3);
  assertEquals(h.runner.requests[0]!.signal.aborted, true, "the running task was aborted");
  assert(h.events.some((e) => e.type === "status" && e.state === "revoked"));
  await h.relay.close();
});

Deno.test("shutdown aborts the running task, reports it and says goodbye", async () => {
  const h = await harness(new ScriptedRunner(holdingScript()));
  h.relay.push(AGENT, prompt(1, "busy"));
  h.relay.push(AGENT, prompt(2, "waiting"));
  await h.relay.until(() => h.relay.outputText(sid(1)).length > 0, "the task to run");
  h.stop.abort();
  await h.done;
  assertEquals(h.relay.finished.get(sid(1))!.status, "aborted");
  assertEquals(h.relay.finished.get(sid(1))!.reason, "the agent was stopped");
  assertEquals(h.relay.finished.get(sid(2))!.status, "aborted");
  assertEquals(h.relay.goodbyes, [AGENT]);
  assertEquals(h.relay.liveStreams, 0);
  await h.relay.close();
});

Deno.test("an unreachable server is retried with backoff until it answers", async () => {
  const relay = startStubRelay();
  relay.failures.set("agent.onCommand", { count: 3, afterApply: false });
  const h = await harness(new ScriptedRunner(echoScript), relay);
  const reconnects = h.events.filter((e) => e.type === "status" && e.state === "reconnecting");
  assertEquals(reconnects.length, 3);
  h.relay.push(AGENT, prompt(1, "finally"));
  await h.relay.until(() => h.relay.finished.has(sid(1)), "the task");
  await finish(h);
});

Deno.test("heartbeats repeat while connected and name the busy session", async () => {
  const h = await harness(new ScriptedRunner(holdingScript()), startStubRelay(), 20);
  h.relay.push(AGENT, prompt(1, "busy"));
  await h.relay.until(
    () => h.relay.heartbeats.some((b) => b.busySessionId === sid(1)),
    "a heartbeat naming the running session",
  );
  await finish(h);
});

Deno.test("a session the relay cancelled before it started is skipped", async () => {
  const h = await harness();
  h.relay.cancelled.add(sid(1));
  h.relay.push(AGENT, prompt(1, "too late"));
  h.relay.push(AGENT, prompt(2, "next"));
  await h.relay.until(() => h.relay.finished.has(sid(2)), "the next task");
  assertEquals(h.runner.requests.map((r) => r.prompt), ["next"]);
  assertEquals(h.relay.finished.has(sid(1)), false);
  await finish(h);
});

Deno.test("a task that ignores the abort does not hold the shutdown past the grace period", async () => {
  // deno-lint-ignore require-yield
  const stubborn = new ScriptedRunner(async function* () {
    await new Promise(() => {}); // never ends, even when aborted
    return { status: "ok", resume: null };
  });
  const h = await harness(stubborn, startStubRelay(), undefined, 200);
  h.relay.push(AGENT, prompt(1, "stubborn"));
  await h.relay.until(() => stubborn.requests.length === 1, "the task to start");
  h.stop.abort();
  await h.done;
  assertEquals(h.relay.goodbyes, [AGENT]);
  assert(h.events.some((e) => e.type === "warning" && e.message.includes("did not stop in time")));
  await h.relay.close();
});
