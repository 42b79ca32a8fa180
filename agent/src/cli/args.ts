/** Command-line parsing on `node:util` `parseArgs`, with errors turned into one clear line. */
import { parseArgs, type ParseArgsOptionsConfig } from "node:util";
import { UsageError } from "../errors.ts";

/** Options every command accepts. */
const COMMON = { help: { type: "boolean", short: "h" } } as const satisfies ParseArgsOptionsConfig;

/** Parsed arguments of one command. */
export interface ParsedArgs<T extends ParseArgsOptionsConfig> {
  values: { [K in keyof T]?: T[K]["type"] extends "boolean" ? boolean : string } & {
    help?: boolean;
  };
  positionals: string[];
}

/**
 * Parse `argv` for `remoteagent <command>`: only the given options (plus `--help`), at most
 * `maxPositionals` plain arguments. Mistakes raise a `UsageError` pointing at the command's help.
 */
export function parseCommandArgs<T extends ParseArgsOptionsConfig>(
  command: string,
  argv: string[],
  options: T,
  maxPositionals = 0,
): ParsedArgs<T> {
  const seeHelp = `(see \`remoteagent ${command} --help\`)`;
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      options: { ...COMMON, ...options },
      strict: true,
      allowPositionals: true,
    });
  } catch (error) {
    throw new UsageError(`${describeParseError(error)} ${seeHelp}`, { cause: error });
  }
  if (parsed.positionals.length > maxPositionals) {
    const extra = parsed.positionals[maxPositionals]!;
    throw new UsageError(`unexpected argument '${extra}' ${seeHelp}`);
  }
  for (const [name, value] of Object.entries(parsed.values)) {
    if (typeof value === "string" && value.trim() === "") {
      throw new UsageError(`--${name} needs a value ${seeHelp}`);
    }
  }
  return parsed as unknown as ParsedArgs<T>;
}

function describeParseError(error: unknown): string {
  const { code, message } = error as { code?: string; message?: string };
  const quoted = /'([^']+)'/.exec(message ?? "")?.[1] ?? "";
  // "-y, --yes" or "--server <value>": name the long form.
  const tokens = quoted.split(/[ ,]+/);
  const option = tokens.find((t) => t.startsWith("--")) ?? tokens[0] ?? quoted;
  switch (code) {
    case "ERR_PARSE_ARGS_UNKNOWN_OPTION":
      return `unknown option '${option}'`;
    case "ERR_PARSE_ARGS_INVALID_OPTION_VALUE":
      return /argument missing|ambiguous/.test(message ?? "")
        ? `option '${option}' needs a value`
        : `option '${option}' does not take a value`;
    case "ERR_PARSE_ARGS_UNEXPECTED_POSITIONAL":
      return `unexpected argument '${option}'`;
    default:
      return message ?? "invalid arguments";
  }
}
