/**
 * Ending a spawned process tree: SIGTERM to its process group, SIGKILL after a grace period.
 * Windows has no process groups: `taskkill /T /F` ends the tree at once, with a plain kill of
 * the direct child as fallback.
 *
 * @module
 */

/** Handle returned by {@link killTree}. */
export interface TreeKiller {
  /** Starts termination (idempotent): SIGTERM now, SIGKILL after the grace period. */
  terminate(): void;
  /** Called once the process has exited: kills what is still left in the group and clears timers. */
  dispose(): void;
}

const live = new Set<TreeKiller>();

/** Creates the killer for a child spawned with `detached: true` (its pid is its group id). */
export function killTree(child: Deno.ChildProcess, graceMs: number): TreeKiller {
  const pid = child.pid;
  let started = false;
  let timer: ReturnType<typeof setTimeout> | undefined;
  const killer: TreeKiller = {
    terminate() {
      if (started) return;
      started = true;
      if (Deno.build.os === "windows") {
        windowsKill(child);
        return;
      }
      if (!signalGroup(pid, "SIGTERM")) return;
      timer = setTimeout(() => {
        timer = undefined;
        signalGroup(pid, "SIGKILL");
      }, graceMs);
    },
    dispose() {
      live.delete(killer);
      if (timer !== undefined) {
        clearTimeout(timer);
        timer = undefined;
        // Whatever still runs after the leader exited and the pipes closed got its SIGTERM
        // already; do not leave it behind.
        if (Deno.build.os !== "windows") signalGroup(pid, "SIGKILL");
      }
    },
  };
  live.add(killer);
  return killer;
}

/** Starts terminating every process tree still running (for agent shutdown). */
export function terminateAllTrees(): void {
  for (const k of live) k.terminate();
}

/** Sends `sig` to the process group; false when the group no longer exists. */
function signalGroup(pgid: number, sig: Deno.Signal): boolean {
  try {
    Deno.kill(-pgid, sig);
    return true;
  } catch {
    return false; // ESRCH: nothing left in the group
  }
}

function windowsKill(child: Deno.ChildProcess): void {
  new Deno.Command("taskkill", {
    args: ["/pid", String(child.pid), "/T", "/F"],
    stdout: "null",
    stderr: "null",
  }).output().catch(() => {
    try {
      child.kill();
    } catch {
      // already gone
    }
  });
}
