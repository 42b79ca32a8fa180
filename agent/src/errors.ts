/**
 * Typed errors of the agent. Every failure the user can cause or meet ends in one of these;
 * `main.ts` prints its message as a single `error:` line and exits with its `exitCode`.
 */

/** Base class: a failure with a message meant for the person at the terminal. */
export class AgentError extends Error {
  override name = "AgentError";
  /** Process exit code when this error ends the program. */
  readonly exitCode: number = 1;
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
  }
}

/** Bad command line: unknown command, unknown option, missing or invalid value. */
export class UsageError extends AgentError {
  override name = "UsageError";
}

/** A configuration file is missing, unreadable or corrupt; the message names the file. */
export class ConfigError extends AgentError {
  override name = "ConfigError";
}

/** The server could not be reached or answered something unexpected. */
export class ServerError extends AgentError {
  override name = "ServerError";
}

/** The server refused a pairing code (unknown, expired, used, malformed, rate-limited). */
export class PairingError extends AgentError {
  override name = "PairingError";
}

/** The runner is not usable (binary missing, credentials missing, gateway unreachable). */
export class RunnerSetupError extends AgentError {
  override name = "RunnerSetupError";
}

/** The agent was deleted on the dashboard (or its token is no longer accepted). */
export class RevokedError extends AgentError {
  override name = "RevokedError";
  override readonly exitCode = 3;
  constructor(
    message = "this agent was removed from the dashboard: run `remoteagent init` to pair again",
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

/** A build step (deno compile) could not be done. */
export class BuildError extends AgentError {
  override name = "BuildError";
}

/** Best human-readable message of anything thrown. */
export function messageOf(error: unknown): string {
  if (error instanceof Error) return error.message;
  return String(error);
}
