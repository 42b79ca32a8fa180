/**
 * What `deno compile` would embed for an entry point, estimated without the denort runtime (which
 * cannot be downloaded here): every module of its graph (`deno info --json`, dynamic imports
 * included, as compile follows them) plus every file of each npm package the graph reaches —
 * compile embeds whole package folders (`--exclude-unused-npm`: only the reachable ones), less
 * the paths given to `--exclude`. The binary is denort plus about this much (compile also adds
 * the transpiled JavaScript of TypeScript modules, so this is a lower bound).
 *
 * @module
 */

/** The parts of `deno info --json` the estimate reads. */
export interface GraphInfo {
  modules: { specifier: string; kind?: string; size?: number; npmPackage?: string }[];
  npmPackages: Record<string, { name: string; dependencies: string[]; localPath?: string }>;
}

/** The estimate, in bytes. */
export interface EmbedEstimate {
  modules: number;
  moduleBytes: number;
  /** Reachable npm packages (id → bytes embedded), largest first. */
  packages: { id: string; bytes: number }[];
  npmBytes: number;
  total: number;
}

/** The npm packages the graph reaches: those its modules import, and their dependencies. */
export function reachablePackages(info: GraphInfo): string[] {
  const seen = new Set<string>();
  const todo = info.modules.flatMap((m) => m.npmPackage ? [m.npmPackage] : []);
  for (let id = todo.pop(); id !== undefined; id = todo.pop()) {
    if (seen.has(id)) continue;
    seen.add(id);
    todo.push(...(info.npmPackages[id]?.dependencies ?? []));
  }
  return [...seen].sort();
}

/** Sum the modules of the graph and the bytes of each reachable package (`packageBytes`). */
export function estimateEmbed(info: GraphInfo, packageBytes: Map<string, number>): EmbedEstimate {
  const sources = info.modules.filter((m) => typeof m.size === "number");
  const moduleBytes = sources.reduce((sum, m) => sum + m.size!, 0);
  const packages = reachablePackages(info)
    .map((id) => ({ id, bytes: packageBytes.get(id) ?? 0 }))
    .sort((a, b) => b.bytes - a.bytes || a.id.localeCompare(b.id));
  const npmBytes = packages.reduce((sum, p) => sum + p.bytes, 0);
  return {
    modules: sources.length,
    moduleBytes,
    packages,
    npmBytes,
    total: moduleBytes + npmBytes,
  };
}

/** `deno info --json` of an entry point, with the agent's config. */
export async function graphInfo(entry: string, config: string): Promise<GraphInfo> {
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["info", "--json", "--config", config, entry],
    env: { DENO_NO_PACKAGE_JSON: "1", NO_COLOR: "1" },
    stdout: "piped",
    stderr: "piped",
  }).output();
  if (!out.success) {
    throw new Error(`deno info ${entry} failed: ${new TextDecoder().decode(out.stderr).trim()}`);
  }
  return JSON.parse(new TextDecoder().decode(out.stdout));
}

/** Total size of the files under `dir`, skipping the `excluded` paths (and symlinks). */
async function folderBytes(dir: string, excluded: Set<string>): Promise<number> {
  if (excluded.has(dir)) return 0;
  let total = 0;
  for await (const entry of Deno.readDir(dir)) {
    const path = `${dir}/${entry.name}`;
    if (excluded.has(path) || entry.isSymlink) continue;
    total += entry.isDirectory ? await folderBytes(path, excluded) : (await Deno.stat(path)).size;
  }
  return total;
}

/** Estimate what compiling `entry` embeds, without the `exclude` paths. */
export async function measureEmbed(
  entry: string,
  config: string,
  exclude: string[] = [],
): Promise<EmbedEstimate> {
  const info = await graphInfo(entry, config);
  const excluded = new Set(exclude.map((path) => path.replace(/\/+$/, "")));
  const bytes = new Map<string, number>();
  for (const id of reachablePackages(info)) {
    const dir = info.npmPackages[id]?.localPath;
    // A package of another platform is not downloaded: nothing of it is embedded either.
    bytes.set(id, dir ? await folderBytes(dir, excluded).catch(() => 0) : 0);
  }
  return estimateEmbed(info, bytes);
}

/** One line: total, and how it splits. */
export function describeEstimate(what: string, estimate: EmbedEstimate): string {
  const mib = (bytes: number) => `${(bytes / 1048576).toFixed(1)} MiB`;
  const embedded = estimate.packages.filter((p) => p.bytes > 0);
  const top = embedded.slice(0, 3)
    .map((p) => `${p.id.split("_")[0]} ${mib(p.bytes)}`).join(", ");
  return `${what} embeds about ${mib(estimate.total)}: ${estimate.modules} modules ` +
    `(${mib(estimate.moduleBytes)}) and ${embedded.length} npm packages ` +
    `(${mib(estimate.npmBytes)}${top ? `; largest ${top}` : ""})`;
}
