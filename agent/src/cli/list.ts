/** `remoteagent list`: the agents configured on this machine. */
import { parseCommandArgs } from "./args.ts";
import { type Command, storeFor } from "./command.ts";
import { say } from "./context.ts";

const HELP = `Usage: remoteagent list

List the agents configured on this machine: name, project directory, runner, server.

Options:
  -h, --help   show this help`;

/** The `list` command. */
export const listCommand: Command = {
  name: "list",
  help: HELP,
  async run(argv, ctx) {
    const { values } = parseCommandArgs("list", argv, {});
    if (values.help) return (say(ctx, HELP), 0);
    const agents = await storeFor(ctx).listAgents();
    if (agents.length === 0) {
      say(
        ctx,
        "No agent is configured on this machine: run `remoteagent init` in a project directory.",
      );
      return 0;
    }
    const rows = [
      ["NAME", "PROJECT", "RUNNER", "SERVER"],
      ...agents.map((a) => [a.name, a.projectDir, runnerLabel(a.runner), a.server]),
    ];
    for (const line of table(rows)) say(ctx, line);
    return 0;
  },
};

/** `claude-sdk (claude-sonnet-4-5)` style label of a runner. */
export function runnerLabel(runner: { runner: string; model?: string }): string {
  return runner.model ? `${runner.runner} (${runner.model})` : runner.runner;
}

/** Left-aligned columns separated by two spaces. */
export function table(rows: string[][]): string[] {
  const widths = rows[0]!.map((_, col) => Math.max(...rows.map((r) => (r[col] ?? "").length)));
  return rows.map((row) =>
    row.map((cell, col) => (col === row.length - 1 ? cell : cell.padEnd(widths[col]!))).join("  ")
  );
}
