import { assert, assertEquals, assertIncludes, assertRejects } from "../../test/assert.ts";
import { tempDir, type TestCli, testCli } from "../../test/cli_harness.ts";
import { startStubRelay, type StubRelay } from "../../test/stub_relay.ts";
import { ConfigStore } from "../config/store.ts";
import { PairingError, ServerError, UsageError } from "../errors.ts";
import { initCommand } from "./init.ts";

const CODE = "ABCD-EFGH";

interface Setup {
  relay: StubRelay;
  home: string;
  project: string;
  store: ConfigStore;
  cli: (opts?: { env?: Record<string, string>; answers?: string[] }) => TestCli;
  done: () => Promise<void>;
}

async function setup(): Promise<Setup> {
  const relay = startStubRelay();
  relay.codes.set(CODE, "fresh");
  const tmp = await tempDir();
  const home = `${tmp.path}/home`;
  const project = `${tmp.path}/my-project`;
  await Deno.mkdir(project);
  return {
    relay,
    home,
    project,
    store: new ConfigStore(home, () => {}),
    cli: (opts = {}) => testCli({ cwd: project, home, env: opts.env, answers: opts.answers }),
    done: async () => {
      await relay.close();
      await tmp.cleanup();
    },
  };
}

const customFlags = ["--runner", "custom", "--runner-bin", "/bin/cat"];

Deno.test("init with flags redeems the code and writes private files", async () => {
  const s = await setup();
  try {
    const cli = s.cli({ env: { ANTHROPIC_API_KEY: "sk-ant-secret-123" } });
    const code = await initCommand.run(
      ["--server", s.relay.url + "/", "--code", "abcd efgh"],
      cli.ctx,
    );
    assertEquals(code, 0);
    const [agent] = await s.store.listAgents();
    assert(agent);
    assertEquals(agent.name, "my-project");
    assertEquals(agent.server, s.relay.url);
    assertEquals(agent.projectDir, s.project);
    assertEquals(agent.runner, { runner: "claude-sdk" });
    assertEquals(agent.accountName, "Test account");
    assertEquals(s.relay.codes.get(CODE), "used");
    assertEquals((await s.store.loadGlobal()).anthropicApiKey, "sk-ant-secret-123");
    if (Deno.build.os !== "windows") {
      for (const dir of [s.home, s.store.agentsDir]) {
        assertEquals((await Deno.stat(dir)).mode! & 0o777, 0o700);
      }
      for (const file of [s.store.configPath, s.store.agentPath(agent.agentId)]) {
        assertEquals((await Deno.stat(file)).mode! & 0o777, 0o600);
      }
    }
    assertIncludes(cli.out(), "Paired: agent 'my-project'");
    const sent = JSON.stringify(s.relay.requests);
    assert(!sent.includes("sk-ant-secret-123"), "the API key never goes to the relay");
  } finally {
    await s.done();
  }
});

Deno.test("each refusal of the server is told as such", async () => {
  const s = await setup();
  try {
    s.relay.codes.set("EXPD-0000", "expired");
    s.relay.codes.set("SEEN-0000", "used");
    const cases: [string, string][] = [
      ["ZZZZ-ZZZZ", "unknown pairing code"],
      ["EXPD-0000", "this pairing code has expired"],
      ["SEEN-0000", "this pairing code was already used"],
    ];
    for (const [code, message] of cases) {
      const args = ["--server", s.relay.url, "--code", code, ...customFlags];
      await assertRejects(() => initCommand.run(args, s.cli().ctx), PairingError, message);
    }
    s.relay.redeemLimit = 0;
    const args = ["--server", s.relay.url, "--code", CODE, ...customFlags];
    await assertRejects(
      () => initCommand.run(args, s.cli().ctx),
      PairingError,
      "too many pairing attempts",
    );
    assertEquals(await s.store.listAgents(), [], "nothing written");
  } finally {
    await s.done();
  }
});

