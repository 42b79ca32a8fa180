/**
 * Approvals through the real agent loop and the claude-sdk runner against the fake Messages API,
 * with the stub relay playing the person: allow once runs the command, a deny's reason reaches
 * the model, "allow for this task" asks once, "always" is saved, a timeout denies, an abort while
 * waiting ends the task.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import type { ApprovalRequestInput, PromptCommand } from "@remoteagent/shared/schemas.ts";
import { startStubRelay, type StubRelay } from "../../test/stub_relay.ts";
import { type FakeAnthropic, startFakeAnthropic } from "../../test/fake_anthropic.ts";
import { tempProject } from "../../test/fixtures/runner_harness.ts";
import { blocks } from "../../test/fixtures/sdk_harness.ts";
import { runAgent } from "../connection/agent_loop.ts";
import { createApiClient } from "../connection/client.ts";
import { createRunner } from "../runners/runner.ts";
import { Policy } from "./policy.ts";

const AGENT = "agt_approvals00000001";
const KEY = "sk-ant-approvals";
let n = 0;

interface Harness {
  relay: StubRelay;
  fake: FakeAnthropic;
  dir: string;
  saved: string[][];
  policy: Policy;
  run(prompt: string): Promise<{ sessionId: string; output: string; status: string }>;
  push(prompt: string): string;
  close(): Promise<void>;
}

async function harness(mode: "ask" | "accept-edits" = "ask", always: string[] = []) {
  const relay = startStubRelay();
  const fake = startFakeAnthropic({ apiKey: KEY });
  const dir = await tempProject();
  const token = relay.addAgent(AGENT, "my-api");
  const saved: string[][] = [];
  const policy = new Policy(mode, [...always]);
  const stop = new AbortController();
  const done = runAgent({
    client: createApiClient({ server: relay.url, token }),
    runner: createRunner(
      { runner: "claude-sdk", apiKey: KEY, baseUrl: fake.url, model: "claude-test" },
      { conversationsDir: join(dir, ".conv"), anthropicMaxRetries: 0, killGraceMs: 1000 },
    ),
    projectDir: dir,
    resumes: { get: () => null, set: () => Promise.resolve() },
    onEvent: () => {},
    signal: stop.signal,
    version: "0.0.0-test",
    permissions: { policy, save: (rules) => (saved.push(rules), Promise.resolve()) },
  });
  await relay.until(() => relay.liveStreams > 0, "the agent to subscribe");
  const push = (prompt: string) => {
    const sessionId = `ses_${String(++n).padStart(16, "0")}`;
    const command: PromptCommand = {
      type: "prompt",
      sessionId,
      prompt,
      continueSessionId: null,
      startedBy: { telegramUserId: 1001, name: "@alice" },
      expiresAt: Date.now() + 60_000,
    };
    relay.push(AGENT, command);
    return sessionId;
  };
  const h: Harness = {
    relay,
    fake,
    dir,
    saved,
    policy,
    push,
    async run(prompt) {
      const sessionId = push(prompt);
      await relay.until(() => relay.finished.has(sessionId), "the task to finish", 15_000);
      return {
        sessionId,
        output: relay.outputText(sessionId),
        status: relay.finished.get(sessionId)!.status,
      };
    },
    async close() {
      stop.abort();
      await done;
      await relay.close();
      await fake.close();
    },
  };
  return h;
}

const runCommand = (command: string) => ({
  kind: "message" as const,
  content: [{ type: "tool_use" as const, name: "run_command", input: { command } }],
});
const say = (text: string) => ({
  kind: "message" as const,
  content: [{ type: "text" as const, text }],
});

/** The tool_result the model got in request `i`. */
function toolResult(fake: FakeAnthropic, i: number) {
  return blocks(fake.requests[i]?.body.messages.at(-1)).find((b) => b.type === "tool_result");
}

function answerEach(
  h: Harness,
  decide: (r: ApprovalRequestInput) => Parameters<StubRelay["answerApproval"]>[2] | null,
  reason: string | null = null,
) {
  h.relay.onApprovalRequest = (request, agentId) => {
    const decision = decide(request);
    if (decision) setTimeout(() => h.relay.answerApproval(agentId, request, decision, reason), 20);
  };
}

Deno.test("approvals: ask → allow once → the command ran, and the output says who allowed it", async () => {
  const h = await harness();
  try {
    answerEach(h, () => "allow-once");
    h.fake.enqueue(runCommand("echo ran > proof.txt"), say("Done."));
    const { output, status } = await h.run("make a proof");
    assert.equal(status, "done");
    assert.equal(await Deno.readTextFile(join(h.dir, "proof.txt")), "ran\n");
    assert.equal(h.relay.approvalRequests.length, 1);
    assert.deepEqual(
      { ...h.relay.approvalRequests[0]!, requestId: "", sessionId: "" },
      {
        requestId: "",
        sessionId: "",
        tool: "Bash",
        what: "echo ran > proof.txt",
        why: null,
        detail: null,
        pattern: "Bash(echo ran > proof.txt)",
      },
    );
    assert.match(output, /🔐 Bash `echo ran > proof.txt`: allowed once by @alice/);
    assert.equal(toolResult(h.fake, 1)?.is_error, undefined);
  } finally {
    await h.close();
  }
});

