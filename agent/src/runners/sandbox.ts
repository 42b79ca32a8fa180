/**
 * Confines file tools to the project directory. A path is resolved against the project root,
 * then the real path (symlinks resolved) of its nearest existing ancestor is taken and the
 * remainder appended; anything that lands outside the real project root is refused — `..`,
 * absolute paths elsewhere, symlinks pointing out, and dangling symlinks (whose target cannot be
 * checked). A symlink swapped in between the check and the use is not guarded against.
 *
 * @module
 */
import { dirname, isAbsolute, join, relative, resolve, sep } from "node:path";

/** A path outside the project directory was requested. */
export class PathOutsideProjectError extends Error {
  constructor(readonly requested: string) {
    super(`path is outside the project directory: ${requested}`);
    this.name = "PathOutsideProjectError";
  }
}

/** A resolved, checked path. */
export interface SandboxPath {
  /** Absolute real path to use for I/O. */
  abs: string;
  /** Path relative to the project root, for messages ("." for the root). */
  rel: string;
}

/** Resolves `requested` inside `projectDir`, or throws {@link PathOutsideProjectError}. */
export async function resolveInProject(
  projectDir: string,
  requested: string,
): Promise<SandboxPath> {
  const root = await Deno.realPath(projectDir);
  const wanted = resolve(root, requested || ".");
  let existing = wanted;
  const rest: string[] = [];
  let real: string;
  while (true) {
    try {
      real = await Deno.realPath(existing);
      break;
    } catch (err) {
      if (!(err instanceof Deno.errors.NotFound)) throw err;
      if (await exists(existing)) throw new PathOutsideProjectError(requested); // dangling symlink
      const parent = dirname(existing);
      if (parent === existing) throw new PathOutsideProjectError(requested);
      rest.unshift(existing.slice(parent.length).replace(/^[\\/]+/, ""));
      existing = parent;
    }
  }
  const abs = rest.length ? join(real, ...rest) : real;
  if (abs !== root && !abs.startsWith(root.endsWith(sep) ? root : root + sep)) {
    throw new PathOutsideProjectError(requested);
  }
  const rel = relative(root, abs);
  return { abs, rel: rel === "" || isAbsolute(rel) ? "." : rel };
}

async function exists(path: string): Promise<boolean> {
  try {
    await Deno.lstat(path);
    return true;
  } catch {
    return false;
  }
}
