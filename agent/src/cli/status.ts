/** `remoteagent status`: this directory's agent, and whether the server knows it. */
import { domainCodeOf } from "@remoteagent/shared/errors.ts";
import { createApiClient } from "../connection/client.ts";
import { revocationOf } from "../connection/failures.ts";
import { messageOf } from "../errors.ts";
import { parseCommandArgs } from "./args.ts";
import { type Command, selectAgent, storeFor } from "./command.ts";
import { say } from "./context.ts";
import { runnerLabel } from "./list.ts";
import { healthProblem } from "./server.ts";

const HELP = `Usage: remoteagent status [NAME]

Show the agent of the current directory (or the agent called NAME): its settings, whether
the server is reachable and whether it still accepts the agent. Exits 1 when either fails.

Options:
  -h, --help   show this help`;

/** The `status` command. */
export const statusCommand: Command = {
  name: "status",
  help: HELP,
  async run(argv, ctx) {
    const { values, positionals } = parseCommandArgs("status", argv, {}, 1);
    if (values.help) return (say(ctx, HELP), 0);
    const store = storeFor(ctx);
    const agent = await selectAgent(ctx, store, positionals[0]);
    say(ctx, `agent     ${agent.name} (${agent.agentId})`);
    if (agent.accountName) say(ctx, `account   ${agent.accountName}`);
    say(ctx, `project   ${agent.projectDir}`);
    say(
      ctx,
      `runner    ${runnerLabel(agent.runner)}${agent.runner.bin ? `, ${agent.runner.bin}` : ""}`,
    );
    say(ctx, `server    ${agent.server}`);
    say(ctx, `settings  ${store.agentPath(agent.agentId)}`);
    const problem = await healthProblem(ctx.fetch, agent.server);
    say(ctx, `reachable ${problem ? `no: ${problem}` : "yes"}`);
    if (problem) return 1;
    const client = createApiClient({ server: agent.server, token: agent.token, fetch: ctx.fetch });
    try {
      const me = await client.agent.me.query();
      say(ctx, `token     valid (the server knows this agent as '${me.name}')`);
      return 0;
    } catch (error) {
      const revoked = revocationOf(error);
      const why = revoked
        ? (domainCodeOf(error) === "AGENT_REVOKED" ? "revoked: " : "refused: ") + revoked.message
        : `not checked: ${messageOf(error)}`;
      say(ctx, `token     ${why}`);
      return 1;
    }
  },
};
