/**
 * The long-lived part of `remoteagent start`: subscribe to this agent's commands, acknowledge
 * and queue them, keep the link alive with heartbeats, reconnect with backoff after any drop
 * (resuming after the last event id), stop on revocation, and shut down gracefully.
 */
import { HEARTBEAT_INTERVAL_MS } from "@remoteagent/shared/protocol.ts";
import { messageOf, type RevokedError } from "../errors.ts";
import type { Runner } from "../runners/runner.ts";
import { ApprovalBroker } from "../approvals/broker.ts";
import type { Policy } from "../approvals/policy.ts";
import { backoffDelay, sleep as realSleep } from "./backoff.ts";
import { realTimers, type Timers } from "./timers.ts";
import type { ApiClient } from "./client.ts";
import type { AgentEventSink } from "./events.ts";
import { dropReason, revocationOf } from "./failures.ts";
import { retryTransient } from "./retry.ts";
import { type ResumeStore, TaskQueue } from "./task_queue.ts";
import type { Reviewer } from "../review/reviewer.ts";
import type { FileTransfer } from "../review/transfer.ts";

/** Options of {@link runAgent}. */
export interface AgentLoopOptions {
  client: ApiClient;
  runner: Runner;
  projectDir: string;
  resumes: ResumeStore;
  onEvent: AgentEventSink;
  /** Aborting it shuts the agent down gracefully. */
  signal: AbortSignal;
  version: string;
  /** How long a shutdown may take to report the aborted task and say goodbye. */
  shutdownGraceMs?: number;
  heartbeatIntervalMs?: number;
  /** A connection that lived this long counts as successful: the backoff starts over. */
  healthyAfterMs?: number;
  now?: () => number;
  timers?: Timers;
  random?: () => number;
  /** Moves files between the project and the chat; without it files are not exchanged. */
  files?: FileTransfer;
  /** This process's id for `session.start` (default: random). */
  instance?: string;
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
  /**
   * The agent's permission policy and how to save an "always" rule; absent: no approvals
   * (everything allowed, as in `auto`).
   */
  permissions?: { policy: Policy; save: (rules: string[]) => Promise<void> };
}

/** How one subscription attempt ended. */
interface AttemptResult {
  healthy: boolean;
  error: unknown;
}

/** Keeps this many event ids to drop duplicates a reconnect might bring. */
const SEEN_IDS_LIMIT = 1000;

/**
 * Run until `signal` aborts (resolves after a graceful shutdown) or the agent is revoked
 * (rejects with `RevokedError`).
 */
