/**
 * An in-memory relay for tests: the REAL shared tRPC router served by the fetch adapter on a
 * local port, over `ApiServices` kept in memory. Tests queue commands, inspect what the agent
 * sent, drop live SSE connections, revoke the agent or make calls fail.
 */
import { fetchRequestHandler } from "@trpc/server/adapters/fetch";
import { appRouter } from "@remoteagent/shared/api/root.ts";
import type { AgentIdentity, ApiServices } from "@remoteagent/shared/api/root.ts";
import { DomainError, type DomainErrorCode } from "@remoteagent/shared/errors.ts";
import type {
  AgentCommand,
  ApprovalExpireOutput,
  ApprovalRequestInput,
  ReviewReplyInput,
  SessionFinishInput,
} from "@remoteagent/shared/schemas.ts";
import { TRPC_PATH } from "../src/connection/client.ts";
import { AGENT_FILES_PATH, HEALTH_SERVICE } from "@remoteagent/shared/protocol.ts";

/** A pairing code's fate when redeemed. */
export type CodeState = "fresh" | "expired" | "used";

/** A device-flow request as the stub keeps it. */
export interface StubDevice {
  name: string;
  runner: string;
  hostname: string;
  directory: string;
  deviceCode: string;
  state: "pending" | "approved" | "denied" | "expired" | "delivered";
  polls?: number;
}

interface StubAgent extends AgentIdentity {
  token: string;
  revoked: boolean;
}

/** Every request the relay received, for asserting what the agent sent. */
export interface RecordedRequest {
  method: string;
  url: string;
  headers: Record<string, string>;
  body: string;
}

/** The stub relay. Create with {@link startStubRelay}. */
export class StubRelay {
  readonly agents = new Map<string, StubAgent>();
  readonly codes = new Map<string, CodeState>();
  /** Device-flow requests by user code; tests decide them by setting `state`. */
  readonly devices = new Map<string, StubDevice>();
  #devices = 0;
  readonly commands: { agentId: string; id: string; command: AgentCommand }[] = [];
  readonly acked: string[] = [];
  /** Sessions in the order they were started, each once. */
  readonly started: string[] = [];
  /** Which agent process (`instance`) started each session. */
  readonly starters = new Map<string, string>();
  /** Entries no longer offered: acknowledged non-prompts, prompts of started sessions. */
  #removed = new Set<string>();
  /** Sessions the relay ended before they started: `session.start` answers `run: false`. */
  readonly cancelled = new Set<string>();
  readonly outputs = new Map<string, { seq: number; text: string }[]>();
  readonly finished = new Map<string, SessionFinishInput>();
  /** Files sent to the bot, by the ref a prompt carries. */
  readonly files = new Map<string, Uint8Array<ArrayBuffer>>();
  /** Documents the agent sent to the chat. */
  readonly uploads: { target: Record<string, string>; name: string; bytes: Uint8Array }[] = [];
  /** Texts the agent sent with `review.reply`. */
  readonly replies: ReviewReplyInput[] = [];
  readonly heartbeats: { agentId: string; busySessionId: string | null }[] = [];
  readonly goodbyes: string[] = [];
  readonly removed: string[] = [];
  readonly requests: RecordedRequest[] = [];
  /** Every `lastEventId` a subscription was opened with, in order. */
  readonly subscribeIds: (string | null)[] = [];
  /** Fail the next N calls of a procedure (e.g. `session.output`) with a 500 (after running it when `afterApply`). */
  readonly failures = new Map<string, { count: number; afterApply: boolean }>();
  /** Approval requests, in arrival order (a retried one appears again). */
  readonly approvalRequests: ApprovalRequestInput[] = [];
  /** Requests the agent closed, with why. */
  readonly approvalExpiries: { requestId: string; why: string }[] = [];
  /** What `approval.request` tells the agent to wait. */
  approvalTimeoutMs = 60_000;
  /** Called for every request: a test answers it with {@link answerApproval}. */
  onApprovalRequest: ((request: ApprovalRequestInput, agentId: string) => void) | null = null;
  /** Status of `GET /healthz`. */
  healthStatus = 200;
  /** The bot's username `/healthz` names (null: no bot configured). */
  botUsername: string | null = "stub_relay_bot";
  /** Redemptions allowed before `RATE_LIMITED`. */
  redeemLimit = Infinity;
  #redeems = 0;
  #nextId = 1;
  #wake = new Set<() => void>();
  #live = new Set<{ abort: AbortController; kill: () => void }>();
  server!: Deno.HttpServer<Deno.NetAddr>;

