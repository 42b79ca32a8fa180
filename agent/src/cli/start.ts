/** `remoteagent start`: connect and run prompts until Ctrl-C / SIGTERM (or revocation). */
import { runnerSettingsFor } from "../config/runner_settings.ts";
import { SessionStore } from "../config/session_store.ts";
import { runAgent } from "../connection/agent_loop.ts";
import { Policy } from "../approvals/policy.ts";
import { createApiClient } from "../connection/client.ts";
import { httpFileTransfer } from "../review/transfer.ts";
import { RunnerSetupError } from "../errors.ts";
import { VERSION } from "../version.ts";
import { parseCommandArgs } from "./args.ts";
import { type Command, selectAgent, storeFor } from "./command.ts";
import { say, warn } from "./context.ts";
import { StatusLine } from "./status_line.ts";

const HELP = `Usage: remoteagent start [NAME]

Connect the agent of the current directory (or the agent called NAME, from anywhere) and run
the prompts sent from Telegram, one at a time, in its project directory.
Ctrl-C or SIGTERM stops it cleanly: a running task is aborted and reported as such.
Exit codes: 0 stopped, 1 error, 3 the agent was removed from the dashboard.

Options:
  -h, --help   show this help`;

/** The `start` command. */
export const startCommand: Command = {
  name: "start",
  help: HELP,
  async run(argv, ctx) {
    const { values, positionals } = parseCommandArgs("start", argv, {}, 1);
    if (values.help) return (say(ctx, HELP), 0);
    const store = storeFor(ctx);
    const agent = await selectAgent(ctx, store, positionals[0]);
    const global = await store.loadGlobal();
    const settings = runnerSettingsFor(agent, global);
    const runner = ctx.createRunner(settings, {
      getEnv: ctx.env,
      fetch: ctx.fetch,
      conversationsDir: store.conversationsDir,
    });
    const problem = await runner.preflight();
    if (problem) {
      throw new RunnerSetupError(`the ${settings.runner} runner is not ready: ${problem}`);
    }
    const resumes = new SessionStore(store.sessionsPath(agent.agentId), (m) => warn(ctx, m));
    await resumes.load();

    const mode = agent.permissions?.mode ?? "auto";
    const policy = new Policy(mode, [...(agent.permissions?.allow ?? [])]);
    // An "always" rule is saved into the agent's own file (0600), re-read so nothing else is lost.
    const saveRules = async (allow: string[]) => {
      const current = await store.loadAgent(agent.agentId);
      if (current) await store.saveAgent({ ...current, permissions: { mode, allow } });
    };

    say(
      ctx,
      `remoteagent ${VERSION}: agent '${agent.name}', runner ${settings.runner}, in ${agent.projectDir}, permissions ${mode}`,
    );
    const view = new StatusLine(ctx, agent.server);
    const stop = new AbortController();
    const unlisten = ctx.onShutdownSignal(() => {
      if (!stop.signal.aborted) return stop.abort();
      view.end();
      warn(ctx, "stopped without waiting for the running task to end");
      ctx.exit(130);
    });
    try {
      await runAgent({
        client: createApiClient({ server: agent.server, token: agent.token, fetch: ctx.fetch }),
        runner,
        projectDir: agent.projectDir,
        files: httpFileTransfer({ server: agent.server, token: agent.token, fetch: ctx.fetch }),
        resumes,
        onEvent: (event) => view.handle(event),
        signal: stop.signal,
        version: VERSION,
        permissions: { policy, save: saveRules },
      });
    } finally {
      unlisten();
      view.end();
    }
    say(ctx, "Stopped.");
    return 0;
  },
};
