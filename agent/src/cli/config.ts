/**
 * `remoteagent config`: show or change this directory's agent's permission mode and the rules a
 * person allowed "always" (issue 10). They live in the agent's own file (0600), never on the
 * server; a running `remoteagent start` reads them at start, so restart it after a change.
 */
import { permissionMode } from "@remoteagent/shared/schemas.ts";
import { parseRule } from "../approvals/policy.ts";
import { UsageError } from "../errors.ts";
import { parseCommandArgs } from "./args.ts";
import { type Command, selectAgent, storeFor } from "./command.ts";
import { say } from "./context.ts";

const OPTIONS = {
  "permission-mode": { type: "string" },
  allow: { type: "string" },
  forget: { type: "string" },
} as const;

const HELP = `Usage: remoteagent config [NAME] [options]

Show the permission settings of the agent of the current directory (or the agent called NAME),
or change them. A running agent reads them when it starts: restart it after a change.

Options:
  --permission-mode M  ask (tool calls wait for your approval in Telegram), accept-edits (file
                       edits allowed, everything else asks) or auto (nothing asks)
  --allow RULE         always allow RULE, e.g. 'Bash(npm test:*)' or 'Edit(src/**)'
  --forget RULE        remove RULE from the rules allowed always
  -h, --help           show this help`;

/** The `config` command. */
export const configCommand: Command = {
  name: "config",
  help: HELP,
  async run(argv, ctx) {
    const { values, positionals } = parseCommandArgs("config", argv, OPTIONS, 1);
    if (values.help) return (say(ctx, HELP), 0);
    const store = storeFor(ctx);
    const agent = await selectAgent(ctx, store, positionals[0]);
    let mode = agent.permissions?.mode ?? "auto";
    let allow = [...(agent.permissions?.allow ?? [])];
    const rawMode = values["permission-mode"];
    if (rawMode !== undefined) {
      const parsed = permissionMode.safeParse(rawMode);
      if (!parsed.success) {
        throw new UsageError(
          `--permission-mode must be ask, accept-edits or auto, not '${rawMode}'`,
        );
      }
      mode = parsed.data;
    }
    if (values.allow !== undefined) {
      if (!parseRule(values.allow)) {
        throw new UsageError(`'${values.allow}' is not a rule: use e.g. 'Bash(npm test:*)'`);
      }
      if (!allow.includes(values.allow)) allow.push(values.allow);
    }
    if (values.forget !== undefined) allow = allow.filter((rule) => rule !== values.forget);
    const changed = rawMode !== undefined || values.allow !== undefined ||
      values.forget !== undefined;
    if (changed) await store.saveAgent({ ...agent, permissions: { mode, allow } });
    say(ctx, `agent        ${agent.name}`);
    say(ctx, `permissions  ${mode}`);
    say(ctx, `always allow ${allow.length ? allow.join(", ") : "(nothing)"}`);
    if (changed) say(ctx, "Saved. Restart `remoteagent start` for the change to take effect.");
    return 0;
  },
};
