/**
 * Built-in runner: the Anthropic Messages API in process (`@anthropic-ai/sdk`), streaming, with an
 * agentic tool loop over the project directory (see `claude_sdk_tools.ts`). The conversation is
 * stored on the agent machine; `resume` is its id.
 *
 * @module
 */
import Anthropic from "@anthropic-ai/sdk";
import { type AssistantTurn, streamTurn } from "./anthropic_turn.ts";
import { executeTool, TOOLS } from "./claude_sdk_tools.ts";
import { sdkAction } from "../approvals/sdk_actions.ts";
import { defaultGetEnv } from "./cli_runner.ts";
import { ConversationStore, defaultConversationsDir } from "./conversation_store.ts";
import { MarkdownOut, toolSummary, warningLine } from "./format.ts";
import { message } from "./fs_tools.ts";
import type { Obj } from "./json.ts";
import type { Runner, RunnerEnv, RunnerSettings, RunRequest, RunResult } from "./runner.ts";

/** Model used when the settings name none. */
export const DEFAULT_CLAUDE_MODEL = "claude-sonnet-4-5";
const MAX_TOKENS = 8192;
const DEFAULT_MAX_TURNS = 50;
const DEFAULT_COMMAND_TIMEOUT_MS = 120_000;

type Message = Anthropic.MessageParam;

/** Runs Claude through the Anthropic API with file and shell tools confined to the project. */
export class ClaudeSdkRunner implements Runner {
  readonly name = "claude-sdk" as const;
  readonly #getEnv: (name: string) => string | undefined;

  constructor(private readonly settings: RunnerSettings, private readonly env: RunnerEnv) {
    this.#getEnv = env.getEnv ?? defaultGetEnv;
  }