Deno.test("bad input gets one clear line before anything is redeemed", async () => {
  const s = await setup();
  try {
    const run = (args: string[], env?: Record<string, string>) =>
      initCommand.run(args, s.cli({ env }).ctx);
    const ok = ["--server", s.relay.url, "--code", CODE];
    await assertRejects(() => run(["--code", CODE]), UsageError, "--server is required");
    await assertRejects(
      () => run([...ok, "--runner", "gpt"]),
      UsageError,
      "use one of claude-sdk, claude-code",
    );
    await assertRejects(() => run(ok), UsageError, "--runner is required");
    await assertRejects(() => run([...ok, "--runner", "custom"]), UsageError, "--runner-bin");
    await assertRejects(() => run(["--server", "ftp://x", "--code", CODE]), UsageError, "http(s)");
    await assertRejects(
      () => run(["--server", "not a url", "--code", CODE]),
      UsageError,
      "not a server URL",
    );
    await assertRejects(
      () => run([...ok.slice(0, 3), "12", ...customFlags]),
      UsageError,
      "ABCD-EFGH",
    );
    await assertRejects(
      () => run([...ok, ...customFlags, "--name", "bad/name"]),
      UsageError,
      "invalid agent name",
    );
    await assertRejects(
      () => run([...ok, "--runner", "claude-sdk", "--api-key-env", "NOPE"]),
      UsageError,
      "NOPE",
    );
    await assertRejects(() => run([...ok, "--bogus"]), UsageError, "unknown option '--bogus'");
    await assertRejects(
      () => run([...ok, "--runner", "custom", "--runner-bin", "/no/such/program"]),
      Error,
      "custom runner is not ready",
    );
    s.relay.healthStatus = 503;
    await assertRejects(() => run([...ok, ...customFlags]), ServerError, "not healthy");
    assertEquals(s.relay.codes.get(CODE), "fresh", "the code was not spent");
  } finally {
    await s.done();
  }
});

Deno.test("an unreachable server is a clear error", async () => {
  const s = await setup();
  try {
    const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
    const port = (listener.addr as Deno.NetAddr).port;
    listener.close();
    const args = ["--server", `http://127.0.0.1:${port}`, "--code", CODE, ...customFlags];
    await assertRejects(
      () => initCommand.run(args, s.cli().ctx),
      ServerError,
      `connection refused at http://127.0.0.1:${port}: is the relay running?`,
    );
  } finally {
    await s.done();
  }
});

Deno.test("a server that is not a RemoteAgent relay is told so before any pairing call", async () => {
  const s = await setup();
  // Answers 200 to everything, as a web server with a catch-all page does.
  const requests: string[] = [];
  const other = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen: () => {} }, (req) => {
    requests.push(new URL(req.url).pathname);
    return new Response("<html>welcome</html>", { headers: { "content-type": "text/html" } });
  });
  try {
    const url = `http://127.0.0.1:${other.addr.port}`;
    await assertRejects(
      () => initCommand.run(["--server", url, "--code", CODE, ...customFlags], s.cli().ctx),
      ServerError,
      `${url} is not a RemoteAgent server`,
    );
    assertEquals(requests, ["/healthz"]);
  } finally {
    await other.shutdown();
    await s.done();
  }
});

Deno.test("on a terminal, every bad answer is explained and asked again; the key is read masked", async () => {
  const s = await setup();
  s.relay.codes.set("EXPD-0000", "expired");
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const dead = `http://127.0.0.1:${(listener.addr as Deno.NetAddr).port}`;
  listener.close();
  try {
    const cli = s.cli({
      answers: [
        "", // Server URL: required
        "not a url",
        dead, // connection refused
        s.relay.url,
        "12", // malformed
        "EXPD-0000", // accepted now, refused as expired at redemption
        "bad/name", // Agent name
        "", // the default: my-project
        "", // Runner: no default without a key
        "gpt",
        "claude-sdk",
        "", // Model: the runner's default
        "", // API key: required
        "sk-ant-typed-777",
        "ABCD-EFGH", // the code again, after "expired"
      ],
    });
    assertEquals(await initCommand.run([], cli.ctx), 0);
    const out = cli.out();
    for (
      const complaint of [
        "✗ the server URL is required",
        "✗ 'not a url' is not a server URL",
        `✗ connection refused at ${dead}: is the relay running?`,
        "✗ a pairing code looks like ABCD-EFGH",
        "✗ invalid agent name 'bad/name'",
        "✗ choose a runner: one of claude-sdk",
        "✗ unknown runner 'gpt'",
        "✗ the claude-sdk runner needs an Anthropic API key",
        "✗ this pairing code has expired",
      ]
    ) assertIncludes(out, complaint);
    assertIncludes(out, "Agent name [my-project]: ");
    assertEquals(cli.secrets, ["", "sk-ant-typed-777"], "only the key is read as a secret");
    assertEquals((await s.store.loadGlobal()).anthropicApiKey, "sk-ant-typed-777");
    assertIncludes(out, "Paired: agent 'my-project'");
    assertIncludes(out, "Then message @stub_relay_bot on Telegram: https://t.me/stub_relay_bot");
  } finally {
    await s.done();
  }
});