Deno.test("approvals: a deny with a reason reaches the model and nothing runs", async () => {
  const h = await harness();
  try {
    answerEach(h, () => "deny", "use make clean instead");
    h.fake.enqueue(runCommand("touch denied.txt"), say("OK, I will not."));
    const { output, status } = await h.run("clean up");
    assert.equal(status, "done");
    await assert.rejects(Deno.stat(join(h.dir, "denied.txt")), Deno.errors.NotFound);
    const result = toolResult(h.fake, 1)!;
    assert.equal(result.is_error, true);
    assert.equal(result.content, "The user denied this tool call: use make clean instead");
    assert.match(output, /denied by @alice: use make clean instead/);
  } finally {
    await h.close();
  }
});

Deno.test("approvals: allow for this task asks once per task; always is saved for every task", async () => {
  const h = await harness();
  try {
    answerEach(h, (r) => (r.what.startsWith("npm") ? "allow-always" : "allow-task"));
    h.fake.enqueue(
      runCommand("touch one.txt"),
      runCommand("touch two.txt"),
      say("Twice."),
    );
    await h.run("log twice");
    await Deno.stat(join(h.dir, "one.txt"));
    await Deno.stat(join(h.dir, "two.txt"));
    assert.equal(h.relay.approvalRequests.length, 1, "no second prompt in the task");
    // A new task asks again.
    h.fake.enqueue(runCommand("touch three.txt"), say("Again."));
    await h.run("log again");
    assert.equal(h.relay.approvalRequests.length, 2);

    // "Always": saved to the config, and not asked again, even in a later task.
    const script = join(h.dir, "package.json");
    await Deno.writeTextFile(script, "{}");
    h.fake.enqueue(runCommand("npm --version"), say("v."), runCommand("npm --version"), say("v."));
    await h.run("npm version");
    assert.equal(h.relay.approvalRequests.at(-1)!.pattern, "Bash(npm:*)");
    assert.deepEqual(h.saved.at(-1), ["Bash(npm:*)"]);
    const before = h.relay.approvalRequests.length;
    await h.run("npm version again");
    assert.equal(h.relay.approvalRequests.length, before);
  } finally {
    await h.close();
  }
});

Deno.test("approvals: no answer in time → denied, and the relay is told", async () => {
  const h = await harness();
  try {
    h.relay.approvalTimeoutMs = 300;
    h.fake.enqueue(runCommand("touch late.txt"), say("Gave up."));
    const { status, output } = await h.run("be late");
    assert.equal(status, "done");
    await assert.rejects(Deno.stat(join(h.dir, "late.txt")), Deno.errors.NotFound);
    assert.deepEqual(h.relay.approvalExpiries.map((e) => e.why), ["timeout"]);
    assert.match(
      String(toolResult(h.fake, 1)?.content),
      /nobody answered the approval request in time/,
    );
    assert.match(output, /denied \(nobody answered/);
  } finally {
    await h.close();
  }
});

Deno.test("approvals: accept-edits writes files without asking, shows a diff for commands; abort while waiting ends the task", async () => {
  const h = await harness("accept-edits");
  try {
    h.fake.enqueue({
      kind: "message",
      content: [{ type: "tool_use", name: "write_file", input: { path: "a.txt", content: "x\n" } }],
    }, runCommand("sleep 1"));
    const sessionId = h.push("write then wait");
    await h.relay.until(() => h.relay.approvalRequests.length === 1, "the approval request");
    assert.equal(await Deno.readTextFile(join(h.dir, "a.txt")), "x\n");
    h.relay.push(AGENT, { type: "abort", sessionId });
    await h.relay.until(() => h.relay.finished.has(sessionId), "the aborted task");
    assert.equal(h.relay.finished.get(sessionId)!.status, "aborted");
    assert.deepEqual(h.relay.approvalExpiries.map((e) => e.why), ["aborted"]);
  } finally {
    await h.close();
  }
});

Deno.test("approvals: an edit request carries the path, a diff stat and the first lines", async () => {
  const h = await harness();
  try {
    await Deno.writeTextFile(join(h.dir, "add.ts"), "return a - b;\n");
    answerEach(h, () => "allow-once");
    h.fake.enqueue({
      kind: "message",
      content: [{
        type: "tool_use",
        name: "edit_file",
        input: { path: "add.ts", old_string: "a - b", new_string: "a + b" },
      }],
    }, say("Fixed."));
    await h.run("fix add");
    const request = h.relay.approvalRequests[0]!;
    assert.equal(request.tool, "Edit");
    assert.equal(request.what, "add.ts (+1 −1)");
    assert.equal(request.detail, "- a - b\n+ a + b");
    assert.equal(request.pattern, "Edit(add.ts)");
    assert.equal(await Deno.readTextFile(join(h.dir, "add.ts")), "return a + b;\n");
  } finally {
    await h.close();
  }
});
