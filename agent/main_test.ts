/** The real entry point as a process: one `error:` line and the right exit code. */
import { assert, assertEquals } from "./test/assert.ts";
import { VERSION } from "./src/version.ts";
import { denoNetworkEnv } from "./test/deno_env.ts";

async function run(args: string[], env: Record<string, string> = {}) {
  const home = await Deno.makeTempDir();
  try {
    const output = await new Deno.Command(Deno.execPath(), {
      // --quiet: on an empty cache Deno's own "Download …" lines would share stderr.
      args: [
        "run",
        "--quiet",
        "--allow-all",
        new URL("./main.ts", import.meta.url).pathname,
        ...args,
      ],
      env: { REMOTEAGENT_HOME: home, NO_COLOR: "1", ...env },
      stdin: "null",
      stdout: "piped",
      stderr: "piped",
    }).output();
    const decode = (b: Uint8Array) => new TextDecoder().decode(b);
    return { code: output.code, stdout: decode(output.stdout), stderr: decode(output.stderr) };
  } finally {
    await Deno.remove(home, { recursive: true });
  }
}

Deno.test("--version prints the version", async () => {
  const { code, stdout } = await run(["--version"]);
  assertEquals(code, 0);
  assert(stdout.startsWith(`remoteagent ${VERSION}`));
});

Deno.test("bad input ends with a single error line and exit 1", async () => {
  for (
    const args of [["frobnicate"], ["init", "--runner", "gpt"], ["start"], ["init", "--code", "X"]]
  ) {
    const { code, stdout, stderr } = await run(args);
    assertEquals(code, 1, args.join(" "));
    assertEquals(stdout, "");
    const lines = stderr.trimEnd().split("\n");
    assertEquals(lines.length, 1, stderr);
    assert(lines[0]!.startsWith("error: "), stderr);
  }
});

Deno.test({
  name: "SIGTERM stops a running agent gracefully: task aborted, goodbye, exit 0",
  ignore: Deno.build.os === "windows",
  fn: async () => {
    const { startStubRelay } = await import("./test/stub_relay.ts");
    const relay = startStubRelay();
    relay.codes.set("ABCD-EFGH", "fresh");
    const home = await Deno.makeTempDir();
    const project = await Deno.realPath(await Deno.makeTempDir());
    const script = `${project}/slow.sh`;
    await Deno.writeTextFile(script, "#!/bin/sh\necho started\nexec sleep 60\n", { mode: 0o755 });
    // A cleared environment but for what Deno needs to load npm: packages on an empty cache.
    const env = {
      ...denoNetworkEnv(Deno.env.toObject()),
      REMOTEAGENT_HOME: home,
      NO_COLOR: "1",
      PATH: Deno.env.get("PATH") ?? "",
      // as the package scripts run deno: agent/package.json is not Deno's to record in deno.lock
      DENO_NO_PACKAGE_JSON: "1",
    };
    const entry = new URL("./main.ts", import.meta.url).pathname;
    const deno = (args: string[]) =>
      new Deno.Command(Deno.execPath(), {
        args: ["run", "--allow-all", entry, ...args],
        cwd: project,
        env,
        clearEnv: true,
        stdin: "null",
        stdout: "piped",
        stderr: "piped",
      });
    try {
      const init = await deno([
        "init",
        "--server",
        relay.url,
        "--code",
        "ABCD-EFGH",
        "--runner",
        "custom",
        "--runner-bin",
        script,
      ]).output();
      assertEquals(init.code, 0, new TextDecoder().decode(init.stderr));
      const [agentId] = [...relay.agents.values()].map((a) => a.agentId);
      const child = deno(["start"]).spawn();
      await relay.until(() => relay.liveStreams > 0, "the agent to connect", 30_000);
      relay.push(agentId!, {
        type: "prompt",
        sessionId: "ses_0000000000000001",
        prompt: "take your time",
        continueSessionId: null,
        startedBy: { telegramUserId: 1, name: "Ada" },
        expiresAt: Date.now() + 60_000,
      });
      await relay.until(
        () => relay.outputText("ses_0000000000000001").includes("started"),
        "the task to run",
      );
      child.kill("SIGTERM");
      const { code, stdout } = await child.output();
      assertEquals(code, 0);
      assertEquals(relay.finished.get("ses_0000000000000001")?.status, "aborted");
      assertEquals(relay.goodbyes, [agentId]);
      assert(new TextDecoder().decode(stdout).includes("Stopped."));
    } finally {
      await relay.close();
      await Deno.remove(home, { recursive: true });
      await Deno.remove(project, { recursive: true });
    }
  },
});
