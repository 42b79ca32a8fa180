/**
 * OpenAI-compatible gateway runner (OpenClaw by default): `POST {baseUrl}/v1/chat/completions`
 * with `stream: true`, SSE deltas streamed as chunks. The chat history is stored on the agent
 * machine for `continue`, like the SDK runner; `resume` is its id.
 *
 * @module
 */
import { defaultGetEnv } from "./cli_runner.ts";
import { ConversationStore, defaultConversationsDir } from "./conversation_store.ts";
import { MarkdownOut, warningLine } from "./format.ts";
import { message } from "./fs_tools.ts";
import { type Obj, obj, str } from "./json.ts";
import type { Runner, RunnerEnv, RunnerSettings, RunRequest, RunResult } from "./runner.ts";
import { readSse } from "./sse.ts";

/** Where the OpenClaw gateway listens by default. */
export const DEFAULT_OPENCLAW_URL = "http://127.0.0.1:18789";
const PREFLIGHT_TIMEOUT_MS = 3000;

interface ChatMessage {
  role: "user" | "assistant";
  content: string;
}

/** Chats with an OpenAI-compatible endpoint; no local tools (the gateway's agent has its own). */
export class OpenClawRunner implements Runner {
  readonly name = "openclaw" as const;
  readonly #base: string;
  readonly #fetch: typeof fetch;

  constructor(private readonly settings: RunnerSettings, private readonly env: RunnerEnv) {
    this.#base = (settings.baseUrl ?? DEFAULT_OPENCLAW_URL).replace(/\/+$/, "");
    this.#fetch = env.fetch ?? fetch;
  }

  async preflight(): Promise<string | null> {
    try {
      const res = await this.#fetch(`${this.#base}/v1/models`, {
        headers: this.#headers(),
        signal: AbortSignal.timeout(PREFLIGHT_TIMEOUT_MS),
      });
      await res.body?.cancel();
      if (res.status === 401 || res.status === 403) {
        return `the gateway at ${this.#base} rejected the API key (HTTP ${res.status})`;
      }
      return null; // any other answer means something is listening
    } catch {
      return `cannot reach the OpenAI-compatible gateway at ${this.#base} (is it running?)`;
    }
  }

  async *run(req: RunRequest): AsyncGenerator<string, RunResult, void> {
    const md = new MarkdownOut();
    const store = new ConversationStore(
      this.env.conversationsDir ?? defaultConversationsDir(this.env.getEnv ?? defaultGetEnv),
      this.name,
    );
    let history = req.resume ? await store.load<ChatMessage>(req.resume).catch(() => null) : null;
    let id = req.resume ?? "";
    if (req.resume && !history) {
      yield md.line(warningLine("previous conversation not found; starting a new one"));
    }
    if (!history) {
      history = [];
      id = store.newId();
    }
    const messages: ChatMessage[] = [...history, { role: "user", content: req.prompt }];
    let answer = "";
    const fail = (reason: string): RunResult => ({ status: "error", reason, resume: req.resume });
    try {
      const res = await this.#fetch(`${this.#base}/v1/chat/completions`, {
        method: "POST",
        headers: { ...this.#headers(), "content-type": "application/json" },
        body: JSON.stringify({ model: this.settings.model ?? "openclaw", stream: true, messages }),
        signal: req.signal,
      });
      if (!res.ok || !res.body) return fail(await httpError(res, this.#base));
      for await (const ev of readSse(res.body)) {
        if (ev.data.trim() === "[DONE]") break;
        let chunk: Obj | undefined;
        try {
          chunk = obj(JSON.parse(ev.data));
        } catch {
          continue; // not JSON: tolerated
        }
        if (chunk?.error !== undefined) return fail(`gateway error: ${errorMessage(chunk.error)}`);
        const choice = obj(Array.isArray(chunk?.choices) ? chunk.choices[0] : undefined);
        const text = str(obj(choice?.delta)?.content) ?? "";
        if (text) {
          answer += text;
          yield md.text(text);
        }
      }
    } catch (err) {
      if (req.signal.aborted) return { status: "aborted", resume: req.resume };
      return fail(`cannot reach the OpenAI-compatible gateway at ${this.#base}: ${message(err)}`);
    }
    if (req.signal.aborted) return { status: "aborted", resume: req.resume };
    try {
      await store.save(id, [...messages, { role: "assistant", content: answer }]);
    } catch (err) {
      yield md.line(warningLine(`could not save the conversation: ${message(err)}`));
      return { status: "ok", resume: req.resume };
    }
    return { status: "ok", resume: id };
  }

  #headers(): Record<string, string> {
    return this.settings.apiKey ? { authorization: `Bearer ${this.settings.apiKey}` } : {};
  }
}

async function httpError(res: Response, base: string): Promise<string> {
  const text = await res.text().catch(() => "");
  let detail = text.trim().slice(0, 300);
  try {
    const body = obj(JSON.parse(text));
    if (body?.error !== undefined) detail = errorMessage(body.error);
  } catch {
    // plain-text error body
  }
  return `gateway at ${base} answered HTTP ${res.status}${detail ? `: ${detail}` : ""}`;
}

function errorMessage(error: unknown): string {
  const e = obj(error);
  return str(e?.message) ?? str(error) ?? JSON.stringify(error);
}
