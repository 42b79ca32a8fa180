/**
 * `deno task compile`: one self-contained `remoteagent` executable per target with
 * `deno compile`, into `dist/remoteagent-<target>[.exe]`, plus `dist/SHA256SUMS`.
 *
 *   deno task compile                      # this machine's target
 *   deno task compile --target all         # every supported target
 *   deno task compile --target aarch64-apple-darwin,x86_64-pc-windows-msvc
 *
 * `deno compile` needs the `denort` runtime of the same Deno version for each target. It comes
 * from `DENORT_BIN` (a local file; used for the host target only, since it is one platform's
 * binary), from Deno's cache (`$DENO_DIR/dl/release/v<version>/denort-<target>.zip`), or is
 * downloaded from dl.deno.land. When none works, the build stops with one line saying so, after
 * printing an estimate of what the binary would embed (`embed_size.ts`).
 *
 * Only the npm packages the module graph reaches are embedded (`--exclude-unused-npm`), less the
 * parts of them that nothing loads at run time ({@link NOT_AT_RUN_TIME}, given as `--exclude`).
 *
 * @module
 */
import { parseArgs } from "node:util";
import denoJson from "../deno.json" with { type: "json" };
import { BuildError, messageOf, UsageError } from "../src/errors.ts";
import { describeEstimate, type GraphInfo, graphInfo, measureEmbed } from "./embed_size.ts";

/** Every target the agent ships for. */
export const TARGETS = [
  "x86_64-unknown-linux-gnu",
  "aarch64-unknown-linux-gnu",
  "x86_64-apple-darwin",
  "aarch64-apple-darwin",
  "x86_64-pc-windows-msvc",
] as const;

const AGENT_DIR = new URL("..", import.meta.url).pathname.replace(/\/$/, "");

/**
 * Parts of reachable npm packages that the agent never loads; `deno compile` would embed them
 * because it embeds whole package folders. `dir` absent: the whole package.
 */
export const NOT_AT_RUN_TIME: readonly { name: RegExp; dir?: string; why: string }[] = [
  { name: /^typescript$/, why: "a peer dependency of @trpc/server, for its types only" },
  { name: /^@typescript\/typescript-/, why: "typescript's native compiler, one per platform" },
  { name: /^@anthropic-ai\/sdk$/, dir: "src", why: "TypeScript sources behind its source maps" },
];

/** The `--exclude` paths for the packages of a graph, from {@link NOT_AT_RUN_TIME}. */
export function excludedPaths(info: GraphInfo): string[] {
  return Object.values(info.npmPackages).flatMap(({ name, localPath }) => {
    const rule = NOT_AT_RUN_TIME.find((r) => r.name.test(name));
    if (!rule || !localPath) return [];
    return [rule.dir ? `${localPath}/${rule.dir}` : localPath];
  }).sort();
}

/** The targets named by `--target` (default: the host's). */
export function parseTargets(values: string[], host: string = Deno.build.target): string[] {
  if (values.length === 0) return [host];
  const names = values.flatMap((v) => v.split(",")).map((v) => v.trim()).filter(Boolean);
  if (names.includes("all")) return [...TARGETS];
  for (const name of names) {
    if (!(TARGETS as readonly string[]).includes(name)) {
      throw new UsageError(`unknown target '${name}': use all, or one of ${TARGETS.join(", ")}`);
    }
  }
  return [...new Set(names)];
}

/**
 * Flags of the `dev` task that are not permissions. Without the V8 code cache the agent starts
 * a little later but keeps less memory resident while it waits for prompts (Deno keeps the
 * cache's database mapped for the life of the process): a fair trade for a program started
 * once and left running. The README's benchmark measures both.
 */
export const RUNTIME_FLAGS = ["--no-code-cache"] as const;

/** The `--allow-*` flags and {@link RUNTIME_FLAGS} of a task's command line. */
const RUN_FLAG = /--allow-[a-z-]+(=\S+)?|--no-code-cache/g;

/**
 * The flags of the `dev` task, to run (and compile: compile bakes them into the binary) the
 * agent exactly as it is developed: its permissions, which must be exactly those it is tested
 * with, and {@link RUNTIME_FLAGS}.
 */
export function runFlags(tasks: Record<string, string> = denoJson.tasks): string[] {
  const flagsOf = (task: string) => (tasks[task] ?? "").match(RUN_FLAG) ?? [];
  const dev = flagsOf("dev");
  const permissions = (flags: string[]) => flags.filter((f) => f.startsWith("--allow-")).join(" ");
  if (!permissions(dev) || permissions(dev) !== permissions(flagsOf("test"))) {
    throw new BuildError("the dev and test tasks of deno.json must carry the same --allow-* flags");
  }
  return dev;
}

/** Output file name for a target. */
export function binaryName(target: string): string {
  return `remoteagent-${target}${target.includes("windows") ? ".exe" : ""}`;
}

/** Why no runtime can be had, in one line. */
export function noRuntimeMessage(target: string, detail: string): string {
  return `cannot build target ${target}: no denort runtime (${detail}; set DENORT_BIN to a denort binary of Deno ${Deno.version.deno}, or allow downloads from dl.deno.land)`;
}

