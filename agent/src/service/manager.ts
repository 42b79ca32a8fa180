/**
 * Installing, removing and querying the agent's service with the machine's own service manager:
 * `systemctl --user` (and `loginctl enable-linger`) on Linux, `launchctl` on macOS. The tools
 * are found on the agent's PATH, so a test can put stand-ins first.
 *
 * @module
 */
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import denoJson from "../../deno.json" with { type: "json" };
import type { EnvReader } from "../config/paths.ts";
import { ConfigError } from "../errors.ts";
import { findExecutable } from "../process/which.ts";
import { launchdLabel, launchdPlist, type ServiceSpec, systemdUnit } from "./units.ts";

/** The service managers we know. */
export type Platform = "systemd" | "launchd";

/** Environment variables copied into the service: where things are and how to reach the net. */
const PASSED_ON = [
  "PATH",
  "REMOTEAGENT_HOME",
  "DENO_DIR",
  "NODE_EXTRA_CA_CERTS",
  "DENO_CERT",
  "SSL_CERT_FILE",
  "HTTPS_PROXY",
  "HTTP_PROXY",
  "NO_PROXY",
  "https_proxy",
  "http_proxy",
  "no_proxy",
] as const;

/** The part of the environment the service gets. */
export function serviceEnvironment(env: EnvReader): Record<string, string> {
  const out: Record<string, string> = {};
  for (const name of PASSED_ON) {
    const value = env(name);
    if (value) out[name] = value;
  }
  return out;
}

/**
 * How to run `remoteagent start` again later: the compiled binary itself, or (run by `deno`,
 * as the npm package and a source checkout do) `deno run` with the agent's permission flags.
 */
export function launchCommand(
  execPath: string = Deno.execPath(),
  mainModule: string = Deno.mainModule,
): string[] {
  const exe = execPath.split(/[\\/]/).pop()!.toLowerCase();
  if (exe !== "deno" && exe !== "deno.exe") return [execPath, "start"];
  const main = fileURLToPath(mainModule);
  // The dev task's permissions and runtime flags, as scripts/compile.ts bakes them in.
  const flags = denoJson.tasks.dev.match(/--allow-[a-z-]+(=\S+)?|--no-code-cache/g) ?? [];
  return [
    execPath,
    "run",
    "--quiet",
    ...flags,
    "--config",
    join(dirname(main), "deno.json"),
    main,
    "start",
  ];
}

/** The service manager of this machine, or a `ConfigError` saying there is none. */
export function platformOf(os: string = Deno.build.os): Platform {
  if (os === "linux") return "systemd";
  if (os === "darwin") return "launchd";
  throw new ConfigError(
    `services are supported on Linux (systemd) and macOS (launchd), not ${os}: run \`remoteagent start\` in a terminal`,
  );
}

/** Where the service file goes. */
export function serviceFile(platform: Platform, name: string, env: EnvReader): string {
  const home = env("HOME");
  if (!home) throw new ConfigError("cannot find the home directory: set HOME");
  if (platform === "launchd") {
    return join(home, "Library", "LaunchAgents", `${launchdLabel(name)}.plist`);
  }
  return join(
    env("XDG_CONFIG_HOME") || join(home, ".config"),
    "systemd",
    "user",
    `${name}.service`,
  );
}

/** The service file's text. */
export function serviceText(platform: Platform, spec: ServiceSpec): string {
  return platform === "systemd" ? systemdUnit(spec) : launchdPlist(spec);
}

/** What running a tool gave. */
export interface ToolResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Run a service-manager tool found on `env`'s PATH; null when it is not installed. */
export async function runTool(
  env: EnvReader,
  tool: string,
  args: string[],
): Promise<ToolResult | null> {
  const path = await findExecutable(tool, env("PATH"));
  if (!path) return null;
  const out = await new Deno.Command(path, {
    args,
    stdout: "piped",
    stderr: "piped",
    stdin: "null",
  })
    .output();
  const text = (bytes: Uint8Array) => new TextDecoder().decode(bytes).trim();
  return { code: out.code, stdout: text(out.stdout), stderr: text(out.stderr) };
}

/** The last non-empty line of a tool's complaint. */
export function lastLine(result: ToolResult): string {
  const lines = `${result.stderr}\n${result.stdout}`.split("\n").map((l) => l.trim()).filter(
    Boolean,
  );
  return lines.at(-1) ?? `exit code ${result.code}`;
}
