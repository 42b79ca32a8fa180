/**
 * A local stand-in for the Anthropic Messages API (`POST /v1/messages`, `stream: true`) that
 * streams SSE exactly like the real one: `message_start`, `content_block_start` / `_delta` /
 * `_stop` for text and tool_use (tool input split into several `input_json_delta` pieces),
 * `ping`, `message_delta` with `stop_reason` and usage, `message_stop`. Responses are scripted
 * per test (a queue); requests are validated like the real API (tool_result blocks first in the
 * message after a tool_use turn, else 400 `invalid_request_error`) and recorded.
 *
 * @module
 */

/** A content block the fake should stream. */
export type FakeBlock =
  | { type: "text"; text: string }
  | { type: "tool_use"; id?: string; name: string; input: Record<string, unknown> };

/** One scripted answer. */
export type FakeAnthropicResponse =
  | { kind: "message"; content: FakeBlock[]; stopReason?: string }
  /** An HTTP error before any stream (e.g. 401 authentication_error). */
  | { kind: "http_error"; status: number; type: string; message: string }
  /** A stream that starts, then sends an `error` event (e.g. overloaded_error). */
  | { kind: "stream_error"; type: string; message: string; textBefore?: string }
  /** A stream that sends some text and then stays open until the client goes away. */
  | { kind: "hang"; textBefore: string };

/** Shape of a Messages API request body, as far as tests look at it. */
export interface MessagesBody {
  model: string;
  max_tokens: number;
  stream?: boolean;
  system?: unknown;
  tools?: { name: string }[];
  messages: { role: string; content: string | Record<string, unknown>[] }[];
}

/** A request the fake received. */
export interface RecordedRequest {
  path: string;
  headers: Headers;
  body: MessagesBody;
  /** HTTP status the fake answered with. */
  status: number;
}

/** Handle of a running fake. */
export interface FakeAnthropic {
  url: string;
  requests: RecordedRequest[];
  enqueue(...responses: FakeAnthropicResponse[]): void;
  close(): Promise<void>;
}

