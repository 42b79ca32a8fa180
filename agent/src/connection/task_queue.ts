/**
 * Runs prompts one at a time, in the order they arrived: reports the start, streams output in
 * batches, reports how it ended. Aborts stop the running task or drop a waiting one; `continue`
 * passes the runner the resume handle kept from the earlier session.
 */
import type { PromptCommand, SessionFinishInput } from "@remoteagent/shared/schemas.ts";
import { messageOf } from "../errors.ts";
import type { Runner, RunResult } from "../runners/runner.ts";
import { OutputBatcher } from "./batcher.ts";
import { realTimers, type Timers } from "./timers.ts";
import { type AgentEventSink, taskPreview, type TaskStatus } from "./events.ts";
import { revocationOf } from "./failures.ts";
import type { TaskReview } from "../review/reviewer.ts";

/** The session mutations a task makes; retrying transient failures is the caller's job. */
export interface SessionCalls {
  /** `run: false` when the relay cancelled the session (aborted or expired) before it started. */
  start(sessionId: string): Promise<{ run: boolean }>;
  output(sessionId: string, seq: number, text: string): Promise<void>;
  finish(input: SessionFinishInput): Promise<void>;
}

/** Where `continue` handles are kept. */
export interface ResumeStore {
  get(sessionId: string): string | null;
  set(sessionId: string, resume: string): Promise<void>;
}

/** Options of {@link TaskQueue}. */
export interface TaskQueueOptions {
  runner: Runner;
  projectDir: string;
  calls: SessionCalls;
  resumes: ResumeStore;
  onEvent: AgentEventSink;
  /** A call failed because the agent was revoked: the loop must stop. */
  onRevoked: (error: unknown) => void;
  now?: () => number;
  timers?: Timers;
  /** Inbox files, change summary and outbox around each task (see review/reviewer.ts). */
  review?: { begin(command: PromptCommand): Promise<TaskReview> };
}

/** Remembers this many sessions to ignore a second copy of one. */
const TAKEN_LIMIT = 1000;

/** One agent's task queue. */
export class TaskQueue {
  #waiting: PromptCommand[] = [];
  #running: { command: PromptCommand; abort: AbortController } | null = null;
  #loop: Promise<void> | null = null;
  #stopped = false;
  /** Sessions this process has taken, newest last: the relay may queue one twice. */
  #taken = new Set<string>();
  /** Reports of dropped tasks still being delivered. */
  #reports = new Set<Promise<void>>();
  readonly #opts: TaskQueueOptions;
  readonly #now: () => number;

  /** @param options the runner, the API calls and where to report */
  constructor(options: TaskQueueOptions) {
    this.#opts = options;
    this.#now = options.now ?? Date.now;
  }

  /** Session id of the task running now, for heartbeats. */
  get busySessionId(): string | null {
    return this.#running?.command.sessionId ?? null;
  }

  /** Number of prompts waiting behind the running one. */
  get waiting(): number {
    return this.#waiting.length;
  }

