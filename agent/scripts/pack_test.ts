import { assert, assertEquals, assertIncludes } from "../test/assert.ts";
import denoJson from "../deno.json" with { type: "json" };
import { pack, packedDenoJson, packedPackageJson } from "./pack.ts";

Deno.test("the packed deno.json finds shared/ inside the package and keeps the permissions", () => {
  const config = packedDenoJson() as { imports: Record<string, string>; tasks: { dev: string } };
  assertEquals(config.imports["@remoteagent/shared"], "./shared/index.ts");
  assertEquals(config.imports["@remoteagent/shared/"], "./shared/");
  assertEquals(config.imports["zod"], denoJson.imports["zod"]);
  assertEquals(config.tasks.dev, denoJson.tasks.dev);
  const pkg = packedPackageJson() as { bin: Record<string, string>; dependencies: object };
  assertEquals(pkg.bin, { remoteagent: "remoteagent.mjs" });
  assert("deno" in pkg.dependencies);
});

async function run(
  cmd: string,
  args: string[],
  opts: { cwd?: string; env?: Record<string, string> },
) {
  const out = await new Deno.Command(cmd, { args, ...opts, stdout: "piped", stderr: "piped" })
    .output();
  const text = (b: Uint8Array) => new TextDecoder().decode(b);
  return { code: out.code, stdout: text(out.stdout), stderr: text(out.stderr) };
}

Deno.test({
  name: "npm i -g of the packed tarball gives a remoteagent that runs in the caller's directory",
  sanitizeResources: false,
  async fn() {
    const tmp = await Deno.makeTempDir({ prefix: "remoteagent-npm-" });
    try {
      const tgz = await pack(`${tmp}/dist`);
      const sums = await Deno.readTextFile(`${tmp}/dist/SHA256SUMS`);
      assertEquals(sums.trim().split("\n").length, 1);
      assert(sums.endsWith(`  ${tgz.split("/").pop()}\n`), sums);
      const listing = await run("tar", ["-tzf", tgz], {});
      assertIncludes(listing.stdout, "package/shared/index.ts");
      assertIncludes(listing.stdout, "package/src/cli/dispatch.ts");
      assert(!/_test\.ts|\.test\.ts/.test(listing.stdout), "tests are not packed");

      const prefix = `${tmp}/prefix`;
      const install = await run("npm", ["i", "-g", "--prefix", prefix, tgz], {});
      assertEquals(install.code, 0, install.stderr);

      const project = await Deno.makeTempDir({ dir: tmp, prefix: "project-" });
      const env = { REMOTEAGENT_HOME: `${tmp}/home`, NO_COLOR: "1" };
      const version = await run(`${prefix}/bin/remoteagent`, ["--version"], { cwd: project, env });
      assertEquals(version.code, 0, version.stderr);
      assertIncludes(version.stdout, `remoteagent ${denoJson.version} (deno `);
      // `status` names the directory it runs in: the caller's, not the package's.
      const status = await run(`${prefix}/bin/remoteagent`, ["status"], { cwd: project, env });
      assertEquals(status.code, 1);
      assertIncludes(status.stderr, `no agent is configured for ${await Deno.realPath(project)}`);
    } finally {
      await Deno.remove(tmp, { recursive: true });
    }
  },
});
