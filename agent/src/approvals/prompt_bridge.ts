/**
 * The agent's side of Claude Code's permission prompts for one task: a loopback HTTP endpoint
 * with a random per-task token, and the `--mcp-config` file (directory 0700, file 0600, removed
 * after the task) that makes Claude Code start `remoteagent permission-prompt` with the
 * endpoint's address and token. Each request goes through the task's {@link PermissionGate}.
 *
 * @module
 */
import { basename, dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { existsSync } from "node:fs";
import type { PermissionGate } from "./gate.ts";
import { claudeCodeAction } from "./claude_code_actions.ts";
import {
  APPROVE_TOOL,
  MCP_SERVER_NAME,
  type PermissionRequest,
  type PermissionResult,
} from "./mcp_server.ts";

/** Environment variables the `permission-prompt` subcommand reads. */
export const BRIDGE_URL_ENV = "REMOTEAGENT_PERMISSION_URL";
export const BRIDGE_TOKEN_ENV = "REMOTEAGENT_PERMISSION_TOKEN";

/** The value of `--permission-prompt-tool`. */
export const PERMISSION_PROMPT_TOOL = `mcp__${MCP_SERVER_NAME}__${APPROVE_TOOL}`;

/** A running bridge. */
export interface PromptBridge {
  /** Pass as `--mcp-config`. */
  mcpConfigPath: string;
  close(): Promise<void>;
}

/** Start the bridge for one task; `self` starts this program (see {@link selfCommand}). */
export async function startPromptBridge(
  gate: PermissionGate,
  projectDir: string,
  self: string[],
): Promise<PromptBridge> {
  const token = randomToken();
  const server = Deno.serve(
    { hostname: "127.0.0.1", port: 0, onListen: () => {} },
    async (req) => {
      if (req.method !== "POST" || req.headers.get("authorization") !== `Bearer ${token}`) {
        return new Response("forbidden", { status: 403 });
      }
      const body = await req.json().catch(() => null) as PermissionRequest | null;
      if (!body || typeof body.tool_name !== "string") {
        return new Response("bad request", { status: 400 });
      }
      const input = typeof body.input === "object" && body.input !== null ? body.input : {};
      const { action, details } = claudeCodeAction(body.tool_name, input, projectDir);
      const verdict = await gate.check(action, details);
      const result: PermissionResult = verdict.allow
        ? { behavior: "allow", updatedInput: input }
        : { behavior: "deny", message: verdict.message };
      return Response.json(result);
    },
  );
  const dir = await Deno.makeTempDir({ prefix: "remoteagent-mcp-" });
  await Deno.chmod(dir, 0o700).catch(() => {});
  const mcpConfigPath = join(dir, "mcp.json");
  const [command, ...args] = self;
  const config = {
    mcpServers: {
      [MCP_SERVER_NAME]: {
        type: "stdio",
        command,
        args: [...args, "permission-prompt"],
        env: {
          [BRIDGE_URL_ENV]: `http://127.0.0.1:${server.addr.port}/permission`,
          [BRIDGE_TOKEN_ENV]: token,
        },
      },
    },
  };
  await Deno.writeTextFile(mcpConfigPath, JSON.stringify(config, null, 2), { mode: 0o600 });
  return {
    mcpConfigPath,
    async close() {
      await server.shutdown().catch(() => {});
      await Deno.remove(dir, { recursive: true }).catch(() => {});
    },
  };
}

/**
 * How to start this program again: the compiled binary itself, or `deno run` of the same entry
 * point with its config and only the permissions the MCP server needs.
 */
export function selfCommand(): string[] {
  const exec = Deno.execPath();
  if (!/^deno(\.exe)?$/.test(basename(exec))) return [exec];
  const main = fileURLToPath(Deno.mainModule);
  const config = join(dirname(main), "deno.json");
  return [
    exec,
    "run",
    "--quiet",
    ...(existsSync(config) ? ["--config", config] : []),
    "--allow-net=127.0.0.1",
    "--allow-env",
    "--allow-read",
    main,
  ];
}

function randomToken(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(24));
  return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
}