async function exists(path: string): Promise<boolean> {
  return await Deno.stat(path).then(() => true, () => false);
}

async function denoDir(): Promise<string | null> {
  const out = await new Deno.Command(Deno.execPath(), { args: ["info", "--json"], stderr: "null" })
    .output();
  try {
    return JSON.parse(new TextDecoder().decode(out.stdout)).denoDir ?? null;
  } catch {
    return null;
  }
}

/** Build one target; returns the path of the executable. */
async function build(
  target: string,
  outDir: string,
  flags: string[],
  exclude: string[],
): Promise<string> {
  const host = target === Deno.build.target;
  const env = Deno.env.toObject();
  const denort = env.DENORT_BIN;
  if (denort && host) {
    if (!(await exists(denort))) {
      throw new BuildError(noRuntimeMessage(target, `DENORT_BIN=${denort} does not exist`));
    }
  } else {
    // DENORT_BIN is one platform's runtime: another target gets its own from the cache.
    delete env.DENORT_BIN;
  }
  const output = `${outDir}/${binaryName(target)}`;
  const result = await new Deno.Command(Deno.execPath(), {
    args: [
      "compile",
      "--config",
      `${AGENT_DIR}/deno.json`,
      ...flags,
      "--exclude-unused-npm",
      ...exclude.flatMap((path) => ["--exclude", path]),
      "--target",
      target,
      "--output",
      output,
      `${AGENT_DIR}/main.ts`,
    ],
    cwd: AGENT_DIR,
    env: { ...env, NO_COLOR: "1" },
    clearEnv: true,
    stdout: "piped",
    stderr: "piped",
  }).output();
  if (result.success) return output;
  const stderr = new TextDecoder().decode(result.stderr);
  if (/denort|dl\.deno\.land|base binary/i.test(stderr)) {
    const cache = await denoDir();
    const cached = cache
      ? `${cache}/dl/release/v${Deno.version.deno}/denort-${target}.zip`
      : "Deno's cache";
    const found = /Could not find denort at '([^']+)'/.exec(stderr)?.[1];
    throw new BuildError(
      noRuntimeMessage(
        target,
        found ? `${found} does not exist` : `not in ${cached} and the download failed`,
      ),
    );
  }
  const cause = stderr.split("\n").map((l) => l.trim()).filter((l) =>
    l && !/^(Stack backtrace|\d+: <unknown>)/.test(l)
  );
  throw new BuildError(
    `cannot build target ${target}: ${cause.at(-1) ?? `deno compile exited ${result.code}`}`,
  );
}

async function sha256(path: string): Promise<string> {
  const digest = await crypto.subtle.digest("SHA-256", await Deno.readFile(path));
  return Array.from(new Uint8Array(digest), (b) => b.toString(16).padStart(2, "0")).join("");
}

/** Build the targets named on the command line; prints what it made. */
export async function main(args: string[]): Promise<void> {
  const { values } = parseArgs({
    args,
    options: {
      target: { type: "string", multiple: true },
      out: { type: "string" },
      help: { type: "boolean" },
    },
    strict: true,
  });
  if (values.help) {
    console.log("Usage: deno task compile [--target all|TARGET[,TARGET…]] [--out DIR]");
    console.log(`Targets: ${TARGETS.join(", ")} (default: this machine's)`);
    return;
  }
  const targets = parseTargets(values.target ?? []);
  const flags = runFlags();
  const outDir = values.out ?? `${AGENT_DIR}/dist`;
  await Deno.mkdir(outDir, { recursive: true });
  const config = `${AGENT_DIR}/deno.json`;
  const exclude = excludedPaths(await graphInfo(`${AGENT_DIR}/main.ts`, config));
  const sums: string[] = [];
  for (const target of targets) {
    const path = await build(target, outDir, flags, exclude).catch(async (error) => {
      // No binary: still say how big it would be, on stdout (stderr keeps its one line).
      const estimate = await measureEmbed(`${AGENT_DIR}/main.ts`, config, exclude);
      console.log(`estimate: ${describeEstimate("the agent", estimate)}, plus denort`);
      throw error;
    });
    sums.push(`${await sha256(path)}  ${binaryName(target)}`);
    console.log(`built ${path}`);
  }
  // The npm package's line (`deno task pack`) stays: /download offers it beside the binaries.
  const packed = (await Deno.readTextFile(`${outDir}/SHA256SUMS`).catch(() => "")).split("\n")
    .filter((line) => line.endsWith(".tgz"));
  await Deno.writeTextFile(`${outDir}/SHA256SUMS`, [...sums, ...packed].join("\n") + "\n");
  console.log(`wrote ${outDir}/SHA256SUMS`);
}

if (import.meta.main) {
  main(Deno.args).catch((error) => {
    const label = Deno.stderr.isTerminal() && !Deno.env.get("NO_COLOR")
      ? "\x1b[31merror:\x1b[0m"
      : "error:";
    console.error(`${label} ${messageOf(error).split("\n")[0]}`);
    Deno.exit(1);
  });
}
