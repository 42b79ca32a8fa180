/**
 * An idle `remoteagent start` loads neither zod, nor a runner's SDK, nor another command's
 * libraries (issue 12): they are reached only through `import()`, on first use.
 */
import { assertEquals } from "../../test/assert.ts";
import { graphInfo } from "../../scripts/embed_size.ts";

const AGENT = new URL("../..", import.meta.url).pathname;

/** Modules `entry` loads before any dynamic import runs. */
async function staticGraph(entry: string): Promise<string[]> {
  const info = await graphInfo(`${AGENT}${entry}`, `${AGENT}deno.json`) as unknown as {
    roots: string[];
    redirects: Record<string, string>;
    modules: {
      specifier: string;
      dependencies?: { code?: { specifier: string }; isDynamic?: boolean }[];
    }[];
  };
  const modules = new Map(info.modules.map((m) => [m.specifier, m]));
  const seen = new Set<string>();
  const todo = [...info.roots];
  for (let next = todo.pop(); next !== undefined; next = todo.pop()) {
    const specifier = info.redirects[next] ?? next;
    if (seen.has(specifier)) continue;
    seen.add(specifier);
    for (const dep of modules.get(specifier)?.dependencies ?? []) {
      if (dep.code && !dep.isDynamic) todo.push(dep.code.specifier);
    }
  }
  return [...seen];
}

Deno.test("start and the runner factory load no heavy library until it is used", async () => {
  const heavy = /npm:\/?(zod|@anthropic-ai\/sdk|qrcode)@|\/schemas\.ts$|\/cli\/(init|doctor)\.ts$/;
  for (const entry of ["main.ts", "src/cli/start.ts", "src/runners/custom.ts"]) {
    assertEquals((await staticGraph(entry)).filter((s) => heavy.test(s)), [], entry);
  }
  // The check itself sees them where they are loaded eagerly.
  assertEquals((await staticGraph("src/cli/init.ts")).some((s) => heavy.test(s)), true);
});
