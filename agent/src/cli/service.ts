/**
 * `remoteagent service install|uninstall|status`: keep this directory's agent running across
 * logout and reboot, as a systemd user unit (Linux) or a launchd agent (macOS).
 */
import { joinPath, remoteagentHome } from "../config/paths.ts";
import type { AgentConfig } from "../config/schema.ts";
import { ConfigError, UsageError } from "../errors.ts";
import {
  lastLine,
  launchCommand,
  type Platform,
  platformOf,
  runTool,
  serviceEnvironment,
  serviceFile,
  serviceText,
} from "../service/manager.ts";
import { launchdLabel, serviceName, type ServiceSpec } from "../service/units.ts";
import { parseCommandArgs } from "./args.ts";
import { type Command, selectAgent, storeFor } from "./command.ts";
import { type CliContext, paint, say, warn } from "./context.ts";

const HELP = `Usage: remoteagent service install|uninstall|status [NAME]

Keep the agent of the current directory (or the agent called NAME) running in the background,
after you log out and across reboots, restarted if it fails:
  Linux   a systemd user unit, ~/.config/systemd/user/remoteagent-<name>.service
          (logs: journalctl --user -u remoteagent-<name>)
  macOS   a launchd agent, ~/Library/LaunchAgents/dev.remoteagent.<name>.plist
          (logs: ~/.remoteagent/logs/remoteagent-<name>.log)

  install     write the service file, enable and start it (run it again after an update)
  uninstall   stop and disable it, remove the file
  status      whether it is installed and running

Options:
  -h, --help   show this help`;

const ACTIONS = ["install", "uninstall", "status"] as const;

/** The `service` command. */
export const serviceCommand: Command = {
  name: "service",
  help: HELP,
  async run(argv, ctx) {
    const { values, positionals } = parseCommandArgs("service", argv, {}, 2);
    if (values.help) return (say(ctx, HELP), 0);
    const action = positionals[0];
    if (!action || !(ACTIONS as readonly string[]).includes(action)) {
      throw new UsageError(
        `${action ? `unknown action '${action}'` : "no action"}: use ${
          ACTIONS.join(", ")
        } (see \`remoteagent service --help\`)`,
      );
    }
    const platform = platformOf(
      ctx.env("REMOTEAGENT_SERVICE_PLATFORM") === "launchd" ? "darwin" : Deno.build.os,
    );
    const agent = await selectAgent(ctx, storeFor(ctx), positionals[1]);
    const spec = specFor(ctx, agent);
    const file = serviceFile(platform, spec.name, ctx.env);
    if (action === "install") return await install(ctx, platform, spec, file);
    if (action === "uninstall") return await uninstall(ctx, platform, spec, file);
    return await status(ctx, platform, spec, file);
  },
};

/** What the service for `agent` runs. */
export function specFor(ctx: CliContext, agent: AgentConfig): ServiceSpec {
  const name = serviceName(agent.name, agent.agentId);
  return {
    name,
    description: `RemoteAgent agent '${agent.name}' in ${agent.projectDir}`,
    workingDirectory: agent.projectDir,
    command: launchCommand(),
    environment: serviceEnvironment(ctx.env),
    logPath: joinPath(remoteagentHome(ctx.env), "logs", `${name}.log`),
  };
}

async function exists(path: string): Promise<boolean> {
  return await Deno.stat(path).then(() => true, () => false);
}

async function tool(ctx: CliContext, name: string, args: string[]) {
  const result = await runTool(ctx.env, name, args);
  if (!result) {
    throw new ConfigError(
      `${name} was not found: this machine does not seem to run ${
        name === "launchctl" ? "launchd" : "systemd"
      }; run \`remoteagent start\` in a terminal instead`,
    );
  }
  return result;
}

