import { assert, assertEquals, assertIncludes, assertRejects } from "../../test/assert.ts";
import { tempDir } from "../../test/cli_harness.ts";
import { ConfigError } from "../errors.ts";
import { ensureSecureDir, readSecureJson, writeSecureJson } from "./secure_file.ts";

const posix = Deno.build.os !== "windows";
const modeOf = async (path: string) => (await Deno.stat(path)).mode! & 0o777;

Deno.test({ name: "writes create a 0700 directory and a 0600 file", ignore: !posix }, async () => {
  const tmp = await tempDir();
  try {
    const dir = `${tmp.path}/home/agents`;
    await writeSecureJson(`${dir}/a.json`, { secret: "x" }, () => {});
    assertEquals(await modeOf(dir), 0o700);
    assertEquals(await modeOf(`${dir}/a.json`), 0o600);
    assertEquals(await readSecureJson(`${dir}/a.json`, () => {}), { secret: "x" });
  } finally {
    await tmp.cleanup();
  }
});

Deno.test("a write is atomic: no temporary file is left, the old content stays until rename", async () => {
  const tmp = await tempDir();
  try {
    const path = `${tmp.path}/config.json`;
    await writeSecureJson(path, { n: 1 }, () => {});
    await writeSecureJson(path, { n: 2 }, () => {});
    assertEquals(await readSecureJson(path, () => {}), { n: 2 });
    const names = (await Array.fromAsync(Deno.readDir(tmp.path))).map((e) => e.name);
    assertEquals(names, ["config.json"]);
  } finally {
    await tmp.cleanup();
  }
});

Deno.test("a failed write leaves the previous file intact", async () => {
  const tmp = await tempDir();
  try {
    const path = `${tmp.path}/config.json`;
    await writeSecureJson(path, { n: 1 }, () => {});
    // A directory where the file should be renamed to makes the rename fail.
    await Deno.mkdir(`${tmp.path}/blocked.json`);
    await assertRejects(
      () => writeSecureJson(`${tmp.path}/blocked.json`, { n: 2 }, () => {}),
      ConfigError,
      "blocked.json",
    );
    assertEquals(await readSecureJson(path, () => {}), { n: 1 });
    const names = (await Array.fromAsync(Deno.readDir(tmp.path))).map((e) => e.name).sort();
    assertEquals(names, ["blocked.json", "config.json"]);
  } finally {
    await tmp.cleanup();
  }
});

Deno.test({ name: "loose permissions are fixed with a warning", ignore: !posix }, async () => {
  const tmp = await tempDir();
  try {
    const path = `${tmp.path}/config.json`;
    await writeSecureJson(path, {}, () => {});
    await Deno.chmod(path, 0o644);
    await Deno.chmod(tmp.path, 0o755);
    const warnings: string[] = [];
    await readSecureJson(path, (m) => warnings.push(m));
    await ensureSecureDir(tmp.path, (m) => warnings.push(m));
    assertEquals(await modeOf(path), 0o600);
    assertEquals(await modeOf(tmp.path), 0o700);
    assertEquals(warnings.length, 2);
    assertIncludes(warnings[0]!, "permissions 0644");
    assertIncludes(warnings[0]!, "changed to 0600");
    assertIncludes(warnings[1]!, "0755");
  } finally {
    await tmp.cleanup();
  }
});

Deno.test("corrupt JSON is an error naming the file", async () => {
  const tmp = await tempDir();
  try {
    const path = `${tmp.path}/config.json`;
    await Deno.writeTextFile(path, "{ not json", { mode: 0o600 });
    const error = await assertRejects(() => readSecureJson(path, () => {}), ConfigError);
    assertIncludes(error.message, path);
    assertIncludes(error.message, "not valid JSON");
  } finally {
    await tmp.cleanup();
  }
});

Deno.test("a missing file reads as null", async () => {
  const tmp = await tempDir();
  try {
    assertEquals(await readSecureJson(`${tmp.path}/none.json`, () => {}), null);
  } finally {
    await tmp.cleanup();
  }
});

Deno.test({ name: "an unreadable file is an error naming it", ignore: !posix }, async () => {
  const tmp = await tempDir();
  try {
    const path = `${tmp.path}/config.json`;
    await Deno.mkdir(path); // reading a directory as a file fails
    const error = await assertRejects(() => readSecureJson(path, () => {}), ConfigError);
    assertIncludes(error.message, `cannot read ${path}`);
    assert(!error.message.includes("undefined"));
  } finally {
    await tmp.cleanup();
  }
});
