import { assert, assertEquals, assertIncludes } from "../../test/assert.ts";
import { tempDir, testCli } from "../../test/cli_harness.ts";
import { serviceCommand } from "../cli/service.ts";
import { ConfigStore } from "../config/store.ts";
import { findExecutable } from "../process/which.ts";
import { launchCommand, serviceEnvironment } from "./manager.ts";
import { launchdPlist, serviceName, type ServiceSpec, systemdUnit } from "./units.ts";

function spec(dir: string, exe: string): ServiceSpec {
  return {
    name: "remoteagent-my-project",
    description: "RemoteAgent agent 'My project' in " + dir,
    workingDirectory: dir,
    command: [exe, "run", "--allow-net", "/opt/ra 100%/main.ts", "start"],
    environment: { PATH: "/usr/bin:/bin", HTTPS_PROXY: "http://proxy:3128/$x" },
    logPath: "/home/u/.remoteagent/logs/remoteagent-my-project.log",
  };
}

Deno.test("service names are lowercase words of the agent's name", () => {
  assertEquals(serviceName("My Project_2", "abc"), "remoteagent-my-project-2");
  assertEquals(serviceName("日本", "AbCdEf0123456789"), "remoteagent-abcdef012345");
});

Deno.test("the systemd unit quotes paths with spaces, % and $, and systemd-analyze accepts it", async () => {
  const tmp = await tempDir();
  try {
    const dir = `${tmp.path}/my project 100% $HOME`;
    await Deno.mkdir(dir);
    const unit = systemdUnit(spec(dir, Deno.execPath()));
    assertIncludes(unit, `WorkingDirectory=${tmp.path}/my project 100%% $HOME\n`);
    assertIncludes(
      unit,
      `ExecStart="${Deno.execPath()}" "run" "--allow-net" "/opt/ra 100%%/main.ts" "start"`,
    );
    assertIncludes(unit, `Environment="HTTPS_PROXY=http://proxy:3128/$$x"`);
    assertIncludes(unit, "Restart=on-failure");
    assertIncludes(unit, "RestartPreventExitStatus=3");
    assertIncludes(unit, "KillMode=mixed");
    assertIncludes(unit, "WantedBy=default.target");
    const analyze = await findExecutable("systemd-analyze", Deno.env.get("PATH"));
    if (analyze) {
      const file = `${tmp.path}/remoteagent-my-project.service`;
      await Deno.writeTextFile(file, unit);
      const out = await new Deno.Command(analyze, { args: ["verify", file], stderr: "piped" })
        .output();
      const stderr = new TextDecoder().decode(out.stderr);
      assertEquals(out.code, 0, stderr);
      assert(!stderr.includes("remoteagent-my-project.service"), stderr);
      // and the check can fail: a missing executable is reported
      await Deno.writeTextFile(file, systemdUnit(spec(dir, `${tmp.path}/no-such-deno`)));
      const bad = await new Deno.Command(analyze, { args: ["verify", file], stderr: "piped" })
        .output();
      assert(bad.code !== 0);
    }
  } finally {
    await tmp.cleanup();
  }
});

Deno.test("the launchd plist escapes XML and parses as a property list", async () => {
  const plist = launchdPlist(spec("/src/a & <b>", "/usr/local/bin/remoteagent"));
  assertIncludes(plist, "<string>dev.remoteagent.my-project</string>");
  assertIncludes(plist, "<string>/src/a &amp; &lt;b&gt;</string>");
  assertIncludes(plist, "<key>RunAtLoad</key>\n\t<true/>");
  const python = await findExecutable("python3", Deno.env.get("PATH"));
  if (python) {
    const script =
      "import plistlib,sys,json; print(json.dumps(plistlib.loads(sys.stdin.buffer.read())))";
    const child = new Deno.Command(python, {
      args: ["-c", script],
      stdin: "piped",
      stdout: "piped",
      stderr: "piped",
    }).spawn();
    const writer = child.stdin.getWriter();
    await writer.write(new TextEncoder().encode(plist));
    await writer.close();
    const out = await child.output();
    assertEquals(out.code, 0, new TextDecoder().decode(out.stderr));
    const parsed = JSON.parse(new TextDecoder().decode(out.stdout));
    assertEquals(parsed.Label, "dev.remoteagent.my-project");
    assertEquals(parsed.WorkingDirectory, "/src/a & <b>");
    assertEquals(parsed.ProgramArguments.at(-1), "start");
    assertEquals(parsed.KeepAlive, { SuccessfulExit: false });
    assertEquals(parsed.EnvironmentVariables.PATH, "/usr/bin:/bin");
  }
});