  /** Null when the permission gate allows the call, else the reason the model is told. */
  async #denial(req: RunRequest, name: string, input: Obj): Promise<string | null> {
    const found = req.gate ? sdkAction(name, input) : null;
    if (!req.gate || !found) return null;
    const verdict = await req.gate.check(found.action, found.details);
    return verdict.allow ? null : verdict.message;
  }

  preflight(): Promise<string | null> {
    return Promise.resolve(
      this.#apiKey()
        ? null
        : "no Anthropic API key configured (run `remoteagent init` or set ANTHROPIC_API_KEY)",
    );
  }

  async *run(req: RunRequest): AsyncGenerator<string, RunResult, void> {
    const apiKey = this.#apiKey();
    if (!apiKey) {
      return { status: "error", reason: "no Anthropic API key configured", resume: req.resume };
    }
    const md = new MarkdownOut();
    const store = new ConversationStore(
      this.env.conversationsDir ?? defaultConversationsDir(this.#getEnv),
      this.name,
    );
    let id = req.resume ?? "";
    let messages = req.resume ? await store.load<Message>(req.resume).catch(() => null) : null;
    if (req.resume && !messages) {
      yield md.line(warningLine("previous conversation not found; starting a new one"));
    }
    if (!messages) {
      messages = [];
      id = store.newId();
    }
    addUserText(messages, req.prompt);
    let saveWarned = false;
    const save = async function* (): AsyncGenerator<string, void, void> {
      try {
        await store.save(id, messages);
      } catch (err) {
        if (saveWarned) return;
        saveWarned = true;
        yield md.line(warningLine(`could not save the conversation: ${message(err)}`));
      }
    };
    yield* save();

    const client = new Anthropic({
      apiKey,
      baseURL: this.settings.baseUrl, // undefined: ANTHROPIC_BASE_URL or the default
      fetch: this.env.fetch,
      maxRetries: this.env.anthropicMaxRetries ?? 2,
    });
    const maxTurns = this.env.maxTurns ?? DEFAULT_MAX_TURNS;
    const ctx = {
      projectDir: req.projectDir,
      signal: req.signal,
      commandTimeoutMs: this.env.commandTimeoutMs ?? DEFAULT_COMMAND_TIMEOUT_MS,
      killGraceMs: this.env.killGraceMs,
    };
    try {
      for (let turn = 0; turn < maxTurns; turn++) {
        const stream = streamTurn(client, {
          model: this.settings.model ?? DEFAULT_CLAUDE_MODEL,
          max_tokens: MAX_TOKENS,
          system: systemPrompt(req.projectDir),
          tools: TOOLS,
          messages,
        }, req.signal);
        let next = await stream.next();
        while (!next.done) {
          yield md.text(next.value);
          next = await stream.next();
        }
        const reply: AssistantTurn = next.value;
        if (req.signal.aborted) return { status: "aborted", resume: id };
        if (reply.content.length) messages.push({ role: "assistant", content: reply.content });
        if (reply.stopReason !== "tool_use" || reply.toolUses.length === 0) {
          yield* save();
          if (reply.stopReason === "max_tokens") {
            yield md.line(warningLine("the reply was cut at the output token limit"));
          } else if (reply.stopReason === "refusal") {
            yield md.line(warningLine("the model declined to answer"));
          }
          return { status: "ok", resume: id };
        }
        // The next user message must start with one tool_result per tool_use, in order.
        const results: Anthropic.ToolResultBlockParam[] = [];
        for (const use of reply.toolUses) {
          if (req.signal.aborted) {
            results.push({
              type: "tool_result",
              tool_use_id: use.id,
              content: "interrupted by the user",
              is_error: true,
            });
            continue;
          }
          yield md.line(toolSummary(use.name, use.input, req.projectDir));
          const denied = use.badInput ? null : await this.#denial(req, use.name, use.input);
          const outcome = use.badInput
            ? { content: "the tool input was not valid JSON", isError: true, display: [] }
            : denied !== null
            ? { content: denied, isError: true, display: [] }
            : await executeTool(use.name, use.input, ctx);
          for (const block of outcome.display) yield md.line(block);
          results.push({
            type: "tool_result",
            tool_use_id: use.id,
            content: outcome.content,
            ...(outcome.isError ? { is_error: true } : {}),
          });
        }
        messages.push({ role: "user", content: results });
        yield* save();
        if (req.signal.aborted) return { status: "aborted", resume: id };
      }
      return {
        status: "error",
        reason: `stopped after ${maxTurns} turns (turn limit)`,
        resume: id,
      };
    } catch (err) {
      if (req.signal.aborted) return { status: "aborted", resume: id };
      return { status: "error", reason: describeApiError(err, this.settings.baseUrl), resume: id };
    }
  }

  #apiKey(): string | undefined {
    return this.settings.apiKey || this.#getEnv("ANTHROPIC_API_KEY") || undefined;
  }
}

/** Appends the prompt as a user turn (merged into a trailing user turn, e.g. after an abort). */
function addUserText(messages: Message[], prompt: string): void {
  const last = messages.at(-1);
  if (last?.role === "user") {
    const content = typeof last.content === "string"
      ? [{ type: "text" as const, text: last.content }]
      : last.content;
    last.content = [...content, { type: "text", text: prompt }];
  } else {
    messages.push({ role: "user", content: prompt });
  }
}

function systemPrompt(projectDir: string): string {
  return [
    `You are a coding agent working in the project directory ${projectDir}.`,
    "Use the tools to inspect and change files and to run commands; file paths are relative to",
    "the project root and must stay inside it. The user reads your answers on a phone: be brief,",
    "use Markdown, and say what you changed.",
  ].join(" ");
}

/** One line for an SDK or API error (status, error type, message). */
export function describeApiError(err: unknown, baseUrl?: string): string {
  if (err instanceof Anthropic.APIConnectionError) {
    return `cannot reach the Anthropic API${baseUrl ? ` at ${baseUrl}` : ""}: ${err.message}`;
  }
  if (err instanceof Anthropic.APIError) {
    const parts = [err.status, err.type].filter((p) => p !== undefined && p !== null);
    const what = parts.length ? ` (${parts.join(" ")})` : "";
    return `Anthropic API error${what}: ${err.apiMessage ?? err.message}`;
  }
  return `Anthropic API error: ${message(err)}`;
}
