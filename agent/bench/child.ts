/**
 * A `deno` child process of the benchmark, its stdout read line by line with each line's arrival
 * time, so "spawn → line printed" can be measured.
 *
 * @module
 */

const STEP_TIMEOUT_MS = 30_000;

/** The benchmark could not measure something. */
export class BenchError extends Error {
  override name = "BenchError";
}

/** A `deno` child process, its stdout read line by line, each line timed on arrival. */
export class Child {
  static readonly live = new Set<Child>();
  readonly process: Deno.ChildProcess;
  readonly spawnedAt: number;
  readonly lines: { text: string; at: number }[] = [];
  readonly status: Promise<Deno.CommandStatus>;
  #stderr = "";
  #exited = false;
  #changed = Promise.withResolvers<void>();

  constructor(readonly name: string, args: string[], cwd: string, env: Record<string, string>) {
    const command = new Deno.Command(Deno.execPath(), {
      args,
      cwd,
      env: { NO_COLOR: "1", DENO_NO_PACKAGE_JSON: "1", ...env },
      stdin: "null",
      stdout: "piped",
      stderr: "piped",
    });
    this.spawnedAt = performance.now();
    this.process = command.spawn();
    Child.live.add(this);
    const stdout = this.#readLines(this.process.stdout);
    const stderr = this.process.stderr.pipeThrough(new TextDecoderStream()).pipeTo(
      new WritableStream({ write: (text) => void (this.#stderr += text) }),
    );
    // Exited once its output is read to the end too, so nothing it printed is missed.
    this.status = Promise.all([this.process.status, stdout, stderr]).then(([status]) => {
      this.#exited = true;
      Child.live.delete(this);
      this.#wake();
      return status;
    });
  }

  get pid(): number {
    return this.process.pid;
  }

  /** Last line of its stderr (complete once `status` has resolved). */
  get errorLine(): string {
    return this.#stderr.trim().split("\n").at(-1) ?? "";
  }

  /** Arrival time of the first stdout line matching `pattern`. */
  async lineAt(pattern: RegExp): Promise<number> {
    const deadline = performance.now() + STEP_TIMEOUT_MS;
    for (;;) {
      const line = this.lines.find((l) => pattern.test(l.text));
      if (line) return line.at;
      if (this.#exited) {
        throw new BenchError(`${this.name} exited before printing ${pattern}: ${this.errorLine}`);
      }
      const left = deadline - performance.now();
      if (left <= 0) throw new BenchError(`${this.name} did not print ${pattern} in time`);
      let timer: ReturnType<typeof setTimeout> | undefined;
      await Promise.race([
        this.#changed.promise,
        new Promise((resolve) => timer = setTimeout(resolve, left)),
      ]);
      clearTimeout(timer);
    }
  }

  /** SIGTERM (SIGKILL past 10 s), then wait for the exit. */
  async stop(signal: Deno.Signal = "SIGTERM"): Promise<void> {
    try {
      this.process.kill(signal);
    } catch { /* already gone */ }
    const timer = setTimeout(() => {
      try {
        this.process.kill("SIGKILL");
      } catch { /* gone meanwhile */ }
    }, 10_000);
    await this.status;
    clearTimeout(timer);
  }

  async #readLines(stream: ReadableStream<Uint8Array>): Promise<void> {
    const decoder = new TextDecoder();
    let buffer = "";
    for await (const chunk of stream) {
      const at = performance.now();
      buffer += decoder.decode(chunk, { stream: true });
      const parts = buffer.split("\n");
      buffer = parts.pop()!;
      for (const text of parts) this.lines.push({ text, at });
      this.#wake();
    }
  }

  #wake(): void {
    const changed = this.#changed;
    this.#changed = Promise.withResolvers<void>();
    changed.resolve();
  }
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** The last meaningful line of a failed command's stderr, without its `error:` label. */
export function reasonOf(stderr: Uint8Array, code: number): string {
  const lines = new TextDecoder().decode(stderr).split("\n").map((l) => l.trim())
    .filter((l) => l && !/^(Stack backtrace|\d+: <unknown>)/.test(l));
  return (lines.at(-1) ?? `exited ${code}`).replace(/^error:\s*/, "");
}