export async function runAgent(options: AgentLoopOptions): Promise<void> {
  const { client, onEvent, signal } = options;
  const now = options.now ?? Date.now;
  const timers = options.timers ?? realTimers;
  const sleep = options.sleep ?? realSleep;
  const revokedStop = new AbortController();
  const hardStop = new AbortController();
  let revoked: RevokedError | null = null;
  const stopOnRevocation = (error: unknown) => {
    const found = revocationOf(error);
    if (!found || revoked) return;
    revoked = found;
    onEvent({ type: "status", state: "revoked" });
    revokedStop.abort();
    hardStop.abort();
  };
  // Names this process to the relay: a session started here runs here and nowhere else.
  const instance = options.instance ?? randomInstanceId();
  const retrying = <T>(call: () => Promise<T>) =>
    retryTransient(call, { signal: hardStop.signal, sleep, random: options.random });

  const broker = new ApprovalBroker({
    request: (input) => retrying(() => client.approval.request.mutate(input)),
    expire: (input) => retrying(() => client.approval.expire.mutate(input)),
  }, timers);
  const permissions = options.permissions;
  // The review code (snapshots, diffs, undo) is loaded with the first task or review command.
  let loadedReviewer: Promise<Reviewer> | null = null;
  const reviewer = () =>
    loadedReviewer ??= import("../review/reviewer.ts").then(({ Reviewer }) =>
      new Reviewer({
        projectDir: options.projectDir,
        reply: (target, text) => retrying(() => client.review.reply.mutate({ ...target, text })),
        files: options.files ?? null,
        busy: (): boolean => queue.busySessionId !== null,
        onWarning: (message) => onEvent({ type: "warning", message }),
      })
    );
  const queue = new TaskQueue({
    review: { begin: async (command) => await (await reviewer()).begin(command) },
    runner: options.runner,
    projectDir: options.projectDir,
    resumes: options.resumes,
    onEvent,
    onRevoked: stopOnRevocation,
    now,
    timers,
    ...(permissions && permissions.policy.mode !== "auto"
      ? {
        permissions: {
          policy: permissions.policy,
          broker,
          remember: (rule: string) => {
            permissions.policy.allowAlways(rule);
            return permissions.save([...permissions.policy.always]);
          },
        },
      }
      : {}),
    calls: {
      start: (sessionId) => retrying(() => client.session.start.mutate({ sessionId, instance })),
      output: (sessionId, seq, text) =>
        retrying(() => client.session.output.mutate({ sessionId, seq, text })),
      finish: (input) => retrying(() => client.session.finish.mutate(input)),
    },
  });

  let lastEventId: string | null = null;
  const seen = new Set<string>();
  let commands = Promise.resolve();
  const handle = (id: string, data: unknown) => {
    if (seen.has(id)) return;
    seen.add(id);
    if (seen.size > SEEN_IDS_LIMIT) seen.delete(seen.values().next().value as string);
    // One at a time, in arrival order: a prompt is queued before the next command (say, its
    // abort) is looked at. A prompt is not acknowledged: it stays in the relay's queue until
    // its session starts, so a new process of this agent gets it again if this one dies.
    // Anything else is acknowledged once taken.
    commands = commands.then(async () => {
      // zod is loaded with the first command, not at start: an idle agent does without it.
      const { agentCommand } = await import("@remoteagent/shared/schemas.ts");
      const parsed = agentCommand.safeParse(data);
      if (!parsed.success || parsed.data.type !== "prompt") {
        try {
          await retrying(() => client.agent.ack.mutate({ eventId: id }));
        } catch (error) {
          stopOnRevocation(error);
          if (revoked || hardStop.signal.aborted) return;
          onEvent({
            type: "warning",
            message: `could not acknowledge a command: ${messageOf(error)}`,
          });
        }
      }
      if (!parsed.success) {
        onEvent({ type: "warning", message: "ignored a command this version does not understand" });
      } else if (parsed.data.type === "prompt") {
        queue.enqueue(parsed.data);
      } else if (parsed.data.type === "approval") {
        broker.answer(parsed.data);
      } else if (parsed.data.type === "review") {
        const command = parsed.data;
        void reviewer().then((loaded) => loaded.handle(command));
      } else {
        queue.abort(parsed.data.sessionId);
      }
    });
  };

  const heartbeat = () => {
    client.agent.heartbeat
      .mutate({
        busySessionId: queue.busySessionId,
        version: options.version,
        permissionMode: permissions?.policy.mode ?? "auto",
      })
      .catch(stopOnRevocation);
  };

  const stopping = anySignal(signal, revokedStop.signal);
  const attempt = (): Promise<AttemptResult> =>
    new Promise((resolve) => {
      let startedAt: number | null = null;
      let gotData = false;
      let beat: unknown = null;
      let done = false;
      const end = (error: unknown) => {
        if (done) return;
        done = true;
        subscription.unsubscribe();
        stopping.removeEventListener("abort", onStop);
        if (beat !== null) timers.clearInterval(beat);
        const lived = startedAt !== null &&
          (gotData || now() - startedAt >= (options.healthyAfterMs ?? 2_000));
        resolve({ healthy: lived, error });
      };
      const onStop = () => end(null);
      const subscription = client.agent.onCommand.subscribe({ lastEventId }, {
        onStarted: () => {
          startedAt = now();
          onEvent({ type: "status", state: "connected" });
          heartbeat();
          beat = timers.setInterval(
            heartbeat,
            options.heartbeatIntervalMs ?? HEARTBEAT_INTERVAL_MS,
          );
        },
        onData: (event) => {
          gotData = true;
          lastEventId = event.id;
          handle(event.id, event.data);
        },
        onError: (error) => end(error),
        onComplete: () => end(new Error("the server ended the subscription")),
        onConnectionStateChange: (state) => {
          if (state.state === "connecting" && state.error) end(state.error);
        },
      });
      if (stopping.aborted) onStop();
      else stopping.addEventListener("abort", onStop);
    });

  onEvent({ type: "status", state: "connecting" });
  for (let failures = 0; !stopping.aborted;) {
    const result = await attempt();
    if (stopping.aborted) break;
    stopOnRevocation(result.error);
    if (revoked) break;
    failures = result.healthy ? 0 : failures + 1;
    const delay = backoffDelay(Math.max(0, failures - 1), { random: options.random });
    const error = dropReason(result.error);
    onEvent({ type: "status", state: "reconnecting", retryInMs: delay, error });
    await sleep(delay, stopping);
  }

  if (revoked) {
    await queue.shutdown("the agent was removed from the dashboard");
    throw revoked;
  }
  onEvent({ type: "status", state: "stopping" });
  // Past the grace period, stop retrying and stop waiting for the task: say goodbye and go.
  let grace: unknown = null;
  const graceOver = new Promise<void>((resolve) => {
    grace = timers.setTimeout(() => {
      hardStop.abort();
      resolve();
    }, options.shutdownGraceMs ?? 10_000);
  });
  try {
    // Commands being acknowledged right now are queued first, so shutdown reports them too.
    await Promise.race([commands.then(() => queue.shutdown()), graceOver]);
    if (hardStop.signal.aborted && !revoked) {
      onEvent({ type: "warning", message: "the running task did not stop in time" });
    }
    await retrying(() => client.agent.goodbye.mutate()).catch((error) => {
      stopOnRevocation(error);
      if (!revoked) {
        onEvent({ type: "warning", message: `could not say goodbye: ${messageOf(error)}` });
      }
    });
  } finally {
    timers.clearTimeout(grace);
  }
}

function randomInstanceId(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(18));
  return btoa(String.fromCharCode(...bytes)).replaceAll("+", "-").replaceAll("/", "_");
}

/** A signal that aborts when any of `signals` does. */
function anySignal(...signals: AbortSignal[]): AbortSignal {
  return AbortSignal.any(signals);
}
