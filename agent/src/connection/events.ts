/** What the connection reports to whoever shows it (the status line of `start`, or a test). */

/** State of the link to the relay. */
export type ConnectionState =
  | { state: "connecting" }
  | { state: "connected" }
  | { state: "reconnecting"; retryInMs: number; error: string }
  | { state: "revoked" }
  | { state: "stopping" };

/** How a task ended, in the relay's words. */
export type TaskStatus = "done" | "failed" | "aborted";

/** Everything the agent loop reports. */
export type AgentEvent =
  | ({ type: "status" } & ConnectionState)
  | { type: "task-start"; sessionId: string; preview: string; queued: number }
  | {
    type: "task-end";
    sessionId: string;
    preview: string;
    status: TaskStatus;
    reason: string | null;
    durationMs: number;
  }
  | { type: "warning"; message: string };

/** Receives agent events. */
export type AgentEventSink = (event: AgentEvent) => void;

/** Characters of a prompt shown in the task line. */
export const TASK_PREVIEW_CHARS = 60;

/** One-line preview of a prompt for the terminal, at most {@link TASK_PREVIEW_CHARS}. */
export function taskPreview(prompt: string): string {
  const flat = prompt.replace(/\s+/g, " ").trim();
  const chars = Array.from(flat);
  if (chars.length <= TASK_PREVIEW_CHARS) return flat;
  return chars.slice(0, TASK_PREVIEW_CHARS - 1).join("") + "…";
}
