/** Sorting failures of API calls: worth retrying, fatal for the agent, or plain errors. */
import { domainCodeOf } from "@remoteagent/shared/errors.ts";
import { RevokedError } from "../errors.ts";

/** HTTP statuses after which the same request may well succeed. */
const TRANSIENT_STATUSES = new Set([408, 425, 429, 500, 502, 503, 504]);

function httpStatusOf(error: unknown): number | null {
  const data = (error as { data?: { httpStatus?: unknown } } | null)?.data;
  return typeof data?.httpStatus === "number" ? data.httpStatus : null;
}

/**
 * True when retrying the same call can help: the network failed (no tRPC error shape came
 * back, e.g. connection refused or a proxy's HTML page), or the server answered 5xx/429.
 */
export function isTransient(error: unknown): boolean {
  if (domainCodeOf(error) !== null) return domainCodeOf(error) === "RATE_LIMITED";
  const status = httpStatusOf(error);
  if (status === null) return !(error instanceof RevokedError);
  return TRANSIENT_STATUSES.has(status);
}

/**
 * The `RevokedError` to stop with when a call failed because this agent no longer exists on
 * the server (deleted on the dashboard) or its token is no longer accepted; otherwise null.
 */
export function revocationOf(error: unknown): RevokedError | null {
  if (error instanceof RevokedError) return error;
  const code = domainCodeOf(error);
  if (code === "AGENT_REVOKED") return new RevokedError(undefined, { cause: error });
  if (code === "UNAUTHENTICATED") {
    return new RevokedError(
      "the server no longer accepts this agent's token: run `remoteagent init` to pair again",
      { cause: error },
    );
  }
  return null;
}

/** A short reason for a lost or failed connection, for the status line. */
export function dropReason(error: unknown): string {
  if (!error) return "connection closed";
  const messages: string[] = [];
  for (let e: unknown = error, depth = 0; e && depth < 5; depth++) {
    const { message, cause } = e as { message?: unknown; cause?: unknown };
    if (typeof message === "string" && message) messages.push(message);
    e = cause;
  }
  const text = messages.join(" ");
  if (/connection refused/i.test(text)) return "connection refused";
  if (/dns error|failed to lookup|name or service not known/i.test(text)) {
    return "cannot resolve the server's name";
  }
  if (/timed? ?out/i.test(text)) return "timed out";
  const status = /Non-200 status code \((\d+)\)/.exec(text)?.[1];
  if (status) return `the server answered ${status}`;
  const first = messages.find((m) => m !== "Unknown error");
  return first ? first.split("\n")[0]!.slice(0, 80) : "connection lost";
}
