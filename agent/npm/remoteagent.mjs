#!/usr/bin/env node
/**
 * The `remoteagent` command of the npm package (and of `pnpm agent` in a source checkout):
 * runs the agent's `main.ts` on the Deno that the `deno` npm package installed, in the caller's
 * directory, with the same flags (permissions, no code cache) as the compiled binary. Ctrl-C
 * reaches Deno directly (same process group): this wrapper only waits for it and passes its
 * exit code on.
 */
import { spawn } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
// Packed: main.ts sits beside this file. Source checkout: one directory up (agent/).
const root = existsSync(join(here, "main.ts")) ? here : dirname(here);
const config = JSON.parse(readFileSync(join(root, "deno.json"), "utf8"));
// The dev task's permissions and runtime flags (--no-code-cache), as compile bakes them in.
const flags = config.tasks.dev.match(/--allow-[a-z-]+(=\S+)?|--no-code-cache/g) ?? [];

/** The deno executable: DENO_BIN, else the one the `deno` npm package installed. */
function denoExecutable() {
  if (process.env.DENO_BIN) return process.env.DENO_BIN;
  const require = createRequire(join(root, "package.json"));
  const pkg = dirname(require.resolve("deno/package.json"));
  const exe = join(pkg, process.platform === "win32" ? "deno.exe" : "deno");
  if (existsSync(exe)) return exe;
  return require(join(pkg, "install_api.cjs")).runInstall();
}

// `pnpm agent` runs root scripts in the repository root: INIT_CWD is where it was typed.
const cwd = process.env.REMOTEAGENT_CWD || process.cwd();
let deno;
try {
  deno = denoExecutable();
} catch (error) {
  console.error(
    `error: no Deno runtime found (${
      error instanceof Error ? error.message : error
    }): reinstall remoteagent, or set DENO_BIN`,
  );
  process.exit(1);
}
const child = spawn(
  deno,
  [
    "run",
    "--quiet",
    ...flags,
    "--config",
    join(root, "deno.json"),
    join(root, "main.ts"),
    ...process.argv.slice(2),
  ],
  {
    cwd,
    stdio: "inherit",
    env: { ...process.env, DENO_NO_PACKAGE_JSON: "1", DENO_NO_UPDATE_CHECK: "1" },
  },
);
// The terminal's Ctrl-C reaches Deno itself (same process group): passing it on as well would
// count as a second Ctrl-C ("forced exit"). A SIGTERM or SIGHUP sent to this process alone
// (systemd with KillMode=mixed, kill PID) is passed on.
process.on("SIGINT", () => {});
for (const signal of ["SIGTERM", "SIGHUP"]) process.on(signal, () => child.kill(signal));
child.on("error", (error) => {
  console.error(`error: cannot run ${deno}: ${error.message}`);
  process.exit(1);
});
child.on("exit", (code, signal) => process.exit(code ?? (signal === "SIGINT" ? 130 : 1)));