Deno.test("the service runs a compiled binary as is, and deno with the agent's run flags", () => {
  assertEquals(launchCommand("/usr/local/bin/remoteagent", "file:///x/main.ts"), [
    "/usr/local/bin/remoteagent",
    "start",
  ]);
  const viaDeno = launchCommand("/opt/node_modules/deno/deno", "file:///opt/ra/main.ts");
  assertEquals(viaDeno.slice(0, 3), ["/opt/node_modules/deno/deno", "run", "--quiet"]);
  assert(viaDeno.includes("--allow-net"));
  assert(viaDeno.includes("--no-code-cache"));
  assertEquals(viaDeno.slice(-4), ["--config", "/opt/ra/deno.json", "/opt/ra/main.ts", "start"]);
  const env = serviceEnvironment((n) => ({ PATH: "/bin", ANTHROPIC_API_KEY: "sk-secret" })[n]);
  assertEquals(env, { PATH: "/bin" });
});

/** systemctl and loginctl stand-ins that log their arguments (the real ones need a user bus). */
async function standIns(dir: string): Promise<string> {
  const log = `${dir}/calls.log`;
  const script = (name: string, body: string) =>
    Deno.writeTextFile(
      `${dir}/${name}`,
      `#!/bin/sh\necho "${name} $*" >> "${log}"\n${body}\n`,
      { mode: 0o755 },
    );
  await script(
    "systemctl",
    `case "$2" in is-active) echo active;; is-enabled) echo enabled;; esac`,
  );
  await script("loginctl", `case "$1" in show-user) echo Linger=no;; esac`);
  return log;
}

Deno.test("service install, status and uninstall drive systemctl --user on a written unit", async () => {
  const tmp = await tempDir();
  try {
    const project = `${tmp.path}/proj`;
    const home = `${tmp.path}/home`;
    await Deno.mkdir(project);
    await Deno.mkdir(`${tmp.path}/bin`);
    const store = new ConfigStore(home, () => {});
    await store.saveAgent({
      agentId: "a".repeat(26),
      name: "Box",
      server: "http://127.0.0.1:1",
      token: "token-not-in-unit",
      projectDir: project,
      accountName: "acct",
      runner: { runner: "custom", bin: "/bin/cat" },
      createdAt: new Date().toISOString(),
    });
    const log = await standIns(`${tmp.path}/bin`);
    const env = {
      HOME: `${tmp.path}/userhome`,
      XDG_CONFIG_HOME: `${tmp.path}/xdg`,
      PATH: `${tmp.path}/bin:/usr/bin:/bin`,
      USER: "someone",
    };
    const unitPath = `${tmp.path}/xdg/systemd/user/remoteagent-box.service`;

    const installed = testCli({ cwd: project, home, env });
    assertEquals(await serviceCommand.run(["install"], installed.ctx), 0);
    const unit = await Deno.readTextFile(unitPath);
    assertIncludes(unit, `WorkingDirectory=${project}\n`);
    assertIncludes(unit, `"start"`);
    assert(!unit.includes("token-not-in-unit"));
    assertEquals((await Deno.stat(unitPath)).mode! & 0o777, 0o600);
    assertIncludes(installed.out(), "remoteagent-box.service is enabled and started");
    // lingering could be enabled by the stand-in: it says so
    assertIncludes(installed.out(), "Enabled lingering");

    const status = testCli({ cwd: project, home, env });
    assertEquals(await serviceCommand.run(["status"], status.ctx), 0);
    assertIncludes(status.out(), "state     active");

    const removed = testCli({ cwd: project, home, env });
    assertEquals(await serviceCommand.run(["uninstall"], removed.ctx), 0);
    assert(!(await Deno.stat(unitPath).then(() => true, () => false)));
    const after = testCli({ cwd: project, home, env });
    assertEquals(await serviceCommand.run(["status"], after.ctx), 1);
    assertIncludes(after.out(), "not installed");

    assertEquals((await Deno.readTextFile(log)).trim().split("\n"), [
      "systemctl --user daemon-reload",
      "systemctl --user enable --now remoteagent-box.service",
      "loginctl show-user someone -p Linger",
      "loginctl enable-linger",
      "systemctl --user is-active remoteagent-box.service",
      "systemctl --user is-enabled remoteagent-box.service",
      "systemctl --user disable --now remoteagent-box.service",
      "systemctl --user daemon-reload",
    ]);
  } finally {
    await tmp.cleanup();
  }
});
