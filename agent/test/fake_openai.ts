/**
 * A local stand-in for an OpenAI-compatible chat completions endpoint (the OpenClaw gateway):
 * `POST /v1/chat/completions` with `stream: true` answers SSE `data: {chunk}` lines ending with
 * `data: [DONE]`; scripted errors before the stream (4xx/5xx JSON `{error}`) and mid-stream (a
 * `data:` object with an `error` key). `GET /v1/models` lists one model.
 *
 * @module
 */

/** One scripted answer. */
export type FakeChatResponse =
  | { kind: "stream"; pieces: string[] }
  | { kind: "http_error"; status: number; message: string; type?: string; code?: string | null }
  | { kind: "mid_error"; pieces: string[]; message: string }
  /** Streams `pieces` then keeps the connection open until the client goes away. */
  | { kind: "hang"; pieces: string[] };

/** A chat completions request body. */
export interface ChatBody {
  model: string;
  stream: boolean;
  messages: { role: string; content: string }[];
}

/** A request the fake received. */
export interface RecordedChatRequest {
  method: string;
  path: string;
  headers: Headers;
  body: ChatBody | null;
}

/** Handle of a running fake. */
export interface FakeOpenAI {
  url: string;
  requests: RecordedChatRequest[];
  enqueue(...responses: FakeChatResponse[]): void;
  close(): Promise<void>;
}

/** Starts the fake on a free loopback port; when `apiKey` is set, requests must carry it. */
export function startFakeOpenAI(opts: { apiKey?: string } = {}): FakeOpenAI {
  const queue: FakeChatResponse[] = [];
  const requests: RecordedChatRequest[] = [];
  const open = new Set<ReadableStreamDefaultController<Uint8Array>>();
  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen: () => {} }, async (req) => {
    const path = new URL(req.url).pathname;
    const text = await req.text();
    let body: ChatBody | null = null;
    try {
      body = text ? JSON.parse(text) : null;
    } catch {
      body = null;
    }
    requests.push({ method: req.method, path, headers: req.headers, body });
    if (opts.apiKey && req.headers.get("authorization") !== `Bearer ${opts.apiKey}`) {
      return error(401, "Incorrect API key provided.", "invalid_request_error", "invalid_api_key");
    }
    if (req.method === "GET" && path === "/v1/models") {
      return Response.json({
        object: "list",
        data: [{ id: "openclaw", object: "model", created: 1700000000, owned_by: "openclaw" }],
      });
    }
    if (req.method !== "POST" || path !== "/v1/chat/completions") {
      return error(404, "Not found", "invalid_request_error", null);
    }
    if (!body || !Array.isArray(body.messages) || body.messages.length === 0) {
      return error(400, "'messages' is a required property", "invalid_request_error", null);
    }
    const next = queue.shift();
    if (!next) return error(500, "fake: no scripted response left", "server_error", null);
    if (next.kind === "http_error") {
      return error(
        next.status,
        next.message,
        next.type ?? "invalid_request_error",
        next.code ?? null,
      );
    }
    return stream(body.model, next, open);
  });
  return {
    url: `http://127.0.0.1:${server.addr.port}`,
    requests,
    enqueue: (...r) => void queue.push(...r),
    async close() {
      for (const c of open) {
        try {
          c.close();
        } catch {
          // already closed
        }
      }
      await server.shutdown();
    },
  };
}

function error(status: number, message: string, type: string, code: string | null): Response {
  return Response.json({ error: { message, type, param: null, code } }, { status });
}

function stream(
  model: string,
  r: Exclude<FakeChatResponse, { kind: "http_error" }>,
  open: Set<ReadableStreamDefaultController<Uint8Array>>,
): Response {
  const enc = new TextEncoder();
  const id = `chatcmpl-${crypto.randomUUID().replaceAll("-", "").slice(0, 24)}`;
  const chunk = (delta: Record<string, unknown>, finish: string | null) => ({
    id,
    object: "chat.completion.chunk",
    created: 1700000000,
    model,
    system_fingerprint: "fp_fake",
    choices: [{ index: 0, delta, logprobs: null, finish_reason: finish }],
  });
  const events: unknown[] = [chunk({ role: "assistant", content: "" }, null)];
  for (const p of r.pieces) events.push(chunk({ content: p }, null));
  if (r.kind === "mid_error") {
    events.push({ error: { message: r.message, type: "server_error", param: null, code: null } });
  } else if (r.kind === "stream") events.push(chunk({}, "stop"));
  const body = new ReadableStream<Uint8Array>({
    start(controller) {
      for (const e of events) controller.enqueue(enc.encode(`data: ${JSON.stringify(e)}\n\n`));
      if (r.kind === "hang") {
        open.add(controller);
        return;
      }
      if (r.kind === "stream") controller.enqueue(enc.encode("data: [DONE]\n\n"));
      controller.close();
    },
  });
  return new Response(body, {
    headers: { "content-type": "text/event-stream", "cache-control": "no-cache" },
  });
}
