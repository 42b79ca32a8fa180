import { assert, assertEquals, assertIncludes, assertRejects } from "../../test/assert.ts";
import { tempDir, testCli } from "../../test/cli_harness.ts";
import { ScriptedRunner } from "../../test/scripted_runner.ts";
import { startStubRelay } from "../../test/stub_relay.ts";
import { startFakeAnthropic } from "../../test/fake_anthropic.ts";
import { ConfigStore } from "../config/store.ts";
import { ConfigError, UsageError } from "../errors.ts";
import { VERSION } from "../version.ts";
import { COMMANDS, runCli } from "./dispatch.ts";
import { initCommand } from "./init.ts";

async function paired() {
  const relay = startStubRelay();
  relay.codes.set("ABCD-EFGH", "fresh");
  const tmp = await tempDir();
  const home = `${tmp.path}/home`;
  const project = `${tmp.path}/proj`;
  await Deno.mkdir(project);
  const args = [
    "--server",
    relay.url,
    "--code",
    "ABCD-EFGH",
    "--name",
    "box",
    "--runner",
    "claude-sdk",
  ];
  const env = { ANTHROPIC_API_KEY: "sk-ant-do-not-print-4242" };
  await initCommand.run([...args, "--model", "m"], testCli({ cwd: project, home, env }).ctx);
  const store = new ConfigStore(home, () => {});
  const [agent] = await store.listAgents();
  const cli = (cwd = project) => testCli({ cwd, home, runner: new ScriptedRunner() });
  return {
    relay,
    home,
    project,
    store,
    agent: agent!,
    cli,
    tmp: tmp.path,
    done: async () => {
      await relay.close();
      await tmp.cleanup();
    },
  };
}

Deno.test("--version, --help and every command's --help", async () => {
  const cli = testCli({ cwd: "/", home: "/nonexistent" });
  assertEquals(await runCli(["--version"], cli.ctx), 0);
  assertIncludes(cli.out(), `remoteagent ${VERSION}`);
  assertEquals(await runCli(["--help"], cli.ctx), 0);
  for (const command of COMMANDS) {
    assertIncludes(cli.out(), command.name);
    const one = testCli({ cwd: "/", home: "/nonexistent" });
    assertEquals(await runCli([command.name, "--help"], one.ctx), 0);
    assertIncludes(one.out(), `Usage: remoteagent ${command.name}`);
  }
  assertEquals(
    await runCli([], testCli({ cwd: "/", home: "/x" }).ctx),
    2,
    "no command: help, exit 2",
  );
});

Deno.test("unknown commands and options are one clear line", async () => {
  const cli = testCli({ cwd: "/", home: "/nonexistent" });
  await assertRejects(
    () => runCli(["strat"], cli.ctx),
    UsageError,
    "unknown command 'strat': use one of init, start",
  );
  await assertRejects(
    () => runCli(["--verbose"], cli.ctx),
    UsageError,
    "unknown option '--verbose'",
  );
  await assertRejects(
    () => runCli(["list", "--all"], cli.ctx),
    UsageError,
    "unknown option '--all'",
  );
  await assertRejects(
    () => runCli(["list", "extra"], cli.ctx),
    UsageError,
    "unexpected argument 'extra'",
  );
});

Deno.test("list shows the configured agents", async () => {
  const p = await paired();
  try {
    const cli = p.cli();
    assertEquals(await runCli(["list"], cli.ctx), 0);
    const [header, row] = cli.out().trim().split("\n");
    assertIncludes(header!, "NAME");
    for (const part of ["box", p.project, "claude-sdk (m)", p.relay.url]) {
      assertIncludes(row!, part);
    }
    const empty = testCli({ cwd: "/", home: `${p.tmp}/other-home` });
    await runCli(["list"], empty.ctx);
    assertIncludes(empty.out(), "No agent is configured");
  } finally {
    await p.done();
  }
});

Deno.test("status shows the agent, the server and the token", async () => {
  const p = await paired();
  try {
    const cli = p.cli();
    assertEquals(await runCli(["status"], cli.ctx), 0);
    assertIncludes(cli.out(), "reachable yes");
    assertIncludes(cli.out(), "token     valid");
    p.relay.revoke(p.agent.agentId);
    const after = p.cli();
    assertEquals(await runCli(["status"], after.ctx), 1);
    assertIncludes(after.out(), "token     revoked");
    await assertRejects(
      () => runCli(["status"], p.cli(p.tmp).ctx),
      ConfigError,
      "no agent is configured",
    );
  } finally {
    await p.done();
  }
});

