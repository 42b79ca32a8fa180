/**
 * The files that keep an agent running across logout and reboot: a systemd user unit on Linux,
 * a launchd agent (plist) on macOS. Pure functions of {@link ServiceSpec}, so tests check the
 * exact text (and `systemd-analyze verify` it) without touching the machine's service manager.
 *
 * @module
 */

/** What a service runs. */
export interface ServiceSpec {
  /** Unit / launchd label, e.g. `remoteagent-myproject`. */
  name: string;
  /** Shown by `systemctl status` / in the plist. */
  description: string;
  /** The agent's project directory: `start` without a name picks its agent from there. */
  workingDirectory: string;
  /** Full command line: the executable first. */
  command: string[];
  /** Environment the agent needs (PATH, REMOTEAGENT_HOME, Deno's network settings); no secrets. */
  environment: Record<string, string>;
  /** Where launchd writes the log (systemd uses the journal). */
  logPath: string;
}

/** Exit code of `remoteagent start` when the agent was revoked: restarting cannot help. */
export const REVOKED_EXIT_CODE = 3;

/** A service name from an agent name: lowercase letters, digits and dashes. */
export function serviceName(agentName: string, agentId: string): string {
  const slug = agentName.toLowerCase().normalize("NFKD").replace(/[^a-z0-9]+/g, "-")
    .replace(/^-+|-+$/g, "").slice(0, 40);
  return `remoteagent-${slug || agentId.slice(0, 12).toLowerCase()}`;
}

/** One word of an ExecStart= line, quoted for systemd (which also expands `%` and `$`). */
function systemdWord(word: string): string {
  const escaped = word.replace(/\\/g, "\\\\").replace(/"/g, '\\"').replace(/%/g, "%%")
    .replace(/\$/g, "$$$$");
  return `"${escaped}"`;
}

/** A value of an Environment= assignment, quoted as a whole. */
function systemdAssignment(name: string, value: string): string {
  return systemdWord(`${name}=${value}`);
}

/** A line-safe value for the [Unit] section (no newlines). */
function oneLine(text: string): string {
  return text.replace(/[\r\n]+/g, " ").replace(/%/g, "%%");
}

/**
 * The systemd user unit. Restarted on failure (not after a revocation, exit 3); `KillMode=mixed`
 * sends SIGTERM to the main process only, so the agent aborts its task and says goodbye once.
 */
export function systemdUnit(spec: ServiceSpec): string {
  const env = Object.entries(spec.environment)
    .map(([name, value]) => `Environment=${systemdAssignment(name, value)}`);
  return [
    "[Unit]",
    `Description=${oneLine(spec.description)}`,
    "After=network-online.target",
    "Wants=network-online.target",
    "",
    "[Service]",
    "Type=simple",
    // WorkingDirectory= takes the rest of the line as the path: only specifiers (%) expand.
    `WorkingDirectory=${spec.workingDirectory.replace(/%/g, "%%")}`,
    `ExecStart=${spec.command.map(systemdWord).join(" ")}`,
    ...env,
    "Restart=on-failure",
    "RestartSec=5",
    `RestartPreventExitStatus=${REVOKED_EXIT_CODE}`,
    "KillMode=mixed",
    "TimeoutStopSec=20",
    "",
    "[Install]",
    "WantedBy=default.target",
    "",
  ].join("\n");
}

function xml(text: string): string {
  return text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;")
    .replace(/"/g, "&quot;");
}

/**
 * The launchd agent: started at login (`RunAtLoad`), restarted when it exits with an error
 * (`KeepAlive.SuccessfulExit = false`), output to a log file.
 */
export function launchdPlist(spec: ServiceSpec): string {
  const strings = (items: string[], indent: string) =>
    items.map((item) => `${indent}<string>${xml(item)}</string>`);
  const env = Object.entries(spec.environment).flatMap(([name, value]) => [
    `\t\t<key>${xml(name)}</key>`,
    `\t\t<string>${xml(value)}</string>`,
  ]);
  return [
    '<?xml version="1.0" encoding="UTF-8"?>',
    '<!DOCTYPE plist PUBLIC "-//Apple//DTD PLIST 1.0//EN" "http://www.apple.com/DTDs/PropertyList-1.0.dtd">',
    '<plist version="1.0">',
    "<dict>",
    "\t<key>Label</key>",
    `\t<string>${xml(launchdLabel(spec.name))}</string>`,
    "\t<key>ProgramArguments</key>",
    "\t<array>",
    ...strings(spec.command, "\t\t"),
    "\t</array>",
    "\t<key>WorkingDirectory</key>",
    `\t<string>${xml(spec.workingDirectory)}</string>`,
    "\t<key>EnvironmentVariables</key>",
    "\t<dict>",
    ...env,
    "\t</dict>",
    "\t<key>RunAtLoad</key>",
    "\t<true/>",
    "\t<key>KeepAlive</key>",
    "\t<dict>",
    "\t\t<key>SuccessfulExit</key>",
    "\t\t<false/>",
    "\t</dict>",
    "\t<key>ThrottleInterval</key>",
    "\t<integer>10</integer>",
    "\t<key>StandardOutPath</key>",
    `\t<string>${xml(spec.logPath)}</string>`,
    "\t<key>StandardErrorPath</key>",
    `\t<string>${xml(spec.logPath)}</string>`,
    "</dict>",
    "</plist>",
    "",
  ].join("\n");
}

/** launchd labels are reverse-DNS by convention. */
export function launchdLabel(name: string): string {
  return `dev.remoteagent.${name.replace(/^remoteagent-/, "")}`;
}
