/**
 * Benchmark (not a test) of the agent, for the README: time from start to connected, idle memory
 * (RSS) and CPU of a connected agent, and binary size (or, without denort, an estimate of what
 * the binary embeds: `scripts/embed_size.ts`) — each against `bench/hello.ts` run (or compiled)
 * the same way in the same run, because on a noisy machine only the ratios hold.
 *
 * The relay is `test/stub_relay.ts` (the real shared tRPC router over in-memory services), served
 * in this process; the agent is a real `deno run <flags> main.ts start` child, paired by `init`
 * in a temporary REMOTEAGENT_HOME, runner `custom` with a trivial script. Linux only (/proc).
 *
 *   deno task bench        (or: pnpm --filter @remoteagent/agent bench)
 *
 * @module
 */
import { binaryName, excludedPaths, runFlags } from "../scripts/compile.ts";
import { type EmbedEstimate, graphInfo, measureEmbed } from "../scripts/embed_size.ts";
import { messageOf } from "../src/errors.ts";
import { startStubRelay, type StubRelay } from "../test/stub_relay.ts";
import { BenchError, Child, reasonOf, sleep } from "./child.ts";
import { assertDeno, clockTicks, machineNote, snapshot } from "./proc.ts";

const RUNS = 5; // timed starts of each program, after one untimed warm-up; the median counts
const SETTLE_MS = 2_000; // connected → idle window opens
const IDLE_WINDOW_MS = 20_000;
const RSS_EVERY_MS = 1_000;
const MIN_TICKS = 10; // utime+stime ratio only from this many clock ticks on
const DEADLINE_MS = 115_000; // the whole run, clean-up included
const PAIRING_CODE = "ABCD-EFGH";
const CONNECTED = /connected: waiting for prompts/;

const AGENT_DIR = new URL("..", import.meta.url).pathname.replace(/\/$/, "");
const CONFIG = `${AGENT_DIR}/deno.json`;
const HELLO = `${AGENT_DIR}/bench/hello.ts`;
/** The agent's own run flags (those of the dev task, which compile bakes in). */
const FLAGS = runFlags();

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/** The places the agent runs in: a home it is paired in and a project with its runner script. */
interface Setup {
  relay: StubRelay;
  home: string;
  project: string;
  /** When the relay's command stream was opened, one entry per subscription. */
  subscribedAt: number[];
}

function startAgent(setup: Setup): Child {
  return new Child(
    "the agent",
    ["run", "--config", CONFIG, ...FLAGS, `${AGENT_DIR}/main.ts`, "start"],
    setup.project,
    { REMOTEAGENT_HOME: setup.home },
  );
}

function startHello(cwd: string): Child {
  return new Child("hello.ts", ["run", "--config", CONFIG, ...FLAGS, HELLO], cwd, {});
}

async function pair(setup: Setup): Promise<void> {
  const script = `${setup.project}/echo.sh`;
  await Deno.writeTextFile(script, '#!/bin/sh\necho "$@"\n', { mode: 0o755 });
  setup.relay.codes.set(PAIRING_CODE, "fresh");
  const init = new Child(
    "remoteagent init",
    [
      "run",
      "--config",
      CONFIG,
      ...FLAGS,
      `${AGENT_DIR}/main.ts`,
      ...["init", "--server", setup.relay.url, "--code", PAIRING_CODE],
      ...["--runner", "custom", "--runner-bin", script],
    ],
    setup.project,
    { REMOTEAGENT_HOME: setup.home },
  );
  if (!(await init.status).success) throw new BenchError(`init failed: ${init.errorLine}`);
}

interface StartTimes {
  connected: number[];
  relaySaw: number[];
  hello: number[];
}

