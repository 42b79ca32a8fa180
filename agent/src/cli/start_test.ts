import type { PromptCommand } from "@remoteagent/shared/schemas.ts";
import { assert, assertEquals, assertIncludes, assertRejects } from "../../test/assert.ts";
import { tempDir, testCli } from "../../test/cli_harness.ts";
import { holdingScript, ScriptedRunner } from "../../test/scripted_runner.ts";
import { startStubRelay } from "../../test/stub_relay.ts";
import { ConfigStore } from "../config/store.ts";
import { ConfigError, RevokedError, UsageError } from "../errors.ts";
import { initCommand } from "./init.ts";
import { startCommand } from "./start.ts";

function prompt(n: number, text: string): PromptCommand {
  return {
    type: "prompt",
    sessionId: `ses_${String(n).padStart(16, "0")}`,
    prompt: text,
    continueSessionId: null,
    startedBy: { telegramUserId: 1, name: "Ada" },
    expiresAt: Date.now() + 60_000,
  };
}

async function paired() {
  const relay = startStubRelay();
  relay.codes.set("ABCD-EFGH", "fresh");
  const tmp = await tempDir();
  const home = `${tmp.path}/home`;
  const project = `${tmp.path}/proj`;
  await Deno.mkdir(project);
  const flags = [
    "--server",
    relay.url,
    "--code",
    "ABCD-EFGH",
    "--name",
    "box",
    "--runner",
    "custom",
  ];
  await initCommand.run(
    [...flags, "--runner-bin", "cat"],
    testCli({ cwd: project, home, env: { PATH: Deno.env.get("PATH")! } }).ctx,
  );
  const [agent] = await new ConfigStore(home, () => {}).listAgents();
  return {
    relay,
    home,
    project,
    tmp: tmp.path,
    agentId: agent!.agentId,
    done: async () => {
      await relay.close();
      await tmp.cleanup();
    },
  };
}

Deno.test("start runs a prompt through the real custom runner until Ctrl-C", async () => {
  const p = await paired();
  try {
    const store = new ConfigStore(p.home, () => {});
    await store.saveGlobal({ anthropicApiKey: "sk-ant-must-stay-local" });
    const cli = testCli({ cwd: p.project, home: p.home, env: { PATH: Deno.env.get("PATH")! } });
    const running = startCommand.run([], cli.ctx);
    await p.relay.until(() => p.relay.liveStreams > 0, "the agent to connect");
    p.relay.push(p.agentId, prompt(1, "echo this back"));
    await p.relay.until(() => cli.out().includes("done"), "the task line");
    assertEquals(p.relay.outputText(prompt(1, "").sessionId), "echo this back");
    cli.interrupt();
    assertEquals(await running, 0);
    assertEquals(p.relay.goodbyes, [p.agentId]);
    const out = cli.out();
    assertIncludes(out, "agent 'box', runner custom");
    assertIncludes(out, "connected: waiting for prompts");
    assert(/✓ done +\d+\.\d s {2}echo this back/.test(out), out);
    assertIncludes(out, "Stopped.");
    assert(!out.includes("\x1b["), "no escape codes when stdout is not a terminal");
    assert(!JSON.stringify(p.relay.requests).includes("sk-ant-must-stay-local"), "no key sent");
    const token = (await store.loadAgent(p.agentId))!.token;
    assert(p.relay.requests.every((r) => !r.url.includes(token)), "the token is never in a URL");
    assert(p.relay.requests.some((r) => r.headers.authorization === `Bearer ${token}`));
  } finally {
    await p.done();
  }
});

Deno.test("start by name from anywhere; the status line redraws in place on a terminal", async () => {
  const p = await paired();
  try {
    const runner = new ScriptedRunner(holdingScript());
    const cli = testCli({ cwd: p.tmp, home: p.home, runner, stdoutIsTerminal: true });
    const running = startCommand.run(["box"], cli.ctx);
    await p.relay.until(() => p.relay.liveStreams > 0, "the agent to connect");
    p.relay.push(p.agentId, prompt(1, "a long task"));
    await p.relay.until(() => runner.requests.length === 1, "the task to start");
    assertEquals(runner.requests[0]!.projectDir, p.project);
    cli.interrupt();
    assertEquals(await running, 0);
    assertEquals(p.relay.finished.get(prompt(1, "").sessionId)?.status, "aborted");
    assertIncludes(cli.out(), "\r\x1b[2K");
    assertIncludes(cli.out(), "running: a long task");
    assertIncludes(cli.out(), "aborted");
  } finally {
    await p.done();
  }
});

Deno.test("a revoked agent stops with exit code 3 and the pairing message", async () => {
  const p = await paired();
  try {
    const cli = testCli({ cwd: p.project, home: p.home, runner: new ScriptedRunner() });
    const running = startCommand.run([], cli.ctx);
    await p.relay.until(() => p.relay.liveStreams > 0, "the agent to connect");
    p.relay.revoke(p.agentId);
    const error = await assertRejects(
      () => running,
      RevokedError,
      "run `remoteagent init` to pair again",
    );
    assertEquals(error.exitCode, 3);
    assertIncludes(cli.out(), "revoked");
  } finally {
    await p.done();
  }
});

Deno.test("start explains what is missing", async () => {
  const p = await paired();
  try {
    const elsewhere = testCli({ cwd: p.tmp, home: p.home });
    await assertRejects(
      () => startCommand.run([], elsewhere.ctx),
      ConfigError,
      "no agent is configured for",
    );
    await assertRejects(
      () => startCommand.run(["nope"], elsewhere.ctx),
      UsageError,
      "configured: box",
    );
    await assertRejects(
      () => startCommand.run(["a", "b"], elsewhere.ctx),
      UsageError,
      "unexpected argument 'b'",
    );
    const broken = new ScriptedRunner();
    broken.preflightProblem = "cat is not installed";
    const cli = testCli({ cwd: p.project, home: p.home, runner: broken });
    await assertRejects(() => startCommand.run([], cli.ctx), Error, "cat is not installed");
    await Deno.writeTextFile(`${p.home}/agents/${p.agentId}.json`, "{", { mode: 0o600 });
    await assertRejects(
      () => startCommand.run([], cli.ctx),
      ConfigError,
      `${p.agentId}.json is not valid JSON`,
    );
  } finally {
    await p.done();
  }
});
