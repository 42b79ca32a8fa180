/**
 * Approval requests of one agent process: `ask` sends a request through the relay and waits for
 * the person's answer, which comes back as an `approval` command (handed over with `answer`).
 * The runner is blocked meanwhile, not failed. After the relay's timeout, or when the task is
 * aborted, the request is closed with `approval.expire`, which denies it unless a person's answer
 * won the race. Several requests may wait at once; each has its own random id.
 *
 * @module
 */
import type {
  ApprovalCommand,
  ApprovalDecision,
  ApprovalRequestInput,
} from "@remoteagent/shared/schemas.ts";
import { messageOf } from "../errors.ts";
import { realTimers, type Timers } from "../connection/timers.ts";

/** The relay calls a request makes; retrying transient failures is the caller's job. */
export interface ApprovalCalls {
  request(input: ApprovalRequestInput): Promise<{ timeoutMs: number }>;
  expire(input: { sessionId: string; requestId: string; why: "timeout" | "aborted" }): Promise<
    ApprovalAnswer
  >;
}

/** What came of a request; `by` is null when nobody answered (timeout, abort, failure). */
export interface ApprovalAnswer {
  decision: ApprovalDecision;
  reason: string | null;
  by: { telegramUserId: number; name: string } | null;
}

/** Sends approval requests and matches the answers to them. */
export class ApprovalBroker {
  readonly #waiting = new Map<string, (answer: ApprovalAnswer) => void>();
  readonly #calls: ApprovalCalls;
  readonly #timers: Timers;

  /** @param calls the relay's approval procedures; @param timers injectable for tests */
  constructor(calls: ApprovalCalls, timers: Timers = realTimers) {
    this.#calls = calls;
    this.#timers = timers;
  }

  /** Requests waiting for an answer right now. */
  get pending(): number {
    return this.#waiting.size;
  }

  /** Ask the person who started the task; resolves with the answer (never throws). */
  async ask(
    request: Omit<ApprovalRequestInput, "requestId">,
    signal: AbortSignal,
  ): Promise<ApprovalAnswer> {
    const requestId = randomRequestId();
    const { sessionId } = request;
    let settle!: (answer: ApprovalAnswer) => void;
    const answered = new Promise<ApprovalAnswer>((resolve) => (settle = resolve));
    this.#waiting.set(requestId, settle);
    let timer: unknown = null;
    const onAbort = () => settle(ABORTED);
    try {
      if (signal.aborted) return ABORTED;
      signal.addEventListener("abort", onAbort, { once: true });
      let timeoutMs: number;
      try {
        ({ timeoutMs } = await this.#calls.request({ ...request, requestId }));
      } catch (error) {
        if (signal.aborted) return ABORTED;
        return {
          decision: "deny",
          reason: `could not ask for approval: ${messageOf(error)}`,
          by: null,
        };
      }
      timer = this.#timers.setTimeout(() => settle(TIMED_OUT), timeoutMs);
      const answer = await answered;
      if (answer.by) return answer;
      // Nobody answered here: close the request; an answer that reached the relay first wins.
      const why = answer === ABORTED ? "aborted" : "timeout";
      try {
        const final = await this.#calls.expire({ sessionId, requestId, why });
        return why === "aborted" ? ABORTED : final;
      } catch {
        return answer;
      }
    } finally {
      this.#timers.clearTimeout(timer);
      signal.removeEventListener("abort", onAbort);
      this.#waiting.delete(requestId);
    }
  }

  /** An `approval` command arrived; answers for requests no longer waiting are ignored. */
  answer(command: ApprovalCommand): void {
    this.#waiting.get(command.requestId)?.({
      decision: command.decision,
      reason: command.reason,
      by: command.by,
    });
  }
}

const ABORTED: ApprovalAnswer = { decision: "deny", reason: "the task was aborted", by: null };
const TIMED_OUT: ApprovalAnswer = {
  decision: "deny",
  reason: "nobody answered the approval request in time",
  by: null,
};

function randomRequestId(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  return btoa(String.fromCharCode(...bytes)).replaceAll("+", "-").replaceAll("/", "_")
    .replaceAll("=", "");
}
