/**
 * The permission gate of one task: runners ask it before a tool call. It allows what the policy
 * allows; anything else goes to a person through the {@link ApprovalBroker}, and the decision and
 * who made it are written into the task's output (so Telegram and the dashboard show them).
 * "Allow for this task" adds the proposed rule for the rest of the task; "Always allow" also
 * saves it in the agent's local config.
 *
 * @module
 */
import type { ApprovalAnswer, ApprovalBroker } from "./broker.ts";
import { type Policy, suggestRule, type ToolAction } from "./policy.ts";

/** Extra context for a request: what to show, why the model wants it, the first lines of a diff. */
export interface ActionDetails {
  /** Shown instead of the bare target (e.g. a path with a diff stat). */
  what?: string;
  why?: string | null;
  detail?: string | null;
}

/** The gate's answer; `message` tells the model why it was denied. */
export type GateVerdict = { allow: true } | { allow: false; message: string };

/** What runners call before a tool call that may need a person's approval. */
export interface PermissionGate {
  check(action: ToolAction, details?: ActionDetails): Promise<GateVerdict>;
}

/** Options of {@link TaskGate}. */
export interface TaskGateOptions {
  sessionId: string;
  policy: Policy;
  broker: ApprovalBroker;
  /** The task's abort signal: a wait ends with it. */
  signal: AbortSignal;
  /** Adds a line to the task's output. */
  note: (text: string) => void;
  /** Saves an "always" rule in the agent's config. */
  remember: (rule: string) => Promise<void>;
}

/** The gate of one running task. */
export class TaskGate implements PermissionGate {
  readonly #opts: TaskGateOptions;
  readonly #taskRules: string[] = [];

  /** @param options the policy, the broker and where the decisions go */
  constructor(options: TaskGateOptions) {
    this.#opts = options;
  }

  /** Rules allowed for this task so far. */
  get taskRules(): readonly string[] {
    return this.#taskRules;
  }

  /** Allow, or ask a person and wait. Never throws. */
  async check(action: ToolAction, details: ActionDetails = {}): Promise<GateVerdict> {
    const { policy, broker, sessionId, signal, note } = this.#opts;
    if (policy.decide(action, this.#taskRules) === "allow") return { allow: true };
    const pattern = suggestRule(action);
    const what = (details.what ?? action.target).slice(0, 1000) || action.tool;
    const answer = await broker.ask({
      sessionId,
      tool: action.tool,
      what,
      why: details.why?.slice(0, 500) || null,
      detail: details.detail?.slice(0, 2000) || null,
      pattern,
    }, signal);
    note(`\n${decisionNote(answer, action, pattern)}\n\n`);
    const rule = pattern ?? `${action.tool}(${action.target})`;
    switch (answer.decision) {
      case "allow-once":
        return { allow: true };
      case "allow-task":
        this.#taskRules.push(rule);
        return { allow: true };
      case "allow-always":
        this.#taskRules.push(rule);
        await this.#opts.remember(rule).catch((error) =>
          note(`⚠️ could not save the rule ${rule}: ${String(error)}\n`)
        );
        return { allow: true };
      case "deny":
        return { allow: false, message: denialMessage(answer) };
    }
  }
}

/** The model reads this as the tool's result. */
function denialMessage(answer: ApprovalAnswer): string {
  if (!answer.by) return `Not allowed: ${answer.reason ?? "no answer"}.`;
  return answer.reason
    ? `The user denied this tool call: ${answer.reason}`
    : "The user denied this tool call.";
}

/** One Markdown line for the output: the decision and who made it. */
export function decisionNote(
  answer: ApprovalAnswer,
  action: ToolAction,
  pattern: string | null,
): string {
  const target = "`" + (action.target.split("\n")[0] ?? "").slice(0, 120).replaceAll("`", "'") +
    "`";
  const what = `${action.tool} ${target}`;
  if (!answer.by) return `🔐 ${what}: denied (${answer.reason ?? "no answer"})`;
  const who = answer.by.name;
  switch (answer.decision) {
    case "allow-once":
      return `🔐 ${what}: allowed once by ${who}`;
    case "allow-task":
      return `🔐 ${what}: allowed for this task by ${who}`;
    case "allow-always":
      return `🔐 ${what}: always allowed (${pattern ?? action.tool}) by ${who}`;
    case "deny":
      return answer.reason
        ? `🔐 ${what}: denied by ${who}: ${answer.reason}`
        : `🔐 ${what}: denied by ${who}`;
  }
}
