/**
 * `remoteagent permission-prompt`: the MCP stdio server behind Claude Code's permission prompts.
 * Not run by people: the claude-code runner passes it to `claude` with `--mcp-config` (see
 * approvals/prompt_bridge.ts), which sets the address and token of the running agent.
 */
import { forwardToAgent, serveMcp } from "../approvals/mcp_server.ts";
import { BRIDGE_TOKEN_ENV, BRIDGE_URL_ENV } from "../approvals/prompt_bridge.ts";
import { UsageError } from "../errors.ts";
import type { Command } from "./command.ts";
import { say } from "./context.ts";

const HELP = `Usage: remoteagent permission-prompt

An MCP server (stdio) with one tool, approve, for Claude Code's
--permission-prompt-tool mcp__remoteagent__approve. The claude-code runner starts it through
--mcp-config when the agent's permission mode is ask or accept-edits; each permission prompt
is sent to the person who started the task, in Telegram.

Options:
  -h, --help   show this help`;

/** The `permission-prompt` command. */
export const permissionPromptCommand: Command = {
  name: "permission-prompt",
  help: HELP,
  async run(argv, ctx) {
    if (argv.includes("--help") || argv.includes("-h")) return (say(ctx, HELP), 0);
    const url = ctx.env(BRIDGE_URL_ENV);
    const token = ctx.env(BRIDGE_TOKEN_ENV);
    if (!url || !token) {
      throw new UsageError(
        `permission-prompt is started by the claude-code runner (${BRIDGE_URL_ENV} is not set)`,
      );
    }
    await serveMcp(
      Deno.stdin.readable,
      Deno.stdout.writable,
      (request) => forwardToAgent(url, token, request),
    );
    return 0;
  },
};