  /** Base URL of the relay. */
  get url(): string {
    return `http://127.0.0.1:${this.server.addr.port}`;
  }

  /** Number of command subscriptions open right now. */
  get liveStreams(): number {
    return this.#live.size;
  }

  /** Register an agent directly (as if it had been paired); returns its token. */
  addAgent(agentId: string, name = "test agent"): string {
    const token = `tok_${agentId}_${crypto.randomUUID()}`;
    this.agents.set(token, { agentId, accountId: "acc_1", name, token, revoked: false });
    return token;
  }

  /** Queue a command for an agent; returns its event id. */
  push(agentId: string, command: AgentCommand): string {
    // Shaped like a Redis stream id; zero-padded so ids compare as strings.
    const id = `${String(this.#nextId++).padStart(6, "0")}-0`;
    this.commands.push({ agentId, id, command });
    for (const wake of [...this.#wake]) wake();
    return id;
  }

  /** Answer an approval request as a person would: an `approval` command for the agent. */
  answerApproval(
    agentId: string,
    request: ApprovalRequestInput,
    decision: "allow-once" | "allow-task" | "allow-always" | "deny",
    reason: string | null = null,
  ): string {
    return this.push(agentId, {
      type: "approval",
      sessionId: request.sessionId,
      requestId: request.requestId,
      decision,
      reason,
      by: { telegramUserId: 1001, name: "@alice" },
    });
  }

  /** Output text of a session, joined in seq order, checking there is no gap and no duplicate. */
  outputText(sessionId: string): string {
    const chunks = this.outputs.get(sessionId) ?? [];
    chunks.forEach((chunk, i) => {
      if (chunk.seq !== i) throw new Error(`output of ${sessionId}: seq ${chunk.seq} at ${i}`);
    });
    return chunks.map((c) => c.text).join("");
  }

  /** Cut every live SSE connection mid-stream (the client sees the stream end without `return`). */
  dropConnections(): void {
    for (const live of [...this.#live]) live.kill();
  }

  /** Delete the agent (dashboard): its token is refused and its live subscriptions end. */
  revoke(agentId: string): void {
    for (const agent of this.agents.values()) if (agent.agentId === agentId) agent.revoked = true;
    for (const live of [...this.#live]) live.abort.abort();
  }

  /** Wait until `check` holds (polling), or fail after `timeoutMs`. */
  async until(check: () => boolean, what: string, timeoutMs = 10_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!check()) {
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
      await new Promise((r) => setTimeout(r, 10));
    }
  }

  /** Stop serving; ends every open subscription first. */
  async close(): Promise<void> {
    for (const live of [...this.#live]) live.kill();
    await this.server.shutdown();
  }

  /** The services behind the router. */
  readonly services: ApiServices = {
    authenticateAgent: (token) => {
      const agent = this.agents.get(token);
      if (!agent) return Promise.reject(new DomainError("UNAUTHENTICATED"));
      if (agent.revoked) return Promise.reject(new DomainError("AGENT_REVOKED"));
      return Promise.resolve(agent);
    },
    pairing: {
      redeem: (input) => {
        if (++this.#redeems > this.redeemLimit) return fail("RATE_LIMITED");
        const state = this.codes.get(input.code);
        if (state === undefined) return fail("PAIRING_CODE_UNKNOWN");
        if (state === "expired") return fail("PAIRING_CODE_EXPIRED");
        if (state === "used") return fail("PAIRING_CODE_USED");
        this.codes.set(input.code, "used");
        const agentId = `agt_${crypto.randomUUID().replaceAll("-", "").slice(0, 20)}`;
        const token = this.addAgent(agentId, input.name);
        return Promise.resolve({ agentId, name: input.name, token, accountName: "Test account" });
      },
      startDevice: (input) => {
        const userCode = `DEV${++this.#devices}-AAAA`.slice(0, 9);
        const deviceCode = `device-secret-${crypto.randomUUID()}`;
        this.devices.set(userCode, { ...input, deviceCode, state: "pending" });
        return Promise.resolve({
          deviceCode,
          userCode,
          verificationUrl: `${this.url}/pair/${userCode}`,
          expiresAt: new Date(Date.now() + 600_000).toISOString(),
          intervalMs: 20,
        });
      },
      pollDevice: (deviceCode) => {
        const entry = [...this.devices.entries()].find(([, d]) => d.deviceCode === deviceCode);
        if (!entry) return fail("PAIRING_CODE_UNKNOWN");
        const [, device] = entry;
        device.polls = (device.polls ?? 0) + 1;
        if (device.state === "pending") return Promise.resolve({ status: "pending" as const });
        if (device.state === "denied") return fail("PAIRING_DENIED");
        if (device.state === "expired") return fail("PAIRING_CODE_EXPIRED");
        if (device.state === "delivered") return fail("PAIRING_CODE_USED");
        device.state = "delivered";
        const agentId = `agt_${crypto.randomUUID().replaceAll("-", "").slice(0, 20)}`;
        const token = this.addAgent(agentId, device.name);
        return Promise.resolve({
          status: "approved" as const,
          agentId,
          name: device.name,
          token,
          accountName: "Test account",
        });
      },
    },
    commands: {
      stream: (agent, lastEventId, signal) => this.#stream(agent, lastEventId, signal),
      ack: (_agent, eventId) => {
        this.acked.push(eventId);
        // Like the real relay: a prompt leaves the queue when its session starts, not on ack.
        const entry = this.commands.find((c) => c.id === eventId);
        if (entry && entry.command.type !== "prompt") this.#removed.add(eventId);
        return Promise.resolve();
      },
    },
    agents: {
      heartbeat: (agent, input) => {
        this.heartbeats.push({ agentId: agent.agentId, busySessionId: input.busySessionId });
        return Promise.resolve();
      },
      goodbye: (agent) => {
        this.goodbyes.push(agent.agentId);
        return Promise.resolve();
      },
      removeSelf: (agent) => {
        this.removed.push(agent.agentId);
        this.revoke(agent.agentId);
        return Promise.resolve();
      },
      list: () => Promise.resolve([]),
      rename: () => Promise.resolve(),
      remove: () => Promise.resolve(),
    },
    approvals: {
      request: (agent, input) => {
        this.approvalRequests.push(input);
        this.onApprovalRequest?.(input, agent.agentId);
        return Promise.resolve({ timeoutMs: this.approvalTimeoutMs });
      },
      expire: (_agent, input) => {
        this.approvalExpiries.push({ requestId: input.requestId, why: input.why });
        const denied: ApprovalExpireOutput = {
          decision: "deny",
          reason: "nobody answered the approval request in time",
          by: null,
        };
        return Promise.resolve(denied);
      },
    },
    sessions: {
      start: (_agent, sessionId, instance) => {
        if (this.cancelled.has(sessionId)) return Promise.resolve({ run: false });
        const starter = this.starters.get(sessionId);
        if (starter !== undefined && starter !== instance) return Promise.resolve({ run: false });
        if (starter === undefined) {
          this.starters.set(sessionId, instance);
          this.started.push(sessionId);
        }
        for (const c of this.commands) {
          if (c.command.type === "prompt" && c.command.sessionId === sessionId) {
            this.#removed.add(c.id);
          }
        }
        return Promise.resolve({ run: true });
      },
      output: (_agent, input) => {
        const chunks = this.outputs.get(input.sessionId) ?? [];
        // Like the real relay: a retried batch with a seq already seen is ignored.
        if (!chunks.some((c) => c.seq === input.seq)) {
          chunks.push({ seq: input.seq, text: input.text });
        }
        chunks.sort((a, b) => a.seq - b.seq);
        this.outputs.set(input.sessionId, chunks);
        return Promise.resolve();
      },
      finish: (_agent, input) => {
        this.finished.set(input.sessionId, input);
        return Promise.resolve();
      },
      streamOutput: () => (async function* () {})(),
      // The web console's calls: dashboard only, never made by an agent.
      create: () => Promise.reject(new Error("stub relay: no web console")),
      abort: () => Promise.resolve(),
    },
    review: {
      reply: (_agent, input) => {
        this.replies.push(input);
        return Promise.resolve();
      },
    },
  };

  async *#stream(agent: AgentIdentity, lastEventId: string | null, signal: AbortSignal) {
    this.subscribeIds.push(lastEventId);
    let after = lastEventId ?? "";
    while (!signal.aborted) {
      const agentRecord = [...this.agents.values()].find((a) => a.agentId === agent.agentId);
      if (agentRecord?.revoked) throw new DomainError("AGENT_REVOKED");
      const next = this.commands.filter((c) =>
        c.agentId === agent.agentId && c.id > after && !this.#removed.has(c.id)
      );
      for (const item of next) {
        after = item.id;
        yield { id: item.id, command: item.command };
      }
      await new Promise<void>((resolve) => {
        const wake = () => {
          this.#wake.delete(wake);
          signal.removeEventListener("abort", wake);
          resolve();
        };
        this.#wake.add(wake);
        signal.addEventListener("abort", wake);
      });
    }
  }

  /** @internal the HTTP handler */
  async handle(req: Request, info: Deno.ServeHandlerInfo<Deno.NetAddr>): Promise<Response> {
    const url = new URL(req.url);
    if (url.pathname === AGENT_FILES_PATH) return await this.#files(req, url);
    const body = req.method === "POST" ? await req.text() : "";
    this.requests.push({
      method: req.method,
      url: req.url,
      headers: Object.fromEntries(req.headers.entries()),
      body,
    });
    if (url.pathname === "/healthz") {
      return Response.json(
        {
          service: HEALTH_SERVICE,
          status: this.healthStatus === 200 ? "ok" : "degraded",
          bot: this.botUsername,
        },
        { status: this.healthStatus },
      );
    }
    if (!url.pathname.startsWith(TRPC_PATH + "/")) {
      return new Response("not found", { status: 404 });
    }
    const procedure = url.pathname.slice(TRPC_PATH.length + 1);
    const failure = this.failures.get(procedure);
    if (failure && failure.count > 0 && !failure.afterApply) {
      failure.count--;
      return new Response("bad gateway", { status: 502 });
    }
    const abort = new AbortController();
    const authorization = req.headers.get("authorization");
    const response = await fetchRequestHandler({
      endpoint: TRPC_PATH,
      // A fresh Request: the adapter must not see `req.signal`, which Deno aborts when a
      // response completes; subscriptions end through `abort` (drop, revoke, client gone).
      req: new Request(req.url, {
        method: req.method,
        headers: req.headers,
        body: req.method === "POST" ? body : undefined,
        signal: abort.signal,
      }),
      router: appRouter,
      createContext: () => ({
        services: this.services,
        agentToken: authorization?.startsWith("Bearer ") ? authorization.slice(7) : null,
        user: null,
        clientAddress: info.remoteAddr.hostname,
      }),
    });
    if (failure && failure.count > 0 && failure.afterApply) {
      failure.count--;
      return new Response("lost answer", { status: 503 });
    }
    if (!response.headers.get("content-type")?.startsWith("text/event-stream")) return response;
    return this.#breakable(response, abort);
  }

  /** The files endpoint: downloads of {@link files} by ref, uploads recorded in {@link uploads}. */
  async #files(req: Request, url: URL): Promise<Response> {
    const token = req.headers.get("authorization")?.replace(/^Bearer /, "") ?? "";
    if (!this.agents.has(token)) return new Response("unauthorised", { status: 401 });
    if (req.method === "GET") {
      const bytes = this.files.get(url.searchParams.get("ref") ?? "");
      return bytes ? new Response(bytes) : new Response("no such file", { status: 404 });
    }
    const params = Object.fromEntries(url.searchParams);
    const { name = "", ...target } = params;
    this.uploads.push({ target, name, bytes: new Uint8Array(await req.arrayBuffer()) });
    return Response.json({ messageId: this.uploads.length });
  }

  /** Pass an SSE response through a stream the test can cut. */
  #breakable(response: Response, abort: AbortController): Response {
    let controller!: ReadableStreamDefaultController<Uint8Array>;
    const reader = response.body!.getReader();
    const live = {
      abort,
      kill: () => {
        this.#live.delete(live);
        abort.abort();
        reader.cancel().catch(() => {});
        try {
          // The stream just stops, as when a proxy or a serverless host cuts a long request.
          controller.close();
        } catch { /* already closed */ }
      },
    };
    this.#live.add(live);
    const body = new ReadableStream<Uint8Array>({
      start: (c) => void (controller = c),
      pull: async (c) => {
        const { done, value } = await reader.read().catch(() => ({ done: true, value: undefined }));
        if (done) {
          this.#live.delete(live);
          c.close();
        } else c.enqueue(value);
      },
      cancel: () => {
        this.#live.delete(live);
        abort.abort();
        return reader.cancel();
      },
    });
    return new Response(body, { status: response.status, headers: response.headers });
  }
}

function fail(code: DomainErrorCode): Promise<never> {
  return Promise.reject(new DomainError(code));
}

/** Start a stub relay on a free local port. */
export function startStubRelay(): StubRelay {
  const relay = new StubRelay();
  relay.server = Deno.serve(
    { hostname: "127.0.0.1", port: 0, onListen: () => {} },
    (req, info) => relay.handle(req, info),
  );
  return relay;
}
