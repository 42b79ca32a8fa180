import { join } from "node:path";
import { assertEquals } from "../../test/assert.ts";
import {
  INBOX_DIR,
  newInOutbox,
  OUTBOX_DIR,
  outboxState,
  sanitizeName,
  saveToInbox,
} from "./inbox.ts";

Deno.test("names from the sender are sanitised: no path, no leading dot, safe characters", () => {
  assertEquals(sanitizeName("../../etc/passwd"), "passwd");
  assertEquals(sanitizeName("..\\..\\win.ini"), "win.ini");
  assertEquals(sanitizeName(".bashrc"), "bashrc");
  assertEquals(sanitizeName("my report (final).pdf"), "my_report_final_.pdf");
  assertEquals(sanitizeName("/"), "file");
  assertEquals(sanitizeName(".."), "file");
  assertEquals(sanitizeName("фото.jpg"), "фото.jpg");
  assertEquals(sanitizeName("a".repeat(300)).length, 100);
});

Deno.test("a file saved twice under one name keeps both, inside the inbox", async () => {
  const dir = await Deno.makeTempDir({ prefix: "inbox-test-" });
  try {
    const bytes = new Uint8Array([0, 1, 2, 255, 254]);
    const first = await saveToInbox(dir, "../x.bin", new Blob([bytes]).stream());
    const second = await saveToInbox(dir, "x.bin", new Blob([bytes]).stream());
    assertEquals([first, second], [`${INBOX_DIR}/x.bin`, `${INBOX_DIR}/x-1.bin`]);
    assertEquals(await Deno.readFile(join(dir, second)), bytes);
    assertEquals(await Deno.readTextFile(join(dir, ".remoteagent", ".gitignore")), "*\n");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("the outbox reports files that are new or changed", async () => {
  const dir = await Deno.makeTempDir({ prefix: "outbox-test-" });
  try {
    assertEquals((await outboxState(dir)).size, 0);
    await Deno.mkdir(join(dir, OUTBOX_DIR), { recursive: true });
    await Deno.writeTextFile(join(dir, OUTBOX_DIR, "old.txt"), "old");
    await Deno.writeTextFile(join(dir, OUTBOX_DIR, "edited.txt"), "v1");
    const before = await outboxState(dir);
    await Deno.writeTextFile(join(dir, OUTBOX_DIR, "edited.txt"), "version 2");
    await Deno.writeTextFile(join(dir, OUTBOX_DIR, "new.txt"), "new");
    assertEquals(newInOutbox(before, await outboxState(dir)), ["edited.txt", "new.txt"]);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
