import assert from "node:assert/strict";
import { exited, isAlive, psField } from "../../test/fixtures/runner_harness.ts";
import { type ProcessExit, spawnTree } from "./spawn.ts";

const cwd = Deno.cwd();

async function collect(gen: AsyncGenerator<string, ProcessExit, void>) {
  const out: string[] = [];
  while (true) {
    const n = await gen.next();
    if (n.done) return { out, exit: n.value };
    out.push(n.value);
  }
}

Deno.test("spawnTree streams stdout lines and returns exit code and stderr tail", async () => {
  const { out, exit } = await collect(spawnTree({
    cmd: "sh",
    args: ["-c", "echo one; echo two; echo oops >&2; printf 'no newline'; exit 3"],
    cwd,
  }));
  assert.deepEqual(out, ["one", "two", "no newline"]);
  assert.equal(exit.code, 3);
  assert.equal(exit.signal, null);
  assert.equal(exit.aborted, false);
  assert.deepEqual(exit.stderrTail, ["oops"]);
});

Deno.test("spawnTree keeps only the last stderr lines", async () => {
  const { exit } = await collect(spawnTree({
    cmd: "sh",
    args: ["-c", "for i in 1 2 3 4 5 6 7; do echo e$i >&2; done"],
    cwd,
    stderrTailLines: 3,
  }));
  assert.deepEqual(exit.stderrTail, ["e5", "e6", "e7"]);
});

Deno.test("spawnTree writes stdin then closes it; text mode yields raw pieces", async () => {
  const { out, exit } = await collect(spawnTree({
    cmd: "cat",
    args: [],
    cwd,
    stdin: "line 1\nline 2",
    output: "text",
  }));
  assert.equal(out.join(""), "line 1\nline 2");
  assert.equal(exit.code, 0, JSON.stringify(exit));
});

Deno.test("spawnTree reports a missing binary instead of throwing", async () => {
  const { out, exit } = await collect(spawnTree({ cmd: "/nonexistent/bin/tool", args: [], cwd }));
  assert.deepEqual(out, []);
  assert.match(exit.spawnError ?? "", /cannot start `\/nonexistent\/bin\/tool`: not found/);
});

Deno.test("spawnTree tells a missing working directory from a missing binary", async () => {
  const { exit } = await collect(spawnTree({ cmd: "sh", args: [], cwd: "/nonexistent/project" }));
  assert.equal(
    exit.spawnError,
    "cannot start `sh`: the directory /nonexistent/project does not exist",
  );
});

Deno.test("spawnTree reports death by signal", async () => {
  const { exit } = await collect(spawnTree({ cmd: "sh", args: ["-c", "kill -KILL $$"], cwd }));
  assert.equal(exit.signal, "SIGKILL");
  assert.equal(exit.code, -1);
});

Deno.test("spawnTree puts the child in its own process group", async () => {
  if (Deno.build.os === "windows") return;
  const gen = spawnTree({ cmd: "sh", args: ["-c", "echo $$; sleep 300"], cwd, graceMs: 1000 });
  const pid = Number((await gen.next()).value);
  assert.equal(psField(pid, "pgid"), String(pid));
  assert.notEqual(psField(Deno.pid, "pgid"), String(pid));
  await gen.return({} as ProcessExit);
  assert.ok(await exited(pid));
});

Deno.test("abort kills the whole tree with SIGTERM and returns promptly", async () => {
  const ctl = new AbortController();
  const gen = spawnTree({
    cmd: "sh",
    args: ["-c", "sleep 300 & echo $!; wait"],
    cwd,
    signal: ctl.signal,
    graceMs: 5000,
  });
  const grandchild = Number((await gen.next()).value);
  assert.ok(isAlive(grandchild));
  const t0 = performance.now();
  ctl.abort();
  const { exit } = await collect(gen);
  assert.ok(performance.now() - t0 < 2000);
  assert.equal(exit.aborted, true);
  assert.equal(exit.signal, "SIGTERM");
  assert.ok(await exited(grandchild));
});

Deno.test("abort escalates to SIGKILL after the grace period", async () => {
  const ctl = new AbortController();
  const gen = spawnTree({
    cmd: "sh",
    args: ["-c", "trap '' TERM; sleep 300 & echo $!; while :; do sleep 1; done"],
    cwd,
    signal: ctl.signal,
    graceMs: 400,
  });
  const grandchild = Number((await gen.next()).value);
  const t0 = performance.now();
  ctl.abort();
  const { exit } = await collect(gen);
  const elapsed = performance.now() - t0;
  assert.ok(elapsed >= 350, `returned after ${elapsed} ms, before the grace period`);
  assert.ok(elapsed < 3000, `returned after ${elapsed} ms`);
  assert.equal(exit.aborted, true);
  assert.equal(exit.signal, "SIGKILL");
  assert.ok(await exited(grandchild));
});

Deno.test("an already aborted signal stops the process at once", async () => {
  const ctl = new AbortController();
  ctl.abort();
  const { exit } = await collect(
    spawnTree({ cmd: "sleep", args: ["300"], cwd, signal: ctl.signal }),
  );
  assert.equal(exit.aborted, true);
});

Deno.test("orphans left behind by a finished process are ended and do not hold stdout", async () => {
  const t0 = performance.now();
  const { out, exit } = await collect(spawnTree({
    cmd: "sh",
    args: ["-c", "sleep 300 & echo $!; exit 0"],
    cwd,
    graceMs: 5000,
  }));
  assert.ok(performance.now() - t0 < 2000);
  assert.equal(exit.code, 0);
  assert.equal(exit.aborted, false);
  assert.ok(await exited(Number(out[0])));
});

Deno.test("stopping the iteration early kills the tree", async () => {
  const gen = spawnTree({ cmd: "sh", args: ["-c", "sleep 300 & echo $!; wait"], cwd });
  const grandchild = Number((await gen.next()).value);
  await gen.return({} as ProcessExit);
  assert.ok(await exited(grandchild));
});