  /** Queue a prompt; it runs when every earlier one has ended. A session is taken only once. */
  enqueue(command: PromptCommand): void {
    if (this.#stopped || this.#taken.has(command.sessionId)) return;
    this.#taken.add(command.sessionId);
    if (this.#taken.size > TAKEN_LIMIT) {
      this.#taken.delete(this.#taken.values().next().value as string);
    }
    this.#waiting.push(command);
    this.#loop ??= this.#drain().finally(() => (this.#loop = null));
  }

  /** Abort the running task when it matches (or `sessionId` is null), else drop a waiting one. */
  abort(sessionId: string | null): void {
    const running = this.#running;
    if (running && (sessionId === null || running.command.sessionId === sessionId)) {
      running.abort.abort();
      return;
    }
    const index = this.#waiting.findIndex((c) => c.sessionId === sessionId);
    if (index >= 0) {
      const [dropped] = this.#waiting.splice(index, 1);
      const report = this.#report(dropped!, "aborted", "aborted before it started", 0);
      this.#reports.add(report);
      report.finally(() => this.#reports.delete(report));
    }
  }

  /** Resolves once nothing runs and nothing waits. */
  async idle(): Promise<void> {
    while (this.#loop) await this.#loop;
    await Promise.all(this.#reports);
  }

  /** Stop: abort the running task, report the waiting ones as aborted, wait for all reports. */
  async shutdown(reason = "the agent was stopped before this task ran"): Promise<void> {
    this.#stopped = true;
    const dropped = this.#waiting.splice(0);
    this.#running?.abort.abort("the agent was stopped");
    await Promise.all([
      this.idle(),
      ...dropped.map((command) => this.#report(command, "aborted", reason, 0)),
    ]);
  }

  async #drain(): Promise<void> {
    for (let command = this.#waiting.shift(); command; command = this.#waiting.shift()) {
      if (command.expiresAt < this.#now()) {
        await this.#report(command, "aborted", "expired while waiting for the previous task", 0);
        continue;
      }
      const abort = new AbortController();
      this.#running = { command, abort };
      try {
        await this.#run(command, abort);
      } finally {
        this.#running = null;
      }
    }
  }

  async #run(command: PromptCommand, abort: AbortController): Promise<void> {
    const { sessionId } = command;
    const started = this.#now();
    const preview = taskPreview(command.prompt);
    this.#opts.onEvent({ type: "task-start", sessionId, preview, queued: this.#waiting.length });
    let run: boolean;
    try {
      ({ run } = await this.#opts.calls.start(sessionId));
    } catch (error) {
      this.#failedCall(error);
      const reason = `the relay refused the task: ${messageOf(error)}`;
      this.#opts.onEvent({ ...endEvent(command, "failed", reason), durationMs: 0 });
      return;
    }
    if (!run) {
      // The relay already ended it (aborted or expired while queued): nothing to report back.
      const reason = "cancelled before it started";
      this.#opts.onEvent({ ...endEvent(command, "aborted", reason), durationMs: 0 });
      return;
    }
    const batcher = new OutputBatcher({
      send: (seq, text) => this.#opts.calls.output(sessionId, seq, text),
      onError: (error) => {
        this.#failedCall(error);
        abort.abort();
      },
      timers: this.#opts.timers ?? realTimers,
    });
    const resume = command.continueSessionId
      ? this.#opts.resumes.get(command.continueSessionId)
      : null;
    if (command.continueSessionId && resume === null) {
      batcher.push("_(No earlier conversation was found on the agent: starting a new one.)_\n\n");
    }
    const review = await this.#opts.review?.begin(command);
    for (const note of review?.notes ?? []) batcher.push(`${note}\n\n`);
    const task = review ? { ...command, prompt: review.prompt } : command;
    const result = await this.#runRunner(task, abort.signal, resume, batcher);
    let [status, reason] = outcome(result);
    if (status === "aborted" && typeof abort.signal.reason === "string") {
      reason = abort.signal.reason;
    }
    try {
      await batcher.close();
    } catch (error) {
      if (status === "done") [status, reason] = ["failed", `output lost: ${messageOf(error)}`];
    }
    await review?.end();
    if (result.resume) {
      await this.#opts.resumes.set(sessionId, result.resume).catch((error) =>
        this.#opts.onEvent({
          type: "warning",
          message: `could not save the conversation: ${messageOf(error)}`,
        })
      );
    }
    await this.#report(command, status, reason, this.#now() - started);
  }

  async #runRunner(
    command: PromptCommand,
    signal: AbortSignal,
    resume: string | null,
    batcher: OutputBatcher,
  ): Promise<RunResult> {
    const { prompt } = command;
    try {
      const run = this.#opts.runner.run({
        prompt,
        projectDir: this.#opts.projectDir,
        signal,
        resume,
      });
      for (;;) {
        const next = await run.next();
        if (next.done) return next.value;
        batcher.push(next.value);
      }
    } catch (error) {
      // Runners report failures as results; if one throws anyway, the agent survives it.
      if (signal.aborted) return { status: "aborted", resume: null };
      return { status: "error", reason: messageOf(error), resume: null };
    }
  }

  /** Tell the relay (and the terminal) how a task ended. */
  async #report(
    command: PromptCommand,
    status: TaskStatus,
    reason: string | null,
    durationMs: number,
  ): Promise<void> {
    const { sessionId } = command;
    const duration = Math.max(0, Math.round(durationMs));
    const trimmed = reason === null ? null : reason.slice(0, 2000);
    try {
      await this.#opts.calls.finish({ sessionId, status, reason: trimmed, durationMs: duration });
    } catch (error) {
      this.#failedCall(error);
      this.#opts.onEvent({
        type: "warning",
        message: `could not report the end of a task: ${messageOf(error)}`,
      });
    }
    this.#opts.onEvent({ ...endEvent(command, status, reason), durationMs: duration });
  }

  #failedCall(error: unknown): void {
    if (revocationOf(error)) this.#opts.onRevoked(error);
  }
}

function endEvent(command: PromptCommand, status: TaskStatus, reason: string | null) {
  return {
    type: "task-end" as const,
    sessionId: command.sessionId,
    preview: taskPreview(command.prompt),
    status,
    reason,
  };
}

function outcome(result: RunResult): [TaskStatus, string | null] {
  if (result.status === "ok") return ["done", null];
  if (result.status === "aborted") return ["aborted", null];
  return ["failed", result.reason];
}
