/** A test double of the `Runner` interface: output and results come from a script. */
import type { Runner, RunRequest, RunResult } from "../src/runners/runner.ts";

/** What a scripted run does with its request. */
export type Script = (req: RunRequest) => AsyncGenerator<string, RunResult, void>;

/** Runner whose behaviour is a function of the request; records every request. */
export class ScriptedRunner implements Runner {
  readonly name = "custom" as const;
  readonly requests: RunRequest[] = [];
  preflightProblem: string | null = null;

  /** @param script what each run does (default: {@link echoScript}) */
  constructor(readonly script: Script = echoScript) {}

  async *run(req: RunRequest): AsyncGenerator<string, RunResult, void> {
    this.requests.push(req);
    return yield* this.script(req);
  }

  preflight(): Promise<string | null> {
    return Promise.resolve(this.preflightProblem);
  }
}

/** Echoes the prompt in a few chunks; resume handle `resume-of:<prompt>`. */
export async function* echoScript(req: RunRequest): AsyncGenerator<string, RunResult, void> {
  for (const part of ["you said: ", req.prompt, "\n"]) {
    await new Promise((r) => setTimeout(r, 5));
    yield part;
  }
  return { status: "ok", resume: `resume-of:${req.prompt}` };
}

/** Prints one line, then waits for the abort signal (or `release`). */
export function holdingScript(release?: Promise<void>): Script {
  return async function* (req) {
    yield `working on ${req.prompt}\n`;
    await new Promise<void>((resolve) => {
      if (req.signal.aborted) return resolve();
      req.signal.addEventListener("abort", () => resolve(), { once: true });
      release?.then(resolve);
    });
    if (req.signal.aborted) return { status: "aborted", resume: null };
    return { status: "ok", resume: null };
  };
}