/** Spawn → "connected" line (and → relay opens the stream), against spawn → hello's line. */
async function startTimes(setup: Setup): Promise<StartTimes> {
  const times: StartTimes = { connected: [], relaySaw: [], hello: [] };
  for (let run = -1; run < RUNS; run++) {
    const agent = startAgent(setup);
    const connected = await agent.lineAt(CONNECTED);
    const saw = setup.subscribedAt.find((at) => at > agent.spawnedAt);
    await agent.stop();
    const hello = startHello(setup.project);
    const printed = await hello.lineAt(/hello/);
    await hello.stop();
    if (run < 0) continue; // the warm-up
    if (saw === undefined) throw new BenchError("the relay never saw the command stream open");
    times.connected.push(connected - agent.spawnedAt);
    times.relaySaw.push(saw - agent.spawnedAt);
    times.hello.push(printed - hello.spawnedAt);
  }
  return times;
}

/** What the idle window measured of one process. */
interface Idle {
  rssKiB: number[];
  /** utime + stime, in clock ticks. */
  ticks: number;
  /** On-CPU time in the window of the threads alive at its end (schedstat, nanoseconds). */
  cpuNs: number;
  /** Thread count at the start and the end of the window. */
  threads: [number, number];
}

/** The connected agent and an idle hello.ts side by side, sampled over the same window. */
async function idle(setup: Setup): Promise<{ agent: Idle; hello: Idle; seconds: number }> {
  const agent = startAgent(setup);
  const hello = startHello(setup.project);
  try {
    await Promise.all([agent.lineAt(CONNECTED), hello.lineAt(/hello/)]);
    const subscriptions = setup.subscribedAt.length;
    await sleep(SETTLE_MS);
    await Promise.all([assertDeno(agent.pid, agent.name), assertDeno(hello.pid, hello.name)]);
    const both = () => Promise.all([snapshot(agent.pid), snapshot(hello.pid)]);
    const first = await both();
    const started = performance.now();
    const samples = [first];
    while (performance.now() - started < IDLE_WINDOW_MS) {
      await sleep(Math.min(RSS_EVERY_MS, IDLE_WINDOW_MS - (performance.now() - started)));
      samples.push(await both());
    }
    const seconds = (performance.now() - started) / 1000;
    if (
      setup.subscribedAt.length !== subscriptions || agent.lines.some((l) => /reconn/.test(l.text))
    ) {
      throw new BenchError("the agent lost its connection during the idle window");
    }
    const last = samples.at(-1)!;
    const of = (i: 0 | 1): Idle => ({
      rssKiB: samples.map((s) => s[i].rssKiB),
      ticks: last[i].ticks - first[i].ticks,
      // Per thread: a thread that exits takes its schedstat with it (utime+stime keep it).
      cpuNs: [...last[i].cpuNs].reduce(
        (sum, [tid, ns]) => sum + ns - (first[i].cpuNs.get(tid) ?? 0),
        0,
      ),
      threads: [first[i].cpuNs.size, last[i].cpuNs.size],
    });
    return { agent: of(0), hello: of(1), seconds };
  } finally {
    await Promise.all([agent.stop(), hello.stop()]);
  }
}

/** Sizes of the compiled agent and hello-world, or why they could not be built. */
async function binarySizes(tmp: string): Promise<{ agent: number; hello: number } | string> {
  const target = Deno.build.target;
  const run = (args: string[]) =>
    new Deno.Command(Deno.execPath(), {
      args,
      cwd: AGENT_DIR,
      env: { NO_COLOR: "1", DENO_NO_PACKAGE_JSON: "1" },
      stdin: "null",
      stdout: "piped",
      stderr: "piped",
    }).output();
  const dist = `${tmp}/dist`;
  const agent = await run([
    ...["run", "--config", CONFIG, ...FLAGS, `${AGENT_DIR}/scripts/compile.ts`],
    ...["--target", target, "--out", dist],
  ]);
  if (!agent.success) return reasonOf(agent.stderr, agent.code);
  // Exactly what scripts/compile.ts runs for the agent, with hello.ts as the entry point.
  const helloPath = `${tmp}/${binaryName(target).replace("remoteagent", "hello")}`;
  const hello = await run([
    ...["compile", "--config", CONFIG, ...FLAGS, "--target", target, "--output", helloPath],
    HELLO,
  ]);
  if (!hello.success) return `hello-world: ${reasonOf(hello.stderr, hello.code)}`;
  const size = async (path: string) => (await Deno.stat(path)).size;
  return { agent: await size(`${dist}/${binaryName(target)}`), hello: await size(helloPath) };
}

