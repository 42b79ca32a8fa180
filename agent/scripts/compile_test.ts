import denoJson from "../deno.json" with { type: "json" };
import { assert, assertEquals, assertIncludes, assertThrows } from "../test/assert.ts";
import { BuildError, UsageError } from "../src/errors.ts";
import {
  binaryName,
  excludedPaths,
  parseTargets,
  runFlags,
  RUNTIME_FLAGS,
  TARGETS,
} from "./compile.ts";

Deno.test("targets: host by default, all, or a checked list", () => {
  assertEquals(parseTargets([], "x86_64-unknown-linux-gnu"), ["x86_64-unknown-linux-gnu"]);
  assertEquals(parseTargets(["all"]), [...TARGETS]);
  assertEquals(parseTargets(["x86_64-apple-darwin,aarch64-apple-darwin", "x86_64-apple-darwin"]), [
    "x86_64-apple-darwin",
    "aarch64-apple-darwin",
  ]);
  assertThrows(() => parseTargets(["riscv"]), UsageError, "unknown target 'riscv'");
  assertEquals(binaryName("x86_64-pc-windows-msvc"), "remoteagent-x86_64-pc-windows-msvc.exe");
});

Deno.test("compile bakes in the dev task's flags: the test task's permissions, no code cache", () => {
  const flags = runFlags();
  const permissions = flags.filter((f) => f.startsWith("--allow-"));
  assert(permissions.length > 0);
  for (const flag of flags) assertIncludes(denoJson.tasks.dev, flag);
  for (const flag of permissions) assertIncludes(denoJson.tasks.test, flag);
  assertEquals(flags.filter((f) => !f.startsWith("--allow-")), [...RUNTIME_FLAGS]);
  assertThrows(
    () => runFlags({ dev: "deno run --allow-net x", test: "deno test --allow-all" }),
    BuildError,
    "same --allow-* flags",
  );
});

Deno.test("compile leaves out what nothing loads at run time, by the packages' folders", () => {
  const pkg = (name: string, localPath?: string) => ({ name, dependencies: [], localPath });
  const npmPackages = {
    "typescript@7": pkg("typescript", "/cache/typescript/7"),
    "@typescript/typescript-linux-x64@7": pkg("@typescript/typescript-linux-x64", "/cache/ts-x64"),
    "@typescript/typescript-win32-x64@7": pkg("@typescript/typescript-win32-x64"),
    "@anthropic-ai/sdk@1": pkg("@anthropic-ai/sdk", "/cache/sdk/1"),
    "zod@4": pkg("zod", "/cache/zod/4"),
    "typescript-helper@1": pkg("typescript-helper", "/cache/helper/1"),
  };
  assertEquals(excludedPaths({ modules: [], npmPackages }), [
    "/cache/sdk/1/src",
    "/cache/ts-x64",
    "/cache/typescript/7",
  ]);
});

async function compile(args: string[], env: Record<string, string>) {
  const out = await Deno.makeTempDir();
  const result = await new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "--allow-all",
      new URL("./compile.ts", import.meta.url).pathname,
      "--out",
      out,
      ...args,
    ],
    env: { NO_COLOR: "1", ...env },
    stdout: "piped",
    stderr: "piped",
  }).output();
  const files = (await Array.fromAsync(Deno.readDir(out))).map((e) => e.name).sort();
  await Deno.remove(out, { recursive: true });
  const text = (bytes: Uint8Array) => new TextDecoder().decode(bytes);
  return { code: result.code, stdout: text(result.stdout), stderr: text(result.stderr), files };
}

Deno.test("a missing DENORT_BIN fails with one line and builds nothing", async () => {
  const { code, stderr, files } = await compile([], { DENORT_BIN: "/nonexistent/denort" });
  assertEquals(code, 1);
  const lines = stderr.trimEnd().split("\n");
  assertEquals(lines.length, 1, stderr);
  assertIncludes(lines[0]!, `error: cannot build target ${Deno.build.target}: no denort runtime`);
  assertIncludes(lines[0]!, "DENORT_BIN=/nonexistent/denort does not exist");
  assertEquals(files, []);
});

Deno.test("without a local runtime: a real build, or one line saying why not", async () => {
  const target = "aarch64-unknown-linux-gnu";
  const { code, stdout, stderr, files } = await compile(["--target", target], {});
  if (code === 0) {
    // A runtime was in Deno's cache or could be downloaded: the build must be real.
    assertEquals(files, ["SHA256SUMS", binaryName(target)]);
    return;
  }
  const lines = stderr.trimEnd().split("\n");
  assertEquals(lines.length, 1, stderr);
  assertIncludes(lines[0]!, `cannot build target ${target}: no denort runtime`);
  assertIncludes(lines[0]!, "dl.deno.land");
  assertIncludes(stdout, "estimate: the agent embeds about ");
});