/** Starts the fake on a free loopback port; requests must carry `apiKey`. */
export function startFakeAnthropic(opts: { apiKey: string }): FakeAnthropic {
  const queue: FakeAnthropicResponse[] = [];
  const requests: RecordedRequest[] = [];
  const open = new Set<ReadableStreamDefaultController<Uint8Array>>();
  const server = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen: () => {} }, async (req) => {
    const path = new URL(req.url).pathname;
    if (req.method === "GET" && path === "/v1/models") {
      // What `doctor` asks to check a key: the real API answers 401 authentication_error.
      if (req.headers.get("x-api-key") !== opts.apiKey) {
        return apiError(401, "authentication_error", "invalid x-api-key");
      }
      const model = { type: "model", id: "claude-fake-1", display_name: "Fake" };
      return Response.json({
        data: [model],
        has_more: false,
        first_id: model.id,
        last_id: model.id,
      });
    }
    const text = await req.text();
    let body: MessagesBody;
    try {
      body = JSON.parse(text);
    } catch {
      return apiError(400, "invalid_request_error", "request body is not valid JSON");
    }
    const record = (res: Response) => {
      requests.push({ path, headers: req.headers, body, status: res.status });
      return res;
    };
    if (req.method !== "POST" || path !== "/v1/messages") {
      return record(apiError(404, "not_found_error", "Not found"));
    }
    const key = req.headers.get("x-api-key") ??
      req.headers.get("authorization")?.replace(/^Bearer /, "");
    if (key !== opts.apiKey) {
      return record(apiError(401, "authentication_error", "invalid x-api-key"));
    }
    const invalid = validate(body);
    if (invalid) return record(apiError(400, "invalid_request_error", invalid));
    const next = queue.shift();
    if (!next) return record(apiError(500, "api_error", "fake: no scripted response left"));
    if (next.kind === "http_error") return record(apiError(next.status, next.type, next.message));
    return record(sseResponse(body.model, next, open));
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

/** Mirrors the real API's checks that matter to a tool loop. */
function validate(body: MessagesBody): string | null {
  if (typeof body.model !== "string") return "model: Field required";
  if (typeof body.max_tokens !== "number") return "max_tokens: Field required";
  if (body.stream !== true) return "fake: only stream: true is supported";
  const msgs = body.messages;
  if (!Array.isArray(msgs) || msgs.length === 0) {
    return "messages: at least one message is required";
  }
  if (msgs[0]?.role !== "user") return 'messages: first message must use the "user" role';
  for (let i = 0; i < msgs.length; i++) {
    const m = msgs[i]!;
    const blocks = typeof m.content === "string" ? [] : m.content;
    if (typeof m.content === "string" ? m.content === "" : blocks.length === 0) {
      return `messages.${i}: all messages must have non-empty content`;
    }
    if (blocks.some((b) => b.type === "text" && !b.text)) {
      return `messages.${i}: text content blocks must be non-empty`;
    }
    const prev = msgs[i - 1];
    const prevUses = prev?.role === "assistant" && typeof prev.content !== "string"
      ? prev.content.filter((b) => b.type === "tool_use").map((b) => String(b.id))
      : [];
    const results = blocks.filter((b) => b.type === "tool_result").map((b) =>
      String(b.tool_use_id)
    );
    const stray = results.find((id) => !prevUses.includes(id));
    if (m.role === "user" && stray) {
      return `messages.${i}.content: unexpected \`tool_use_id\` found in \`tool_result\` blocks: ${stray}. Each \`tool_result\` block must have a corresponding \`tool_use\` block in the previous message.`;
    }
    const uses = m.role === "assistant"
      ? blocks.filter((b) => b.type === "tool_use").map((b) => String(b.id))
      : [];
    if (uses.length === 0) continue;
    const next = msgs[i + 1];
    const nextBlocks = next && typeof next.content !== "string" ? next.content : [];
    const leading: string[] = [];
    for (const b of nextBlocks) {
      if (b.type !== "tool_result") break;
      leading.push(String(b.tool_use_id));
    }
    const missing = uses.filter((id) => !leading.includes(id));
    if (next && (next.role !== "user" || missing.length)) {
      return `messages.${
        i + 1
      }: \`tool_use\` ids were found without \`tool_result\` blocks immediately after: ${
        missing.join(", ")
      }. Each \`tool_use\` block must have a corresponding \`tool_result\` block in the next message.`;
    }
  }
  if (msgs.at(-1)?.role !== "user") return 'messages: the final message must use the "user" role';
  return null;
}

function apiError(status: number, type: string, message: string): Response {
  const requestId = `req_${crypto.randomUUID().replaceAll("-", "").slice(0, 24)}`;
  return Response.json({ type: "error", error: { type, message }, request_id: requestId }, {
    status,
    headers: { "request-id": requestId },
  });
}

function sseResponse(
  model: string,
  r: Exclude<FakeAnthropicResponse, { kind: "http_error" }>,
  open: Set<ReadableStreamDefaultController<Uint8Array>>,
): Response {
  const enc = new TextEncoder();
  const frames: [string, unknown][] = [];
  const id = `msg_01${crypto.randomUUID().replaceAll("-", "").slice(0, 22)}`;
  frames.push(["message_start", {
    type: "message_start",
    message: {
      id,
      type: "message",
      role: "assistant",
      model,
      content: [],
      stop_reason: null,
      stop_sequence: null,
      usage: {
        input_tokens: 472,
        cache_creation_input_tokens: 0,
        cache_read_input_tokens: 0,
        output_tokens: 2,
      },
    },
  }]);
  let outputTokens = 2;
  const blocks: FakeBlock[] = r.kind === "message"
    ? r.content
    : r.textBefore
    ? [{ type: "text", text: r.textBefore }]
    : [];
  blocks.forEach((block, index) => {
    if (block.type === "text") {
      frames.push(["content_block_start", {
        type: "content_block_start",
        index,
        content_block: { type: "text", text: "" },
      }]);
      if (index === 0) frames.push(["ping", { type: "ping" }]);
      for (const piece of split(block.text, 3)) {
        frames.push(["content_block_delta", {
          type: "content_block_delta",
          index,
          delta: { type: "text_delta", text: piece },
        }]);
        outputTokens += 1;
      }
    } else {
      const toolId = block.id ?? `toolu_01${crypto.randomUUID().replaceAll("-", "").slice(0, 22)}`;
      frames.push(["content_block_start", {
        type: "content_block_start",
        index,
        content_block: { type: "tool_use", id: toolId, name: block.name, input: {} },
      }]);
      if (index === 0) frames.push(["ping", { type: "ping" }]);
      // The real API opens with an empty partial_json, then splits the JSON anywhere.
      for (const piece of ["", ...split(JSON.stringify(block.input), 3)]) {
        frames.push(["content_block_delta", {
          type: "content_block_delta",
          index,
          delta: { type: "input_json_delta", partial_json: piece },
        }]);
        outputTokens += 1;
      }
    }
    if (r.kind === "message") {
      frames.push(["content_block_stop", { type: "content_block_stop", index }]);
    }
  });
  if (r.kind === "stream_error") {
    frames.push(["error", { type: "error", error: { type: r.type, message: r.message } }]);
  } else if (r.kind === "message") {
    const stop = r.stopReason ??
      (r.content.some((b) => b.type === "tool_use") ? "tool_use" : "end_turn");
    frames.push(["message_delta", {
      type: "message_delta",
      delta: { stop_reason: stop, stop_sequence: null },
      usage: { output_tokens: outputTokens },
    }]);
    frames.push(["message_stop", { type: "message_stop" }]);
  }
  const body = new ReadableStream<Uint8Array>({
    start(controller) {
      for (const [event, data] of frames) {
        controller.enqueue(enc.encode(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`));
      }
      if (r.kind === "hang") open.add(controller);
      else controller.close();
    },
    cancel() {
      // the client went away (abort)
    },
  });
  return new Response(body, {
    headers: {
      "content-type": "text/event-stream; charset=utf-8",
      "cache-control": "no-cache",
      "request-id": `req_${id.slice(6)}`,
    },
  });
}

/** Splits `s` into `n` roughly equal non-empty pieces (fewer if `s` is short). */
function split(s: string, n: number): string[] {
  const size = Math.max(1, Math.ceil(s.length / n));
  const out: string[] = [];
  for (let i = 0; i < s.length; i += size) out.push(s.slice(i, i + size));
  return out.length ? out : [""];
}