/** What compiling the agent and hello.ts would embed, estimated as `scripts/compile.ts` does. */
async function embedSizes(): Promise<{ agent: EmbedEstimate; hello: EmbedEstimate }> {
  const main = `${AGENT_DIR}/main.ts`;
  const exclude = excludedPaths(await graphInfo(main, CONFIG));
  return {
    agent: await measureEmbed(main, CONFIG, exclude),
    hello: await measureEmbed(HELLO, CONFIG, exclude),
  };
}

const ms = (value: number) => `${value.toFixed(0)} ms`;
const mib = (kib: number) => `${(kib / 1024).toFixed(1)} MiB`;
const ratio = (a: number, b: number) => `${(a / b).toFixed(2)}×`;

/**
 * utime+stime. The kernel hands them out in whole ticks (rounded from the thread group's run
 * time), so a few ticks are quantisation noise: no ratio under MIN_TICKS.
 */
function tickCells(agent: Idle, hello: Idle, seconds: number, clkTck: number): string[] {
  const tick = 100 / (seconds * clkTck);
  const percent = (ticks: number) =>
    ticks === 0
      ? `< ${tick.toFixed(2)} % (0 ticks)`
      : `${(ticks * tick).toFixed(2)} % (${ticks} ticks)`;
  const r = Math.min(agent.ticks, hello.ticks) >= MIN_TICKS
    ? ratio(agent.ticks, hello.ticks)
    : `n/a (under ${MIN_TICKS} ticks)`;
  return [percent(agent.ticks), percent(hello.ticks), r];
}

function schedCells(agent: Idle, hello: Idle, seconds: number): string[] {
  const cell = (ns: number) =>
    `${(ns / 1e6).toFixed(2)} ms (${(100 * ns / (seconds * 1e9)).toPrecision(2)} %)`;
  const r = hello.cpuNs > 0 ? ratio(agent.cpuNs, hello.cpuNs) : "n/a (baseline 0 ns)";
  return [cell(agent.cpuNs), cell(hello.cpuNs), r];
}

type Still = Awaited<ReturnType<typeof idle>>;
type Sizes = Awaited<ReturnType<typeof binarySizes>>;
type Embeds = Awaited<ReturnType<typeof embedSizes>>;

