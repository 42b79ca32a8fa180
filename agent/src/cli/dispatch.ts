/** `remoteagent <command>`: picks the subcommand, and answers --help and --version. */
import { UsageError } from "../errors.ts";
import { VERSION } from "../version.ts";
import type { Command } from "./command.ts";
import { type CliContext, say } from "./context.ts";

/**
 * A subcommand as the command list knows it. Its module is imported only when it runs, so
 * `start` carries neither the wizard of `init` nor the MCP server of `permission-prompt`
 * (string-literal specifiers, which `deno compile` embeds).
 */
export interface CommandEntry {
  name: string;
  /** One line for the list of commands. */
  summary: string;
  load(): Promise<Command>;
}

/** Every subcommand, in the order the help lists them. */
export const COMMANDS: readonly CommandEntry[] = [
  {
    name: "init",
    summary: "pair this directory with your account (or change its runner)",
    load: async () => (await import("./init.ts")).initCommand,
  },
  {
    name: "start",
    summary: "connect and run prompts (Ctrl-C to stop)",
    load: async () => (await import("./start.ts")).startCommand,
  },
  {
    name: "list",
    summary: "list the agents configured on this machine",
    load: async () => (await import("./list.ts")).listCommand,
  },
  {
    name: "status",
    summary: "show this directory's agent and its connection",
    load: async () => (await import("./status.ts")).statusCommand,
  },
  {
    name: "remove",
    summary: "revoke an agent and delete its files",
    load: async () => (await import("./remove.ts")).removeCommand,
  },
  {
    name: "config",
    summary: "show or change the permission mode and the rules allowed always",
    load: async () => (await import("./config.ts")).configCommand,
  },
  {
    name: "service",
    summary: "run the agent in the background, across logout and reboot",
    load: async () => (await import("./service.ts")).serviceCommand,
  },
  {
    name: "doctor",
    summary: "check permissions, server, token, runner and credentials",
    load: async () => (await import("./doctor.ts")).doctorCommand,
  },
  {
    name: "permission-prompt",
    summary: "(used by the claude-code runner) answer Claude Code's permission prompts",
    load: async () => (await import("./permission_prompt.ts")).permissionPromptCommand,
  },
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
  return await (await command.load()).run(rest, ctx);
}
