/**
 * `remoteagent`: the local agent of RemoteAgent. The one exit point of the program: every
 * failure ends here as a single red `error:` line and a non-zero exit code.
 *
 * @module
 */
import { runCli } from "./src/cli/dispatch.ts";
import { realContext } from "./src/cli/context.ts";
import { AgentError, messageOf } from "./src/errors.ts";

/** Run the command line and exit with its code. */
async function main(): Promise<void> {
  const code = await runCli(Deno.args, realContext());
  Deno.exit(code);
}

main().catch((error: unknown) => {
  const color = Deno.stderr.isTerminal() && !Deno.env.get("NO_COLOR");
  const label = color ? "\x1b[31merror:\x1b[0m" : "error:";
  console.error(`${label} ${messageOf(error).split("\n")[0]}`);
  if (Deno.env.get("REMOTEAGENT_DEBUG")) console.error(error);
  Deno.exit(error instanceof AgentError ? error.exitCode : 1);
});
