import { assertEquals, assertIncludes, assertRejects, assertThrows } from "../../test/assert.ts";
import { tempDir } from "../../test/cli_harness.ts";
import { ConfigError } from "../errors.ts";
import { remoteagentHome } from "./paths.ts";
import type { AgentConfig } from "./schema.ts";
import { ConfigStore } from "./store.ts";

function agent(id: string, name: string, projectDir: string): AgentConfig {
  return {
    agentId: id,
    name,
    server: "https://relay.example",
    token: `token-${id}`,
    projectDir,
    runner: { runner: "custom", bin: "/bin/cat" },
  };
}

Deno.test("REMOTEAGENT_HOME overrides ~/.remoteagent", () => {
  assertEquals(remoteagentHome((n) => ({ REMOTEAGENT_HOME: "/x/y", HOME: "/h" })[n]), "/x/y");
  assertEquals(remoteagentHome((n) => ({ HOME: "/h" })[n]), "/h/.remoteagent");
  assertThrows(() => remoteagentHome(() => undefined), ConfigError, "HOME");
});

Deno.test("agents are saved, listed, found by name and by directory, and deleted", async () => {
  const tmp = await tempDir();
  try {
    const store = new ConfigStore(`${tmp.path}/home`, () => {});
    await Deno.mkdir(`${tmp.path}/proj/sub`, { recursive: true });
    await store.saveAgent(agent("agt_b", "Beta", `${tmp.path}/proj`));
    await store.saveAgent(agent("agt_a", "alpha", `${tmp.path}/other`));
    assertEquals((await store.listAgents()).map((a) => a.name), ["alpha", "Beta"]);
    assertEquals((await store.findByName("beta"))?.agentId, "agt_b");
    assertEquals((await store.findForDir(`${tmp.path}/proj/sub`))?.agentId, "agt_b");
    assertEquals(await store.findForDir(tmp.path), null);
    await store.deleteAgent("agt_b");
    assertEquals((await store.listAgents()).map((a) => a.agentId), ["agt_a"]);
  } finally {
    await tmp.cleanup();
  }
});

Deno.test("the global config keeps unknown keys", async () => {
  const tmp = await tempDir();
  try {
    const store = new ConfigStore(tmp.path, () => {});
    assertEquals(await store.loadGlobal(), {});
    await store.saveGlobal({ anthropicApiKey: "sk-1", futureSetting: true });
    assertEquals(await store.loadGlobal(), { anthropicApiKey: "sk-1", futureSetting: true });
  } finally {
    await tmp.cleanup();
  }
});

Deno.test("an agent file with a wrong shape is an error naming the file", async () => {
  const tmp = await tempDir();
  try {
    const store = new ConfigStore(tmp.path, () => {});
    await Deno.mkdir(store.agentsDir, { recursive: true, mode: 0o700 });
    await Deno.writeTextFile(store.agentPath("agt_x"), '{"agentId":"agt_x"}', { mode: 0o600 });
    const error = await assertRejects(() => store.listAgents(), ConfigError);
    assertIncludes(error.message, store.agentPath("agt_x"));
  } finally {
    await tmp.cleanup();
  }
});

Deno.test({
  name: "loading fixes a loosened home directory with a warning",
  ignore: Deno.build.os === "windows",
  fn: async () => {
    const tmp = await tempDir();
    try {
      const store = new ConfigStore(`${tmp.path}/home`, () => {});
      await store.saveAgent(agent("agt_a", "a", tmp.path));
      await Deno.chmod(store.home, 0o755);
      await Deno.chmod(store.agentPath("agt_a"), 0o640);
      const warnings: string[] = [];
      await new ConfigStore(store.home, (m) => warnings.push(m)).listAgents();
      assertEquals(warnings.length, 2);
      assertEquals((await Deno.stat(store.home)).mode! & 0o777, 0o700);
      assertEquals((await Deno.stat(store.agentPath("agt_a"))).mode! & 0o777, 0o600);
    } finally {
      await tmp.cleanup();
    }
  },
});

Deno.test("agent ids that could escape the directory are refused", () => {
  const store = new ConfigStore("/tmp/x", () => {});
  assertThrows(() => store.agentPath("../evil"), ConfigError, "malformed agent id");
});
