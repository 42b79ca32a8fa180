/**
 * Spawns a runner process in its own process group so that the whole tree it starts can be
 * stopped together, streams its stdout, keeps the tail of its stderr.
 *
 * POSIX: `Deno.Command` with `detached: true` calls `setsid()` in the child, so the child leads a
 * new session and process group whose id equals its pid; `Deno.kill(-pid, sig)` signals every
 * process in it, and terminal signals aimed at the agent (Ctrl-C) do not reach it. A process that
 * calls `setsid()` again itself leaves the group and is out of reach.
 * Windows: there are no process groups; the tree is ended with `taskkill /T /F`, falling back to
 * killing the direct child only.
 *
 * @module
 */
import { killTree } from "./kill_tree.ts";

/** What to run and how. */
export interface SpawnOptions {
  cmd: string;
  args: string[];
  cwd: string;
  /** Extra environment variables (the agent's environment is inherited). */
  env?: Record<string, string>;
  /** Written to stdin, which is then closed. Without it stdin is /dev/null. */
  stdin?: string;
  /** Abort = SIGTERM to the group, then SIGKILL after `graceMs`. */
  signal?: AbortSignal;
  /** Grace period between SIGTERM and SIGKILL, in ms (default 5000). */
  graceMs?: number;
  /** `lines` (default) yields complete stdout lines without the newline; `text` yields decoded pieces as they arrive. */
  output?: "lines" | "text";
  /** How many stderr lines to keep (default 20). */
  stderrTailLines?: number;
}

/** How the process ended. */
export interface ProcessExit {
  /** Exit code; -1 when the process could not be started or died from a signal. */
  code: number;
  /** The signal that ended the process, if any. */
  signal: Deno.Signal | null;
  /** True when the abort signal fired before the process ended. */
  aborted: boolean;
  /** Last lines written to stderr. */
  stderrTail: string[];
  /** Set when the process could not be started at all (e.g. binary not found). */
  spawnError?: string;
}

const DEFAULT_GRACE_MS = 5000;

/**
 * Runs a process; yields its stdout (lines or text pieces) and returns how it ended.
 * Never throws for the child's failures. Stopping the iteration early (or aborting) kills the tree.
 * When the main process exits, anything left in its group is terminated too, so orphaned
 * grandchildren cannot keep the output pipe open.
 */
export async function* spawnTree(opts: SpawnOptions): AsyncGenerator<string, ProcessExit, void> {
  const graceMs = opts.graceMs ?? DEFAULT_GRACE_MS;
  const stderrTail = new LineTail(opts.stderrTailLines ?? 20);
  let child: Deno.ChildProcess;
  try {
    child = new Deno.Command(opts.cmd, {
      args: opts.args,
      cwd: opts.cwd,
      env: opts.env,
      stdin: opts.stdin === undefined ? "null" : "piped",
      stdout: "piped",
      stderr: "piped",
      detached: Deno.build.os !== "windows",
    }).spawn();
  } catch (err) {
    return {
      code: -1,
      signal: null,
      aborted: false,
      stderrTail: [],
      spawnError: describeSpawnError(opts.cmd, opts.cwd, err),
    };
  }

  let aborted = false;
  let exited = false;
  const killer = killTree(child, graceMs);
  const onAbort = () => {
    if (exited) return;
    aborted = true;
    killer.terminate();
  };
  if (opts.signal?.aborted) onAbort();
  opts.signal?.addEventListener("abort", onAbort, { once: true });

  const status = child.status.then((s) => {
    exited = true;
    // Orphans left in the group would hold stdout open: end them as well.
    killer.terminate();
    return s;
  });
  const stderrDone = drainStderr(child.stderr, stderrTail);
  if (opts.stdin !== undefined) writeStdin(child.stdin, opts.stdin);

  let finished: Promise<Deno.CommandStatus> | undefined;
  let eof = false;
  const finish = async () => {
    // After EOF the process is exiting on its own (GNU tools close stdout in an atexit handler,
    // before they exit): a signal now would turn a clean exit into a kill. Otherwise the
    // consumer stopped early or reading failed, and the tree must go.
    if (!eof && !exited) killer.terminate();
    const s = await status;
    await stderrDone;
    killer.dispose();
    opts.signal?.removeEventListener("abort", onAbort);
    return s;
  };
  try {
    const decoded = child.stdout.pipeThrough(new TextDecoderStream());
    if (opts.output === "text") {
      for await (const piece of decoded) yield piece;
    } else {
      let buf = "";
      for await (const piece of decoded) {
        buf += piece;
        let start = 0;
        let nl: number;
        while ((nl = buf.indexOf("\n", start)) >= 0) {
          yield buf.slice(start, nl).replace(/\r$/, "");
          start = nl + 1;
        }
        buf = buf.slice(start);
      }
      if (buf.length > 0) yield buf.replace(/\r$/, "");
    }
    eof = true;
  } finally {
    // Reached on EOF, on error, and when the consumer stops iterating early: never leave the
    // tree running or a timer pending.
    finished = finish();
    await finished;
  }
  const s = await finished;
  return {
    code: s.signal ? -1 : s.code,
    signal: s.signal,
    aborted,
    stderrTail: stderrTail.lines(),
  };
}

/** Keeps the last `max` lines of a text stream, each cut to a sane length. */
class LineTail {
  #lines: string[] = [];
  #partial = "";
  constructor(private readonly max: number) {}
  push(text: string): void {
    const parts = (this.#partial + text).split("\n");
    this.#partial = (parts.pop() ?? "").slice(-2000);
    for (const p of parts) this.#add(p);
  }
  #add(line: string): void {
    this.#lines.push(line.replace(/\r$/, "").slice(0, 2000));
    if (this.#lines.length > this.max) this.#lines.shift();
  }
  lines(): string[] {
    if (this.#partial) {
      this.#add(this.#partial);
      this.#partial = "";
    }
    return [...this.#lines];
  }
}

async function drainStderr(stream: ReadableStream<Uint8Array>, tail: LineTail): Promise<void> {
  try {
    for await (const piece of stream.pipeThrough(new TextDecoderStream())) tail.push(piece);
  } catch {
    // The pipe breaks when the tree is killed; what was read is enough.
  }
}

async function writeStdin(stream: WritableStream<Uint8Array>, text: string): Promise<void> {
  const writer = stream.getWriter();
  try {
    await writer.write(new TextEncoder().encode(text));
    await writer.close();
  } catch {
    // The child exited without reading its input (EPIPE): its exit status tells the story.
  }
}

function describeSpawnError(cmd: string, cwd: string, err: unknown): string {
  if (err instanceof Deno.errors.NotFound) {
    return dirExists(cwd)
      ? `cannot start \`${cmd}\`: not found`
      : `cannot start \`${cmd}\`: the directory ${cwd} does not exist`;
  }
  if (err instanceof Deno.errors.PermissionDenied) {
    return `cannot start \`${cmd}\`: permission denied`;
  }
  return `cannot start \`${cmd}\`: ${err instanceof Error ? err.message : String(err)}`;
}

function dirExists(path: string): boolean {
  try {
    return Deno.statSync(path).isDirectory;
  } catch {
    return false;
  }
}
