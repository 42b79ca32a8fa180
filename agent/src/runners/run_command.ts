/**
 * `run_command` of the built-in SDK runner: a shell command in the project directory, in its own
 * process group, with a timeout; stdout and stderr merged and bounded. Only the working directory
 * is the project: the command itself is not sandboxed (it runs with the agent user's rights).
 *
 * @module
 */
import { spawnTree } from "../process/spawn.ts";

/** Output bytes kept (the tail) for the model. */
const MAX_OUTPUT_CHARS = 30_000;

/** What a command produced. */
export interface CommandOutcome {
  exitCode: number;
  output: string;
  timedOut: boolean;
  aborted: boolean;
  error?: string;
}

/** Runs `command` with `sh -c` (`cmd /c` on Windows) in `cwd`. */
export async function runCommand(
  command: string,
  cwd: string,
  timeoutMs: number,
  signal: AbortSignal,
  graceMs: number | undefined,
): Promise<CommandOutcome> {
  const ctl = new AbortController();
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    ctl.abort();
  }, timeoutMs);
  const onAbort = () => ctl.abort();
  signal.addEventListener("abort", onAbort, { once: true });
  if (signal.aborted) ctl.abort();
  const windows = Deno.build.os === "windows";
  const proc = spawnTree({
    cmd: windows ? "cmd.exe" : "sh",
    // `exec 2>&1` merges stderr into stdout so the model sees both in order.
    args: windows ? ["/d", "/s", "/c", command] : ["-c", `exec 2>&1\n${command}`],
    cwd,
    signal: ctl.signal,
    graceMs,
    output: "text",
    stdin: "",
  });
  let output = "";
  let dropped = false;
  try {
    while (true) {
      const next = await proc.next();
      if (next.done) {
        const exit = next.value;
        if (output.length > MAX_OUTPUT_CHARS) {
          output = output.slice(-MAX_OUTPUT_CHARS);
          dropped = true;
        }
        if (dropped) output = "… (earlier output cut)\n" + output.replace(/^[^\n]*\n/, "");
        if (windows && exit.stderrTail.length) output += "\n" + exit.stderrTail.join("\n");
        return {
          exitCode: exit.code,
          output,
          timedOut,
          aborted: exit.aborted && !timedOut,
          error: exit.spawnError,
        };
      }
      output += next.value;
      if (output.length > 2 * MAX_OUTPUT_CHARS) {
        output = output.slice(-MAX_OUTPUT_CHARS);
        dropped = true;
      }
    }
  } finally {
    clearTimeout(timer);
    signal.removeEventListener("abort", onAbort);
  }
}
