/**
 * Locating an executable the way a shell would, for runner preflight checks.
 *
 * @module
 */
import { delimiter, isAbsolute, join, resolve } from "node:path";

/**
 * Returns the full path of `cmd` if it is an executable file, else null. A name with a path
 * separator is checked as is (relative to `cwd`); a bare name is searched for in `pathEnv`.
 */
export async function findExecutable(
  cmd: string,
  pathEnv: string | undefined,
  cwd = Deno.cwd(),
): Promise<string | null> {
  const windows = Deno.build.os === "windows";
  if (cmd.includes("/") || (windows && cmd.includes("\\"))) {
    const full = isAbsolute(cmd) ? cmd : resolve(cwd, cmd);
    return (await isExecutable(full)) ? full : null;
  }
  const exts = windows ? ["", ".exe", ".cmd", ".bat"] : [""];
  for (const dir of (pathEnv ?? "").split(delimiter)) {
    if (!dir) continue;
    for (const ext of exts) {
      const full = join(dir, cmd + ext);
      if (await isExecutable(full)) return full;
    }
  }
  return null;
}

async function isExecutable(path: string): Promise<boolean> {
  try {
    const st = await Deno.stat(path);
    if (!st.isFile) return false;
    // Windows has no mode bits: existence is the best we can check.
    return st.mode === null || (st.mode & 0o111) !== 0;
  } catch {
    return false;
  }
}
