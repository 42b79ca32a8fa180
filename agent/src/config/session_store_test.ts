import { assertEquals, assertIncludes } from "../../test/assert.ts";
import { tempDir } from "../../test/cli_harness.ts";
import { SessionStore } from "./session_store.ts";

Deno.test("resume handles persist, most recent kept, bounded", async () => {
  const tmp = await tempDir();
  try {
    const path = `${tmp.path}/agents/agt.sessions.json`;
    const store = new SessionStore(path, () => {}, 3);
    for (let i = 1; i <= 5; i++) await store.set(`s${i}`, `r${i}`);
    await store.set("s3", "r3b");
    const again = new SessionStore(path, () => {}, 3);
    await again.load();
    assertEquals([again.get("s1"), again.get("s2"), again.get("s3")], [null, null, "r3b"]);
    assertEquals([again.get("s4"), again.get("s5"), again.size], ["r4", "r5", 3]);
    if (Deno.build.os !== "windows") assertEquals((await Deno.stat(path)).mode! & 0o777, 0o600);
  } finally {
    await tmp.cleanup();
  }
});

Deno.test("a corrupt sessions file is a warning, not a failure", async () => {
  const tmp = await tempDir();
  try {
    const path = `${tmp.path}/s.json`;
    await Deno.writeTextFile(path, "[1,2", { mode: 0o600 });
    const warnings: string[] = [];
    const store = new SessionStore(path, (m) => warnings.push(m));
    await store.load();
    assertEquals(store.size, 0);
    assertIncludes(warnings[0]!, path);
  } finally {
    await tmp.cleanup();
  }
});