async function install(ctx: CliContext, platform: Platform, spec: ServiceSpec, file: string) {
  await Deno.mkdir(file.slice(0, file.lastIndexOf("/")), { recursive: true });
  if (platform === "launchd") {
    await Deno.mkdir(spec.logPath.slice(0, spec.logPath.lastIndexOf("/")), { recursive: true });
  }
  await Deno.writeTextFile(file, serviceText(platform, spec), { mode: 0o600 });
  say(ctx, `Wrote ${file}`);
  if (platform === "systemd") {
    const unit = `${spec.name}.service`;
    for (const args of [["--user", "daemon-reload"], ["--user", "enable", "--now", unit]]) {
      const result = await tool(ctx, "systemctl", args);
      if (result.code !== 0) {
        throw new ConfigError(
          `systemctl ${args.join(" ")} failed: ${
            lastLine(result)
          } (is there a user session? log in again, or run: loginctl enable-linger $USER)`,
        );
      }
    }
    await keepAfterLogout(ctx);
    say(ctx, `${paint(ctx, "32", "✓")} ${unit} is enabled and started.`);
    say(ctx, `Logs: journalctl --user -u ${spec.name} -f`);
  } else {
    const domain = `gui/${Deno.uid() ?? 0}`;
    await tool(ctx, "launchctl", ["bootout", `${domain}/${launchdLabel(spec.name)}`]);
    const result = await tool(ctx, "launchctl", ["bootstrap", domain, file]);
    if (result.code !== 0) throw new ConfigError(`launchctl bootstrap failed: ${lastLine(result)}`);
    say(ctx, `${paint(ctx, "32", "✓")} ${launchdLabel(spec.name)} is loaded and starts at login.`);
    say(ctx, `Logs: ${spec.logPath}`);
  }
  return 0;
}

/** Without lingering, systemd stops user services at logout and starts them only at login. */
async function keepAfterLogout(ctx: CliContext): Promise<void> {
  const user = ctx.env("USER") ?? ctx.env("LOGNAME");
  const shown = await runTool(ctx.env, "loginctl", ["show-user", user ?? "", "-p", "Linger"]);
  if (shown?.stdout === "Linger=yes") return;
  const enabled = await runTool(ctx.env, "loginctl", ["enable-linger"]);
  if (enabled?.code === 0) {
    say(ctx, "Enabled lingering: it keeps running after you log out and starts at boot.");
    return;
  }
  warn(
    ctx,
    `it runs while you are logged in; to keep it running after logout and start it at boot, run: sudo loginctl enable-linger ${
      user ?? "$USER"
    }`,
  );
}

async function uninstall(ctx: CliContext, platform: Platform, spec: ServiceSpec, file: string) {
  if (!(await exists(file))) {
    say(ctx, `No service is installed for this agent (${file} does not exist).`);
    return 0;
  }
  if (platform === "systemd") {
    // Not loaded is fine: the file is what makes it come back.
    await tool(ctx, "systemctl", ["--user", "disable", "--now", `${spec.name}.service`]);
    await Deno.remove(file);
    await tool(ctx, "systemctl", ["--user", "daemon-reload"]);
  } else {
    await tool(ctx, "launchctl", ["bootout", `gui/${Deno.uid() ?? 0}/${launchdLabel(spec.name)}`]);
    await Deno.remove(file);
  }
  say(ctx, `Stopped and removed ${file}`);
  return 0;
}

async function status(ctx: CliContext, platform: Platform, spec: ServiceSpec, file: string) {
  if (!(await exists(file))) {
    say(ctx, `not installed (install with: remoteagent service install)`);
    return 1;
  }
  say(ctx, `file      ${file}`);
  if (platform === "systemd") {
    const unit = `${spec.name}.service`;
    const active = await tool(ctx, "systemctl", ["--user", "is-active", unit]);
    const enabled = await tool(ctx, "systemctl", ["--user", "is-enabled", unit]);
    say(ctx, `enabled   ${enabled.stdout || "unknown"}`);
    say(ctx, `state     ${active.stdout || "unknown"}`);
    say(ctx, `logs      journalctl --user -u ${spec.name}`);
    return active.stdout === "active" ? 0 : 1;
  }
  const shown = await tool(ctx, "launchctl", [
    "print",
    `gui/${Deno.uid() ?? 0}/${launchdLabel(spec.name)}`,
  ]);
  const state = /^\s*state = (.+)$/m.exec(shown.stdout)?.[1] ??
    (shown.code === 0 ? "loaded" : "not loaded");
  say(ctx, `state     ${state}`);
  say(ctx, `logs      ${spec.logPath}`);
  return state === "running" ? 0 : 1;
}
