/**
 * Runs `git` in the project directory for the review features. Every call names its own
 * environment (a temporary index for snapshots), so the user's index, stash and refs are never
 * touched.
 *
 * @module
 */

/** `git` failed; the message carries git's own words. */
export class GitError extends Error {
  override name = "GitError";
}

/** Options of {@link git}. */
export interface GitOptions {
  env?: Record<string, string>;
  stdin?: Uint8Array;
}

/** Runs git with `args` in `cwd`; resolves with stdout bytes, rejects with {@link GitError}. */
export async function git(cwd: string, args: string[], opts: GitOptions = {}): Promise<Uint8Array> {
  const command = new Deno.Command("git", {
    args: ["-c", "core.quotepath=off", ...args],
    cwd,
    env: { GIT_TERMINAL_PROMPT: "0", GIT_OPTIONAL_LOCKS: "0", ...opts.env },
    stdin: opts.stdin ? "piped" : "null",
    stdout: "piped",
    stderr: "piped",
  });
  let child: Deno.ChildProcess;
  try {
    child = command.spawn();
  } catch (error) {
    throw new GitError(`git could not be started: ${(error as Error).message}`, { cause: error });
  }
  if (opts.stdin) {
    const writer = child.stdin.getWriter();
    await writer.write(opts.stdin);
    await writer.close();
  }
  const out = await child.output();
  if (!out.success) {
    const stderr = new TextDecoder().decode(out.stderr).trim().split("\n").slice(-3).join(" ");
    throw new GitError(`git ${args[0]} failed: ${stderr || `exit code ${out.code}`}`);
  }
  return out.stdout;
}

/** Like {@link git}, decoded as UTF-8 text. */
export async function gitText(cwd: string, args: string[], opts: GitOptions = {}): Promise<string> {
  return new TextDecoder().decode(await git(cwd, args, opts));
}

/** The top level of the git work tree containing `dir`, or null when it is not in one (or git is missing). */
export async function gitRoot(dir: string): Promise<string | null> {
  try {
    return (await gitText(dir, ["rev-parse", "--show-toplevel"])).trim() || null;
  } catch {
    return null;
  }
}
