/** `remoteagent remove`: revoke an agent on the server (when reachable) and delete its files. */
import { createApiClient } from "../connection/client.ts";
import { isTransient, revocationOf } from "../connection/failures.ts";
import { messageOf, ServerError } from "../errors.ts";
import { parseCommandArgs } from "./args.ts";
import { type Command, selectAgent, storeFor } from "./command.ts";
import { confirm, say, warn } from "./context.ts";

const HELP = `Usage: remoteagent remove [NAME] [--yes]

Remove the agent of the current directory (or the agent called NAME): revoke it on the
server when the server is reachable, then delete its files on this machine.

Options:
  -y, --yes    do not ask for confirmation
  -h, --help   show this help`;

/** The `remove` command. */
export const removeCommand: Command = {
  name: "remove",
  help: HELP,
  async run(argv, ctx) {
    const { values, positionals } = parseCommandArgs(
      "remove",
      argv,
      { yes: { type: "boolean", short: "y" } },
      1,
    );
    if (values.help) return (say(ctx, HELP), 0);
    const store = storeFor(ctx);
    const agent = await selectAgent(ctx, store, positionals[0]);
    if (ctx.interactive && !values.yes) {
      const sure = await confirm(
        ctx,
        `Remove the agent '${agent.name}' (${agent.projectDir})?`,
        false,
      );
      if (!sure) return (say(ctx, "Nothing removed."), 1);
    }
    const client = createApiClient({ server: agent.server, token: agent.token, fetch: ctx.fetch });
    let serverNote: string;
    try {
      await client.agent.remove.mutate();
      serverNote = "revoked on the server";
    } catch (error) {
      if (revocationOf(error)) serverNote = "it was already removed on the server";
      else if (isTransient(error)) {
        serverNote =
          "the server was not reachable, so it is still listed on the dashboard: delete it there";
        warn(ctx, `cannot reach ${agent.server}: ${messageOf(error)}`);
      } else {
        throw new ServerError(`the server refused to remove the agent: ${messageOf(error)}`, {
          cause: error,
        });
      }
    }
    await store.deleteAgent(agent.agentId);
    say(ctx, `Removed the agent '${agent.name}': local files deleted, ${serverNote}.`);
    return 0;
  },
};
