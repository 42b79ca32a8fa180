/**
 * Claude Code's permission prompts end to end on the agent: the claude-code runner passes
 * `--mcp-config` and `--permission-prompt-tool mcp__remoteagent__approve`; the fake `claude`
 * starts `remoteagent permission-prompt` from that config and calls the tool the way the real
 * CLI does; the stub relay plays the person who allows one command and denies another.
 */
import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { startStubRelay } from "../../test/stub_relay.ts";
import { fixtureBin, recordedArgv, tempProject } from "../../test/fixtures/runner_harness.ts";
import { runAgent } from "../connection/agent_loop.ts";
import { createApiClient } from "../connection/client.ts";
import { ClaudeCodeRunner } from "../runners/claude_code.ts";
import { createRunner } from "../runners/runner.ts";
import { Policy } from "./policy.ts";
import { PERMISSION_PROMPT_TOOL } from "./prompt_bridge.ts";

const AGENT = "agt_claudeperm0000001";
const agentDir = fileURLToPath(new URL("../..", import.meta.url));
/** `deno run` of this agent's main.ts, as `selfCommand()` builds it for a `deno run` agent. */
const SELF = [
  Deno.execPath(),
  "run",
  "--quiet",
  "--config",
  join(agentDir, "deno.json"),
  "--allow-net=127.0.0.1",
  "--allow-env",
  "--allow-read",
  join(agentDir, "main.ts"),
];

Deno.test("claude-code: permission prompts go through remoteagent's MCP tool to a person", async () => {
  const relay = startStubRelay();
  const dir = await tempProject();
  const token = relay.addAgent(AGENT, "my-api");
  relay.onApprovalRequest = (request, agentId) => {
    const allow = request.what.includes("allowed");
    setTimeout(
      () =>
        relay.answerApproval(
          agentId,
          request,
          allow ? "allow-once" : "deny",
          allow ? null : "not b",
        ),
      20,
    );
  };
  const stop = new AbortController();
  const done = runAgent({
    client: createApiClient({ server: relay.url, token }),
    runner: createRunner(
      { runner: "claude-code", bin: fixtureBin("claude"), permissionMode: "ask" },
      { killGraceMs: 1000, selfCommand: SELF },
    ),
    projectDir: dir,
    resumes: { get: () => null, set: () => Promise.resolve() },
    onEvent: () => {},
    signal: stop.signal,
    version: "0.0.0-test",
    permissions: { policy: new Policy("ask"), save: () => Promise.resolve() },
  });
  try {
    await relay.until(() => relay.liveStreams > 0, "the agent to subscribe");
    const sessionId = "ses_claudeperm00000001";
    relay.push(AGENT, {
      type: "prompt",
      sessionId,
      prompt: "$ echo allowed > a.txt\n$ touch b.txt",
      continueSessionId: null,
      startedBy: { telegramUserId: 1001, name: "@alice" },
      expiresAt: Date.now() + 60_000,
    });
    await relay.until(() => relay.finished.has(sessionId), "the task to finish", 60_000);
    assert.equal(relay.finished.get(sessionId)!.status, "done");

    const argv = await recordedArgv(dir);
    const flag = (name: string) => argv[argv.indexOf(name) + 1];
    assert.equal(flag("--permission-prompt-tool"), PERMISSION_PROMPT_TOOL);
    assert.equal(flag("--permission-mode"), "default");
    assert.ok(!existsSync(flag("--mcp-config")!), "the MCP config is removed after the task");

    assert.deepEqual(
      relay.approvalRequests.map((r) => [r.tool, r.what, r.why, r.pattern]),
      [
        ["Bash", "echo allowed > a.txt", "Run step 1", "Bash(echo allowed > a.txt)"],
        ["Bash", "touch b.txt", "Run step 2", "Bash(touch:*)"],
      ],
    );
    // Claude Code's documented answers, as the fake CLI read them from the tool.
    const answers = JSON.parse(await Deno.readTextFile(join(dir, ".fake", "permissions.json")));
    assert.deepEqual(answers, [
      {
        behavior: "allow",
        updatedInput: { command: "echo allowed > a.txt", description: "Run step 1" },
      },
      { behavior: "deny", message: "The user denied this tool call: not b" },
    ]);
    assert.equal(await Deno.readTextFile(join(dir, "a.txt")), "allowed\n");
    assert.ok(!existsSync(join(dir, "b.txt")));
    const output = relay.outputText(sessionId);
    assert.match(output, /allowed once by @alice/);
    assert.match(output, /denied by @alice: not b/);
    assert.match(output, /was told: The user denied this tool call: not b/);
  } finally {
    stop.abort();
    await done;
    await relay.close();
  }
});

Deno.test("claude-code: auto mode keeps the old flags and starts no MCP server", () => {
  const runner = new ClaudeCodeRunner({
    runner: "claude-code",
    bin: "claude",
    permissionMode: "auto",
  }, {});
  const args = (runner as unknown as { args(r: { prompt: string; resume: null }): string[] })
    .args({ prompt: "hi", resume: null });
  assert.deepEqual(args.slice(-2), ["--permission-mode", "acceptEdits"]);
  assert.ok(!args.includes("--permission-prompt-tool"));
});
