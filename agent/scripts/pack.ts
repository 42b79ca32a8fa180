/**
 * `deno task pack`: the npm package `remoteagent`, for machines where no compiled binary can be
 * had. The package carries the agent's source (and `shared/`'s, which it imports), a
 * `deno.json` whose import map points at that copy, and `remoteagent.mjs`, a Node bin that runs
 * `main.ts` on the Deno of the `deno` npm package. Writes `dist/remoteagent-<version>.tgz`:
 *
 *   deno task pack && npm i -g agent/dist/remoteagent-<version>.tgz
 *
 * @module
 */
import { parseArgs } from "node:util";
import denoJson from "../deno.json" with { type: "json" };
import agentPackage from "../package.json" with { type: "json" };
import { BuildError, messageOf } from "../src/errors.ts";

const AGENT_DIR = new URL("..", import.meta.url).pathname.replace(/\/$/, "");
const SHARED_DIR = new URL("../../shared/src", import.meta.url).pathname;

/** The staged package's `deno.json`: the agent's, with `shared/` at its packed place. */
export function packedDenoJson(source: typeof denoJson = denoJson): Record<string, unknown> {
  const imports: Record<string, string> = { ...source.imports };
  imports["@remoteagent/shared"] = "./shared/index.ts";
  imports["@remoteagent/shared/"] = "./shared/";
  // Only `dev` is kept: remoteagent.mjs reads its permission flags, the rest need the tests.
  return {
    name: "remoteagent",
    version: source.version,
    imports,
    compilerOptions: source.compilerOptions,
    nodeModulesDir: "none",
    tasks: { dev: source.tasks.dev },
  };
}

/** The staged package's `package.json`. */
export function packedPackageJson(version: string = denoJson.version): Record<string, unknown> {
  return {
    name: "remoteagent",
    version,
    description: "Drive the AI coding agent on your machine from Telegram (RemoteAgent's agent).",
    type: "module",
    bin: { remoteagent: "remoteagent.mjs" },
    engines: { node: ">=20.19" },
    dependencies: { deno: agentPackage.devDependencies.deno },
    license: "MIT",
  };
}

async function copyTree(from: string, to: string, skip: (name: string) => boolean) {
  await Deno.mkdir(to, { recursive: true });
  for await (const entry of Deno.readDir(from)) {
    if (skip(entry.name)) continue;
    if (entry.isDirectory) await copyTree(`${from}/${entry.name}`, `${to}/${entry.name}`, skip);
    else if (entry.isFile) await Deno.copyFile(`${from}/${entry.name}`, `${to}/${entry.name}`);
  }
}

const isTest = (name: string) => /[._]test\.ts$/.test(name);

/** Stage the package in a temporary directory; returns its path. */
export async function stage(): Promise<string> {
  const dir = await Deno.makeTempDir({ prefix: "remoteagent-pack-" });
  await copyTree(`${AGENT_DIR}/src`, `${dir}/src`, isTest);
  await copyTree(SHARED_DIR, `${dir}/shared`, isTest);
  for (const file of ["main.ts", "deno.lock"]) {
    await Deno.copyFile(`${AGENT_DIR}/${file}`, `${dir}/${file}`);
  }
  await Deno.copyFile(`${AGENT_DIR}/npm/remoteagent.mjs`, `${dir}/remoteagent.mjs`);
  await Deno.chmod(`${dir}/remoteagent.mjs`, 0o755);
  await Deno.copyFile(`${AGENT_DIR}/npm/README.md`, `${dir}/README.md`);
  const json = (value: unknown) => JSON.stringify(value, null, 2) + "\n";
  await Deno.writeTextFile(`${dir}/deno.json`, json(packedDenoJson()));
  await Deno.writeTextFile(`${dir}/package.json`, json(packedPackageJson()));
  return dir;
}

async function sha256(path: string): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-256", await Deno.readFile(path));
  return Array.from(new Uint8Array(digest), (b) => b.toString(16).padStart(2, "0")).join("");
}

/**
 * Add (or replace) the tarball's line in `SHA256SUMS`, beside the binaries' lines, so the
 * relay's /download page offers it: `npm i -g https://relay/download/remoteagent-<v>.tgz`.
 */
export async function recordChecksum(dir: string, file: string, digest: string): Promise<void> {
  const path = `${dir}/SHA256SUMS`;
  const old = await Deno.readTextFile(path).catch(() => "");
  const kept = old.split("\n").filter((line) => line.trim() && !line.endsWith(`  ${file}`));
  await Deno.writeTextFile(path, [...kept, `${digest}  ${file}`].join("\n") + "\n");
}

/** Stage and `npm pack` into `outDir`; returns the tarball's path (listed in SHA256SUMS). */
export async function pack(outDir: string): Promise<string> {
  const dir = await stage();
  try {
    await Deno.mkdir(outDir, { recursive: true });
    const result = await new Deno.Command("npm", {
      args: ["pack", "--json", "--pack-destination", outDir],
      cwd: dir,
      stdout: "piped",
      stderr: "piped",
    }).output().catch((error) => {
      throw new BuildError(`cannot run npm: ${messageOf(error)}`, { cause: error });
    });
    if (!result.success) {
      const stderr = new TextDecoder().decode(result.stderr).trim().split("\n").at(-1);
      throw new BuildError(`npm pack failed: ${stderr}`);
    }
    const [info] = JSON.parse(new TextDecoder().decode(result.stdout)) as { filename: string }[];
    const path = `${outDir}/${info!.filename}`;
    await recordChecksum(outDir, info!.filename, await sha256(path));
    return path;
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

if (import.meta.main) {
  const { values } = parseArgs({ args: Deno.args, options: { out: { type: "string" } } });
  pack(values.out ?? `${AGENT_DIR}/dist`).then(
    (path) =>
      console.log(
        `packed ${path} (listed in SHA256SUMS: /download offers it)\ninstall with: npm i -g ${path}`,
      ),
    (error) => {
      console.error(`error: ${messageOf(error).split("\n")[0]}`);
      Deno.exit(1);
    },
  );
}
