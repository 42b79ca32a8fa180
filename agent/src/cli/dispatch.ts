/** `remoteagent <command>`: picks the subcommand, and answers --help and --version. */
import { UsageError } from "../errors.ts";
import { VERSION } from "../version.ts";
import type { Command } from "./command.ts";
import { type CliContext, say } from "./context.ts";
import { configCommand } from "./config.ts";
import { doctorCommand } from "./doctor.ts";
import { initCommand } from "./init.ts";
import { listCommand } from "./list.ts";
import { permissionPromptCommand } from "./permission_prompt.ts";
import { removeCommand } from "./remove.ts";
import { serviceCommand } from "./service.ts";
import { startCommand } from "./start.ts";
import { statusCommand } from "./status.ts";

/** Every subcommand, in the order the help lists them. */
export const COMMANDS: readonly Command[] = [
  initCommand,
  startCommand,
  listCommand,
  statusCommand,
  removeCommand,
  configCommand,
  serviceCommand,
  doctorCommand,
  permissionPromptCommand,
];

/** Top-level help. */
export function mainHelp(): string {
  const width = Math.max(...COMMANDS.map((c) => c.name.length));
  return [
    "remoteagent: drive the AI coding agent on this machine from Telegram.",
    "",
    "Usage: remoteagent <command> [options]",
    "",
    "Commands:",
    ...COMMANDS.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`),
    "",
    "Options:",
    "  -h, --help      show this help (or `remoteagent <command> --help`)",
    "  -V, --version   show the version",
  ].join("\n");
}

/** One line for `--version`. */
export function versionLine(): string {
  return `remoteagent ${VERSION} (deno ${Deno.version.deno}, ${Deno.build.target})`;
}

/** Run the command line `argv` (without the program name); resolves to the exit code. */
export async function runCli(argv: string[], ctx: CliContext): Promise<number> {
  const [first, ...rest] = argv;
  if (first === undefined || first === "--help" || first === "-h" || first === "help") {
    const topic = first === "help" ? rest[0] : undefined;
    if (topic !== undefined) return runCli([topic, "--help"], ctx);
    say(ctx, mainHelp());
    return first === undefined ? 2 : 0;
  }
  if (first === "--version" || first === "-V" || first === "version") {
    say(ctx, versionLine());
    return 0;
  }
  const command = COMMANDS.find((c) => c.name === first);
  if (!command) {
    const kind = first.startsWith("-") ? "option" : "command";
    throw new UsageError(
      `unknown ${kind} '${first}': use one of ${
        COMMANDS.map((c) => c.name).join(", ")
      } (see \`remoteagent --help\`)`,
    );
  }
  return await command.run(rest, ctx);
}