Deno.test("doctor checks everything and never prints a secret", async () => {
  const p = await paired();
  try {
    if (Deno.build.os !== "windows") await Deno.chmod(p.store.configPath, 0o644);
    const cli = p.cli();
    assertEquals(await runCli(["doctor"], cli.ctx), 0);
    const out = cli.out() + cli.err();
    assert(!out.includes("sk-ant"), "no part of the key is shown");
    assertIncludes(out, "token: accepted");
    // api.anthropic.com cannot be reached from the tests: the key is present but unchecked.
    assertIncludes(out, "ok   API key for claude-sdk: set (config.json), not verified (");
    assertIncludes(out, "runner claude-sdk: ready");
    if (Deno.build.os !== "windows") assertIncludes(cli.err(), "too open");
    p.relay.healthStatus = 503;
    const failing = p.cli();
    assertEquals(await runCli(["doctor"], failing.ctx), 1);
    assertIncludes(failing.out(), "FAIL server");
  } finally {
    await p.done();
  }
});

Deno.test("doctor asks the provider whether it accepts the key", async () => {
  const p = await paired();
  const anthropic = startFakeAnthropic({ apiKey: "sk-ant-do-not-print-4242" });
  try {
    const env = { ANTHROPIC_BASE_URL: anthropic.url };
    const good = testCli({ cwd: p.project, home: p.home, env, runner: new ScriptedRunner() });
    assertEquals(await runCli(["doctor"], good.ctx), 0);
    assertIncludes(
      good.out(),
      "ok   API key for claude-sdk: set (config.json), accepted by the Anthropic API",
    );
    const store = new ConfigStore(p.home, () => {});
    await store.saveGlobal({ ...(await store.loadGlobal()), anthropicApiKey: "sk-ant-fake-key" });
    const bad = testCli({ cwd: p.project, home: p.home, env, runner: new ScriptedRunner() });
    assertEquals(await runCli(["doctor"], bad.ctx), 1);
    assertIncludes(
      bad.out(),
      "FAIL API key for claude-sdk: set (config.json), rejected by the Anthropic API (401)",
    );
    assert(!bad.out().includes("sk-ant"), "no part of the key is shown");
  } finally {
    await anthropic.close();
    await p.done();
  }
});

Deno.test("remove revokes on the server and deletes the files", async () => {
  const p = await paired();
  try {
    const cli = p.cli();
    assertEquals(await runCli(["remove"], cli.ctx), 0);
    assertEquals(p.relay.removed, [p.agent.agentId]);
    assertIncludes(cli.out(), "revoked on the server");
    assertEquals(await p.store.listAgents(), []);
  } finally {
    await p.done();
  }
});

Deno.test("remove still deletes the files when the server is unreachable, and says so", async () => {
  const p = await paired();
  try {
    await p.relay.close();
    const cli = p.cli(p.tmp);
    assertEquals(await runCli(["remove", "box"], cli.ctx), 0);
    assertIncludes(cli.out(), "still listed on the dashboard");
    assertEquals(await p.store.listAgents(), []);
    await assertRejects(
      () => runCli(["remove", "box"], cli.ctx),
      UsageError,
      "no agent named 'box'",
    );
  } finally {
    await Deno.remove(p.tmp, { recursive: true });
  }
});

Deno.test("remove asks first on a terminal", async () => {
  const p = await paired();
  try {
    const cli = testCli({ cwd: p.project, home: p.home, answers: ["n"] });
    assertEquals(await runCli(["remove"], cli.ctx), 1);
    assertEquals((await p.store.listAgents()).length, 1);
  } finally {
    await p.done();
  }
});

Deno.test("init pairs a new agent in ask mode; config shows and changes the mode and the rules", async () => {
  const p = await paired();
  try {
    assertEquals(p.agent.permissions, { mode: "ask", allow: [] });
    const show = p.cli();
    assertEquals(await runCli(["config"], show.ctx), 0);
    assertIncludes(show.out(), "permissions  ask");
    const change = p.cli();
    assertEquals(
      await runCli(
        ["config", "--permission-mode", "accept-edits", "--allow", "Bash(npm test:*)"],
        change.ctx,
      ),
      0,
    );
    assertIncludes(change.out(), "Restart");
    const [saved] = await p.store.listAgents();
    assertEquals(saved!.permissions, { mode: "accept-edits", allow: ["Bash(npm test:*)"] });
    if (Deno.build.os !== "windows") {
      assertEquals((await Deno.stat(p.store.agentPath(saved!.agentId))).mode! & 0o777, 0o600);
    }
    assertEquals(await runCli(["config", "--forget", "Bash(npm test:*)"], p.cli().ctx), 0);
    assertEquals((await p.store.listAgents())[0]!.permissions!.allow, []);
    await assertRejects(
      () => runCli(["config", "--permission-mode", "yolo"], p.cli().ctx),
      UsageError,
    );
    await assertRejects(() => runCli(["config", "--allow", "Bash(oops"], p.cli().ctx), UsageError);
  } finally {
    await p.done();
  }
});
