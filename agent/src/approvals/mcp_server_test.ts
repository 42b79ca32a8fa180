import assert from "node:assert/strict";
import { type PermissionRequest, type PermissionResult, serveMcp } from "./mcp_server.ts";

/** Runs the server on in-memory pipes; `send` writes lines, `replies` collects answers by id. */
function start(decide: (r: PermissionRequest) => Promise<PermissionResult>) {
  const toServer = new TransformStream<Uint8Array, Uint8Array>();
  const fromServer = new TransformStream<Uint8Array, Uint8Array>();
  const writer = toServer.writable.getWriter();
  const encoder = new TextEncoder();
  const replies: Record<string, unknown>[] = [];
  const done = serveMcp(toServer.readable, fromServer.writable, decide);
  const reading = (async () => {
    let buffer = "";
    for await (const chunk of fromServer.readable.pipeThrough(new TextDecoderStream())) {
      buffer += chunk;
      for (let nl = buffer.indexOf("\n"); nl >= 0; nl = buffer.indexOf("\n")) {
        replies.push(JSON.parse(buffer.slice(0, nl)));
        buffer = buffer.slice(nl + 1);
      }
    }
  })();
  return {
    replies,
    send: (message: unknown) => writer.write(encoder.encode(JSON.stringify(message) + "\n")),
    async close() {
      await writer.close();
      await done;
      await reading;
    },
  };
}

Deno.test("mcp: initialize, tools/list and tools/call answer like an MCP server; notifications get no answer", async () => {
  const asked: PermissionRequest[] = [];
  const mcp = start((r) => {
    asked.push(r);
    return Promise.resolve(
      r.tool_name === "Bash"
        ? { behavior: "allow", updatedInput: r.input }
        : { behavior: "deny", message: "no edits" },
    );
  });
  await mcp.send({
    jsonrpc: "2.0",
    id: 0,
    method: "initialize",
    params: {
      protocolVersion: "2025-06-18",
      capabilities: {},
      clientInfo: { name: "claude-code" },
    },
  });
  await mcp.send({ jsonrpc: "2.0", method: "notifications/initialized" });
  await mcp.send({ jsonrpc: "2.0", id: 1, method: "tools/list", params: {} });
  await mcp.send({
    jsonrpc: "2.0",
    id: 2,
    method: "tools/call",
    params: {
      name: "approve",
      arguments: { tool_name: "Bash", input: { command: "npm test" }, tool_use_id: "toolu_1" },
    },
  });
  await mcp.send({
    jsonrpc: "2.0",
    id: 3,
    method: "tools/call",
    params: { name: "approve", arguments: { tool_name: "Edit", input: { file_path: "/p/a" } } },
  });
  await mcp.send({ jsonrpc: "2.0", id: 4, method: "resources/list" });
  await mcp.send({
    jsonrpc: "2.0",
    id: 5,
    method: "initialize",
    params: { protocolVersion: "1999" },
  });
  await mcp.close();
  // deno-lint-ignore no-explicit-any -- JSON-RPC replies, read field by field
  const byId = (id: number) => mcp.replies.find((r) => r.id === id) as Record<string, any>;
  assert.equal(mcp.replies.length, 6, "no answer to the notification");
  assert.equal(byId(0).result.protocolVersion, "2025-06-18");
  assert.deepEqual(byId(0).result.capabilities, { tools: {} });
  assert.equal(byId(0).result.serverInfo.name, "remoteagent");
  assert.deepEqual(byId(1).result.tools.map((t: { name: string }) => t.name), ["approve"]);
  assert.deepEqual(byId(1).result.tools[0].inputSchema.required, ["tool_name", "input"]);
  assert.deepEqual(JSON.parse(byId(2).result.content[0].text), {
    behavior: "allow",
    updatedInput: { command: "npm test" },
  });
  assert.equal(byId(2).result.content[0].type, "text");
  assert.deepEqual(JSON.parse(byId(3).result.content[0].text), {
    behavior: "deny",
    message: "no edits",
  });
  assert.equal(byId(4).error.code, -32601);
  assert.equal(byId(5).result.protocolVersion, "2025-06-18", "an unknown version gets ours");
  assert.deepEqual(asked, [
    { tool_name: "Bash", input: { command: "npm test" }, tool_use_id: "toolu_1" },
    { tool_name: "Edit", input: { file_path: "/p/a" } },
  ]);
});

Deno.test("mcp: a slow prompt does not hold up the next one", async () => {
  let release!: () => void;
  const held = new Promise<void>((r) => (release = r));
  const mcp = start(async (r) => {
    if (r.tool_name === "Slow") await held;
    return { behavior: "allow", updatedInput: r.input };
  });
  const call = (id: number, tool: string) =>
    mcp.send({
      jsonrpc: "2.0",
      id,
      method: "tools/call",
      params: { name: "approve", arguments: { tool_name: tool, input: {} } },
    });
  await call(1, "Slow");
  await call(2, "Fast");
  while (mcp.replies.length < 1) await new Promise((r) => setTimeout(r, 5));
  assert.equal(mcp.replies[0]!.id, 2);
  release();
  await mcp.close();
  assert.deepEqual(mcp.replies.map((r) => r.id), [2, 1]);
});
