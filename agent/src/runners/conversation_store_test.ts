import assert from "node:assert/strict";
import { join } from "node:path";
import { ConversationStore } from "./conversation_store.ts";

Deno.test("ConversationStore round-trips, separates runners and rejects unsafe ids", async () => {
  const dir = join(await Deno.makeTempDir(), "c");
  const store = new ConversationStore(dir, "claude-sdk");
  const id = store.newId();
  await store.save(id, [{ role: "user", content: "hi" }]);
  assert.deepEqual(await store.load(id), [{ role: "user", content: "hi" }]);
  assert.equal(await new ConversationStore(dir, "openclaw").load(id), null);
  assert.equal(await store.load("missing"), null);
  assert.equal(await store.load("../escape"), null);
  await assert.rejects(store.save("../escape", []));
  const names = [];
  for await (const e of Deno.readDir(dir)) names.push(e.name);
  assert.deepEqual(names, [`${id}.json`], "no temp files left behind");
});
