import { join } from "node:path";
import { assert, assertEquals, assertIncludes } from "../../test/assert.ts";
import type { PromptCommand } from "@remoteagent/shared/schemas.ts";
import { startStubRelay, type StubRelay } from "../../test/stub_relay.ts";
import { type Script, ScriptedRunner } from "../../test/scripted_runner.ts";
import { runAgent } from "../connection/agent_loop.ts";
import { createApiClient } from "../connection/client.ts";
import { gitText } from "./git.ts";
import { httpFileTransfer } from "./transfer.ts";

const AGENT = "agt_review00000000001";
const sid = (n: number) => `ses_review${String(n).padStart(10, "0")}`;
const rid = (n: number) => `rvw_request${String(n).padStart(9, "0")}`;

function prompt(n: number, text: string, files?: PromptCommand["files"]): PromptCommand {
  return {
    type: "prompt",
    sessionId: sid(n),
    prompt: text,
    continueSessionId: null,
    startedBy: { telegramUserId: 1, name: "Ada" },
    expiresAt: Date.now() + 60_000,
    ...(files ? { files } : {}),
  };
}

async function gitProject(): Promise<string> {
  const dir = await Deno.makeTempDir({ prefix: "reviewer-test-" });
  await gitText(dir, ["init", "-q"]);
  await Deno.writeTextFile(join(dir, "a.txt"), "original\n");
  await Deno.writeTextFile(join(dir, "b.txt"), "untouched\n");
  return dir;
}

async function agent(projectDir: string, script: Script) {
  const relay: StubRelay = startStubRelay();
  const token = relay.addAgent(AGENT);
  const runner = new ScriptedRunner(script);
  const stop = new AbortController();
  const done = runAgent({
    client: createApiClient({ server: relay.url, token }),
    files: httpFileTransfer({ server: relay.url, token }),
    runner,
    projectDir,
    resumes: { get: () => null, set: () => Promise.resolve() },
    onEvent: () => {},
    signal: stop.signal,
    version: "0.0.0-test",
  });
  await relay.until(() => relay.liveStreams > 0, "the agent to subscribe");
  return {
    relay,
    runner,
    async close() {
      stop.abort();
      await done;
      await relay.close();
      await Deno.remove(projectDir, { recursive: true });
    },
  };
}

Deno.test("a task's changes are summarised after its output; /diff repeats them, /undo reverts", async () => {
  const dir = await gitProject();
  const h = await agent(dir, async function* (req) {
    await Deno.writeTextFile(join(req.projectDir, "a.txt"), "changed by the task\n");
    await Deno.writeTextFile(join(req.projectDir, "new.txt"), "new\n");
    yield "edited\n";
    return { status: "ok", resume: null };
  });
  try {
    h.relay.push(AGENT, prompt(1, "edit things"));
    await h.relay.until(() => h.relay.finished.has(sid(1)), "the task to finish");
    const [summary] = h.relay.replies;
    assertEquals(summary?.sessionId, sid(1));
    assertIncludes(summary!.text, "📝 2 files changed (+2 −1)");
    assertIncludes(summary!.text, "M a.txt +1 −1");
    assertIncludes(summary!.text, "+changed by the task");

    h.relay.push(AGENT, { type: "review", requestId: rid(1), action: "diff" });
    await h.relay.until(() => h.relay.replies.length === 2, "the /diff answer");
    assertEquals(h.relay.replies[1]!.requestId, rid(1));
    assertIncludes(h.relay.replies[1]!.text, "Last task: “edit things”");
    assertIncludes(h.relay.replies[1]!.text, "A new.txt +1 −0");

    h.relay.push(AGENT, { type: "review", requestId: rid(2), action: "undo" });
    await h.relay.until(() => h.relay.replies.length === 3, "the /undo answer");
    assertIncludes(h.relay.replies[2]!.text, "2 restored");
    assertEquals(await Deno.readTextFile(join(dir, "a.txt")), "original\n");
    assertEquals(await Deno.stat(join(dir, "new.txt")).catch(() => null), null);
    assertEquals(await Deno.readTextFile(join(dir, "b.txt")), "untouched\n");

    h.relay.push(AGENT, { type: "review", requestId: rid(3), action: "undo" });
    await h.relay.until(() => h.relay.replies.length === 4, "the second /undo answer");
    assertIncludes(h.relay.replies[3]!.text, "already undone");
  } finally {
    await h.close();
  }
});

Deno.test("files sent with a prompt land in the inbox; outbox files and a long diff come back as documents", async () => {
  const dir = await gitProject();
  const photo = new Uint8Array(70_000).map((_, i) => (i * 7919) % 256);
  const h = await agent(dir, async function* (req) {
    const outbox = join(req.projectDir, ".remoteagent", "outbox");
    await Deno.mkdir(outbox, { recursive: true });
    await Deno.writeTextFile(join(outbox, "report.txt"), `prompt was: ${req.prompt}`);
    // A change whose diff does not fit in one message.
    await Deno.writeTextFile(join(req.projectDir, "big.txt"), "line of text\n".repeat(600));
    yield "done\n";
    return { status: "ok", resume: null };
  });
  try {
    h.relay.files.set("ref-1", photo);
    h.relay.push(
      AGENT,
      prompt(1, "look", [{ ref: "ref-1", name: "../../photo.jpg", size: photo.length }]),
    );
    await h.relay.until(() => h.relay.finished.has(sid(1)), "the task to finish");
    const sent = h.runner.requests[0]!.prompt;
    assertEquals(
      sent,
      "look\n\n(Sent with this message and saved in the project: .remoteagent/inbox/photo.jpg)",
    );
    assertEquals(await Deno.readFile(join(dir, ".remoteagent", "inbox", "photo.jpg")), photo);

    assertIncludes(h.relay.replies[0]!.text, "The diff follows as a document.");
    const names = h.relay.uploads.map((u) => u.name);
    assertEquals(names, [`${sid(1)}.diff`, "report.txt"]);
    assert(h.relay.uploads.every((u) => u.target.sessionId === sid(1)));
    assertIncludes(new TextDecoder().decode(h.relay.uploads[0]!.bytes), "+line of text");
    assertEquals(
      new TextDecoder().decode(h.relay.uploads[1]!.bytes),
      `prompt was: ${sent}`,
    );
    assertEquals(await gitText(dir, ["status", "--porcelain"]), "?? a.txt\n?? b.txt\n?? big.txt\n");
  } finally {
    await h.close();
  }
});

Deno.test("outside git the summary lists modified files and undo says it is unavailable", async () => {
  const dir = await Deno.makeTempDir({ prefix: "reviewer-plain-" });
  await Deno.writeTextFile(join(dir, "notes.txt"), "v1");
  const h = await agent(dir, async function* (req) {
    await Deno.writeTextFile(join(req.projectDir, "notes.txt"), "version 2");
    yield "ok\n";
    return { status: "ok", resume: null };
  });
  try {
    h.relay.push(AGENT, prompt(1, "edit notes"));
    await h.relay.until(() => h.relay.finished.has(sid(1)), "the task to finish");
    assertIncludes(
      h.relay.replies[0]!.text,
      "1 file modified during the task (not a git repository",
    );
    assertIncludes(h.relay.replies[0]!.text, "M notes.txt");
    h.relay.push(AGENT, { type: "review", requestId: rid(1), action: "undo" });
    await h.relay.until(() => h.relay.replies.length === 2, "the /undo answer");
    assertIncludes(h.relay.replies[1]!.text, "Undo needs a git repository");
    assertEquals(await Deno.readTextFile(join(dir, "notes.txt")), "version 2");
  } finally {
    await h.close();
  }
});
