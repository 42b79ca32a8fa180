/**
 * `remoteagent permission-prompt`: a small MCP server over stdio (newline-delimited JSON-RPC
 * 2.0) with one tool, `approve`, for Claude Code's `--permission-prompt-tool
 * mcp__remoteagent__approve`. Claude Code calls it with `{tool_name, input, tool_use_id?}`
 * whenever its own rules neither allow nor deny a tool call; the call is forwarded to the agent
 * process that runs the task (a loopback HTTP endpoint with a per-task token, see
 * `prompt_bridge.ts`), which applies the policy and asks the person if needed. The answer is
 * Claude Code's documented JSON, as one text content: `{"behavior":"allow","updatedInput":{…}}`
 * or `{"behavior":"deny","message":"…"}`.
 *
 * @module
 */
import { VERSION } from "../version.ts";

/** The MCP tool's name; Claude Code addresses it as `mcp__remoteagent__approve`. */
export const APPROVE_TOOL = "approve";
/** Name of the server in the `--mcp-config` file. */
export const MCP_SERVER_NAME = "remoteagent";

/** What Claude Code expects back from the permission prompt tool. */
export type PermissionResult =
  | { behavior: "allow"; updatedInput: Record<string, unknown> }
  | { behavior: "deny"; message: string };

/** The arguments Claude Code calls the tool with. */
export interface PermissionRequest {
  tool_name: string;
  input: Record<string, unknown>;
  tool_use_id?: string;
}

const PROTOCOL_VERSIONS = ["2025-06-18", "2025-03-26", "2024-11-05"];

const TOOL = {
  name: APPROVE_TOOL,
  description: "Asks the person who started this task (in Telegram) to allow a tool call.",
  inputSchema: {
    type: "object",
    properties: {
      tool_name: { type: "string", description: "The tool Claude Code wants to use" },
      input: { type: "object", description: "The tool's input" },
      tool_use_id: { type: "string" },
    },
    required: ["tool_name", "input"],
  },
};

type JsonRpc = { jsonrpc?: string; id?: number | string | null; method?: string; params?: unknown };

/**
 * Serve MCP on `input`/`output` until `input` ends; `decide` answers each permission request
 * (it must not throw; a failure to reach the agent is a deny).
 */
export async function serveMcp(
  input: ReadableStream<Uint8Array>,
  output: WritableStream<Uint8Array>,
  decide: (request: PermissionRequest) => Promise<PermissionResult>,
): Promise<void> {
  const writer = output.getWriter();
  const encoder = new TextEncoder();
  const send = (message: unknown) => writer.write(encoder.encode(JSON.stringify(message) + "\n"));
  const pending: Promise<unknown>[] = [];
  let buffer = "";
  const decoder = new TextDecoder();
  for await (const chunk of input) {
    buffer += decoder.decode(chunk, { stream: true });
    for (let nl = buffer.indexOf("\n"); nl >= 0; nl = buffer.indexOf("\n")) {
      const line = buffer.slice(0, nl).trim();
      buffer = buffer.slice(nl + 1);
      if (!line) continue;
      let message: JsonRpc;
      try {
        message = JSON.parse(line);
      } catch {
        await send({ jsonrpc: "2.0", id: null, error: { code: -32700, message: "parse error" } });
        continue;
      }
      // Calls are answered as they finish: several permission prompts may wait at once.
      const handled = handle(message, decide).then((reply) => reply && send(reply));
      pending.push(handled);
    }
  }
  await Promise.all(pending);
  await writer.close().catch(() => {});
}

async function handle(
  message: JsonRpc,
  decide: (request: PermissionRequest) => Promise<PermissionResult>,
): Promise<unknown> {
  const { id, method } = message;
  if (id === undefined || id === null) return null; // a notification (e.g. notifications/initialized)
  const ok = (result: unknown) => ({ jsonrpc: "2.0", id, result });
  const params = (message.params ?? {}) as Record<string, unknown>;
  switch (method) {
    case "initialize": {
      const asked = String(params.protocolVersion ?? "");
      return ok({
        protocolVersion: PROTOCOL_VERSIONS.includes(asked) ? asked : PROTOCOL_VERSIONS[0],
        capabilities: { tools: {} },
        serverInfo: { name: MCP_SERVER_NAME, version: VERSION },
      });
    }
    case "ping":
      return ok({});
    case "tools/list":
      return ok({ tools: [TOOL] });
    case "tools/call": {
      if (params.name !== APPROVE_TOOL) {
        return {
          jsonrpc: "2.0",
          id,
          error: { code: -32602, message: `unknown tool: ${params.name}` },
        };
      }
      const args = (params.arguments ?? {}) as Record<string, unknown>;
      const input = typeof args.input === "object" && args.input !== null
        ? args.input as Record<string, unknown>
        : {};
      const result = typeof args.tool_name === "string"
        ? await decide({
          tool_name: args.tool_name,
          input,
          ...(typeof args.tool_use_id === "string" ? { tool_use_id: args.tool_use_id } : {}),
        })
        : { behavior: "deny" as const, message: "malformed permission request" };
      return ok({ content: [{ type: "text", text: JSON.stringify(result) }] });
    }
    default:
      return {
        jsonrpc: "2.0",
        id,
        error: { code: -32601, message: `method not found: ${method}` },
      };
  }
}

/** Forward a request to the agent process's bridge; any failure is a deny. */
export async function forwardToAgent(
  url: string,
  token: string,
  request: PermissionRequest,
  fetchImpl: typeof fetch = fetch,
): Promise<PermissionResult> {
  try {
    const response = await fetchImpl(url, {
      method: "POST",
      headers: { "content-type": "application/json", authorization: `Bearer ${token}` },
      body: JSON.stringify(request),
    });
    if (!response.ok) throw new Error(`the agent answered ${response.status}`);
    return await response.json() as PermissionResult;
  } catch (error) {
    return {
      behavior: "deny",
      message: `remoteagent could not ask for approval: ${
        error instanceof Error ? error.message : String(error)
      }`,
    };
  }
}