Deno.test("re-running init in a paired directory changes the runner without a code", async () => {
  const s = await setup();
  try {
    await initCommand.run(["--server", s.relay.url, "--code", CODE, ...customFlags], s.cli().ctx);
    await assertRejects(
      () => initCommand.run([], s.cli().ctx),
      UsageError,
      "already has the agent",
    );
    const cli = s.cli({ env: { ANTHROPIC_API_KEY: "sk-ant-x" } });
    assertEquals(await initCommand.run(["--runner", "claude-sdk", "--model", "m1"], cli.ctx), 0);
    const [agent] = await s.store.listAgents();
    assertEquals(agent!.runner, { runner: "claude-sdk", model: "m1" });
    assertIncludes(cli.out(), "now uses the claude-sdk runner (model m1)");
    assertEquals(s.relay.agents.size, 1, "no second pairing");
  } finally {
    await s.done();
  }
});

Deno.test("pairing again with a code replaces the directory's old agent", async () => {
  const s = await setup();
  try {
    await initCommand.run(["--server", s.relay.url, "--code", CODE, ...customFlags], s.cli().ctx);
    const [old] = await s.store.listAgents();
    s.relay.codes.set("NEWC-0DE1", "fresh");
    const cli = s.cli();
    await initCommand.run(
      ["--server", s.relay.url, "--code", "NEWC-0DE1", ...customFlags],
      cli.ctx,
    );
    const agents = await s.store.listAgents();
    assertEquals(agents.length, 1);
    assert(agents[0]!.agentId !== old!.agentId);
    assertEquals(s.relay.removed, [old!.agentId]);
    assertIncludes(cli.out(), "Replaced the agent");
  } finally {
    await s.done();
  }
});

Deno.test("the wizard asks for what is missing", async () => {
  const s = await setup();
  try {
    const cli = s.cli({
      answers: [s.relay.url, "abcd-efgh", "", "claude-sdk", "", "sk-typed-key"],
    });
    assertEquals(await initCommand.run([], cli.ctx), 0);
    const [agent] = await s.store.listAgents();
    assertEquals([agent!.name, agent!.runner.runner], ["my-project", "claude-sdk"]);
    assertEquals((await s.store.loadGlobal()).anthropicApiKey, "sk-typed-key");
    for (
      const question of [
        "Server URL",
        "Pairing code",
        "Agent name",
        "Runner",
        "Model",
        "Anthropic API key",
      ]
    ) {
      assertIncludes(cli.out(), question);
    }
    // Re-running offers to change the runner.
    const again = s.cli({ answers: ["y", "custom", "/bin/cat"] });
    assertEquals(await initCommand.run([], again.ctx), 0);
    assertIncludes(again.out(), "Change its runner?");
    assertEquals((await s.store.listAgents())[0]!.runner, { runner: "custom", bin: "/bin/cat" });
  } finally {
    await s.done();
  }
});

Deno.test("without a code: a link and its QR code, then the token once approved in the browser", async () => {
  const s = await setup();
  try {
    const cli = s.cli();
    const running = initCommand.run(["--server", s.relay.url, ...customFlags], cli.ctx);
    await s.relay.until(() => s.relay.devices.size === 1, "the device request");
    const [userCode, device] = [...s.relay.devices.entries()][0]!;
    assertEquals(
      { name: device!.name, runner: device!.runner, hostname: device!.hostname },
      { name: "my-project", runner: "custom", hostname: "test-host" },
    );
    assertEquals(device!.directory, s.project);
    await s.relay.until(() => (device!.polls ?? 0) >= 2, "the agent polling");
    device!.state = "approved";
    assertEquals(await running, 0);
    const out = cli.out();
    assertIncludes(out, `${s.relay.url}/pair/${userCode}`);
    assertIncludes(out, "█");
    assertIncludes(out, `The page shows the code ${userCode}`);
    assertIncludes(out, "Paired: agent 'my-project'");
    const [agent] = await s.store.listAgents();
    assert(agent);
    assertEquals(device!.state, "delivered");
  } finally {
    await s.done();
  }
});

Deno.test("a request denied on the dashboard, or expired, is told as such and pairs nothing", async () => {
  const s = await setup();
  try {
    for (
      const [state, message] of [
        ["denied", "the pairing was denied on the dashboard"],
        ["expired", "the pairing request expired (10 minutes) before it was approved"],
      ] as const
    ) {
      s.relay.devices.clear();
      const running = initCommand.run(["--server", s.relay.url, ...customFlags], s.cli().ctx);
      await s.relay.until(() => s.relay.devices.size === 1, "the device request");
      [...s.relay.devices.values()][0]!.state = state;
      await assertRejects(() => running, PairingError, message);
    }
    assertEquals(await s.store.listAgents(), []);
  } finally {
    await s.done();
  }
});