/** The markdown table and the raw numbers behind it. */
function report(
  times: StartTimes,
  still: Still,
  sizes: Sizes,
  embeds: Embeds,
  clkTck: number,
): string[] {
  const hello = median(times.hello);
  const [agentRss, helloRss] = [median(still.agent.rssKiB), median(still.hello.rssKiB)];
  const window = `${still.seconds.toFixed(1)} s`;
  const rows = [
    ["metric", "agent", "baseline (hello-world, same flags)", "ratio"],
    ["---", "---", "---", "---"],
    [
      `start → "connected" printed (median of ${RUNS})`,
      ms(median(times.connected)),
      ms(hello),
      ratio(median(times.connected), hello),
    ],
    [
      `start → relay opens the command stream (median of ${RUNS})`,
      ms(median(times.relaySaw)),
      ms(hello),
      ratio(median(times.relaySaw), hello),
    ],
    [`idle RSS (median over ${window})`, mib(agentRss), mib(helloRss), ratio(agentRss, helloRss)],
    [
      `idle CPU, utime+stime (${window})`,
      ...tickCells(still.agent, still.hello, still.seconds, clkTck),
    ],
    [
      `idle CPU, schedstat of live threads (${window})`,
      ...schedCells(still.agent, still.hello, still.seconds),
    ],
    typeof sizes === "string" ? ["binary size", `not measured — ${sizes}`, "not measured", "—"] : [
      "binary size",
      mib(sizes.agent / 1024),
      mib(sizes.hello / 1024),
      ratio(sizes.agent, sizes.hello),
    ],
    [
      "compiled size estimate: what it embeds beside denort (modules + npm files)",
      mib(embeds.agent.total / 1024),
      `${(embeds.hello.total / 1024).toFixed(1)} KiB`,
      // Both binaries are denort plus this: the difference, not a ratio, is what the agent adds.
      `+${mib((embeds.agent.total - embeds.hello.total) / 1024)}`,
    ],
  ];
  const list = (values: number[]) => values.map((v) => v.toFixed(0)).join(", ");
  const range = (kib: number[]) => `${mib(Math.min(...kib))}–${mib(Math.max(...kib))}`;
  const threads = (idle: Idle) => idle.threads.join("→");
  return [
    ...rows.map((cells) => `| ${cells.join(" | ")} |`),
    "",
    `Runs (ms): connected ${list(times.connected)}; relay ${list(times.relaySaw)}; ` +
    `hello ${list(times.hello)}. RSS range: agent ${range(still.agent.rssKiB)}, hello ` +
    `${range(still.hello.rssKiB)}. Threads: agent ${threads(still.agent)}, hello ` +
    `${threads(still.hello)}.`,
    `Embedded by the agent: ${embeds.agent.modules} modules (${
      mib(embeds.agent.moduleBytes / 1024)
    }), ` +
    `npm ${mib(embeds.agent.npmBytes / 1024)}: ` +
    embeds.agent.packages.filter((p) => p.bytes > 0).slice(0, 5)
      .map((p) => `${p.id.split("_")[0]} ${mib(p.bytes / 1024)}`).join(", ") +
    `; hello.ts: ${embeds.hello.modules} modules, ${embeds.hello.total} bytes.`,
  ];
}

async function main(): Promise<void> {
  if (Deno.build.os !== "linux") throw new BenchError("the benchmark reads /proc: Linux only");
  const clkTck = await clockTicks();
  const note = await machineNote(clkTck);
  const home = await Deno.makeTempDir({ prefix: "remoteagent-bench-home-" });
  const project = await Deno.realPath(await Deno.makeTempDir({ prefix: "remoteagent-bench-" }));
  const relay = startStubRelay();
  const subscribedAt: number[] = [];
  const stream = relay.services.commands.stream;
  relay.services.commands.stream = (...args) => {
    subscribedAt.push(performance.now());
    return stream(...args);
  };
  let cleaned: Promise<void> | null = null;
  const cleanup = () =>
    cleaned ??= (async () => {
      await Promise.all([...Child.live].map((child) => child.stop("SIGKILL")));
      await relay.close();
      for (const dir of [home, project]) await Deno.remove(dir, { recursive: true });
    })();
  const deadline = setTimeout(() => {
    console.error(`error: the benchmark ran over ${DEADLINE_MS / 1000} s; stopping`);
    void cleanup().finally(() => Deno.exit(1));
  }, DEADLINE_MS);
  const interrupted = () => void cleanup().finally(() => Deno.exit(130));
  Deno.addSignalListener("SIGINT", interrupted);
  try {
    const setup: Setup = { relay, home, project, subscribedAt };
    const sizes = await binarySizes(project);
    const embeds = await embedSizes();
    await pair(setup);
    const times = await startTimes(setup);
    const still = await idle(setup);

    console.log(report(times, still, sizes, embeds, clkTck).join("\n"));
    console.log(`\n${note}`);
  } finally {
    clearTimeout(deadline);
    Deno.removeSignalListener("SIGINT", interrupted);
    await cleanup();
  }
}

main().catch((error: unknown) => {
  const label = Deno.stderr.isTerminal() && !Deno.env.get("NO_COLOR")
    ? "\x1b[31merror:\x1b[0m"
    : "error:";
  console.error(`${label} ${messageOf(error).split("\n")[0]}`);
  Deno.exit(1);
});
