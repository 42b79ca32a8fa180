/**
 * What the benchmark reads of a process and of the machine, from /proc. Deno grants another
 * process's /proc files (and /proc/cpuinfo) to --allow-all only, and the benchmark keeps the
 * agent's permission flags: they are read through `sh`, `cat` and `readlink` children.
 *
 * @module
 */
import { BenchError, reasonOf } from "./child.ts";

/** One reading of a process. */
export interface Snapshot {
  rssKiB: number;
  ticks: number;
  /** On-CPU nanoseconds so far, per thread id. */
  cpuNs: Map<string, number>;
}

/** Read `/proc/<pid>/{status,stat,task/∗/schedstat}` in one `sh` child. */
export async function snapshot(pid: number): Promise<Snapshot> {
  const script = 'cd "/proc/$1" && cat status && echo @@ && cat stat && echo @@ && ' +
    'for t in task/*; do echo "${t#task/} $(cat "$t/schedstat")"; done';
  const out = await new Deno.Command("sh", { args: ["-c", script, "sh", String(pid)] }).output();
  const [status, stat, schedstat] = new TextDecoder().decode(out.stdout).split("@@\n");
  const rss = /^VmRSS:\s+(\d+) kB/m.exec(status ?? "")?.[1];
  if (!out.success || rss === undefined || stat === undefined || schedstat === undefined) {
    throw new BenchError(`cannot read /proc/${pid}: ${reasonOf(out.stderr, out.code)}`);
  }
  // Fields after "pid (comm) ": state is field 3, utime 14, stime 15.
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  const threads = schedstat.trim().split("\n").map((line) => line.split(" "));
  return {
    rssKiB: Number(rss),
    ticks: Number(fields[11]) + Number(fields[12]),
    cpuNs: new Map(threads.map(([tid, ns]) => [tid!, Number(ns)])),
  };
}

/** The pid sampled must be deno itself, not a wrapper around it. */
export async function assertDeno(pid: number, name: string): Promise<void> {
  const out = await new Deno.Command("readlink", { args: [`/proc/${pid}/exe`] }).output();
  const exe = new TextDecoder().decode(out.stdout).trim();
  if (exe !== await Deno.realPath(Deno.execPath())) {
    throw new BenchError(`pid ${pid} of ${name} runs ${exe || "?"}, not deno`);
  }
}

/** Clock ticks per second, the unit of utime and stime. */
export async function clockTicks(): Promise<number> {
  const out = await new Deno.Command("getconf", { args: ["CLK_TCK"], stderr: "null" }).output()
    .catch(() => null);
  return Number(new TextDecoder().decode(out?.stdout).trim()) || 100;
}

/** Cores, CPU model, load, Deno version: what the numbers were measured on. */
export async function machineNote(clkTck: number): Promise<string> {
  // /proc/cpuinfo, like /proc/<pid>/, is for --allow-all only: read it through `cat`.
  const cpuinfo = await new Deno.Command("cat", { args: ["/proc/cpuinfo"] }).output()
    .then((out) => new TextDecoder().decode(out.stdout), () => "");
  const model = /^model name\s*:\s*(.+)$/m.exec(cpuinfo)?.[1]?.trim() ?? "unknown CPU";
  const load = Deno.loadavg()[0]?.toFixed(2);
  const deno = `deno ${Deno.version.deno} (V8 ${Deno.version.v8}, ${Deno.build.target})`;
  return `Machine: ${navigator.hardwareConcurrency} cores (${model}), load average ${load} at ` +
    `start; ${deno}; CLK_TCK ${clkTck}.`;
}
