/** The relay's address: validating what the user typed, and checking the server answers. */
import { HEALTH_SERVICE } from "@remoteagent/shared/protocol.ts";
import { messageOf, ServerError, UsageError } from "../errors.ts";

/** How long a health check may take. */
const HEALTH_TIMEOUT_MS = 10_000;

/** Canonical base URL (`https://host[:port][/prefix]`, no trailing slash) or a `UsageError`. */
export function normalizeServerUrl(raw: string): string {
  let url: URL;
  const trimmed = raw.trim();
  if (!trimmed) {
    throw new UsageError("the server URL is required, e.g. https://remoteagent.example");
  }
  try {
    url = new URL(trimmed);
  } catch {
    throw new UsageError(
      `'${raw}' is not a server URL: give the address of the RemoteAgent server, e.g. https://remoteagent.example`,
    );
  }
  if (url.protocol !== "https:" && url.protocol !== "http:") {
    throw new UsageError(`'${raw}' is not an http(s) URL: the server URL starts with https://`);
  }
  if (url.search || url.hash || url.username || url.password) {
    throw new UsageError(`'${raw}': the server URL has no query, fragment or credentials`);
  }
  return `${url.origin}${url.pathname.replace(/\/+$/, "")}`;
}

/**
 * A failed request to `url` in plain words: refused, unknown host, timeout, TLS, instead of
 * "fetch failed" or "error sending request…".
 */
export function networkProblem(error: unknown, url: string): string {
  const text = causeChain(error);
  const host = (() => {
    try {
      return new URL(url).host;
    } catch {
      return url;
    }
  })();
  if (/refused|ECONNREFUSED|os error 111/i.test(text)) {
    return `connection refused at ${url}: is the relay running?`;
  }
  if (/TimeoutError|timed out|deadline/i.test(text)) {
    return `no answer from ${url} within ${
      HEALTH_TIMEOUT_MS / 1000
    } s: is the address right, and the relay running?`;
  }
  if (/dns|lookup|ENOTFOUND|EAI_AGAIN|Name or service not known|failed to lookup/i.test(text)) {
    return `cannot find the host ${host}: check the address`;
  }
  if (/certificate|tls|ssl|handshake/i.test(text)) {
    return `the secure connection to ${host} failed (${
      firstLine(text)
    }): check https vs http and the certificate`;
  }
  if (/reset|ECONNRESET|unreachable|EHOSTUNREACH|ENETUNREACH/i.test(text)) {
    return `the connection to ${url} failed (${firstLine(text)}): check your network`;
  }
  return `cannot reach ${url}: ${firstLine(text)}`;
}

function causeChain(error: unknown): string {
  const parts: string[] = [];
  for (let e: unknown = error, i = 0; e !== undefined && i < 5; i++) {
    parts.push(e instanceof Error ? `${e.name}: ${e.message}` : String(e));
    e = e instanceof Error ? e.cause : undefined;
  }
  return parts.join(" / ");
}

function firstLine(text: string): string {
  return text.split("\n")[0]!.slice(0, 200);
}

/** What a healthy relay says about itself. */
export interface ServerInfo {
  /** The bot's @username without the @, or null when the relay has no bot configured. */
  bot: string | null;
}

/**
 * Resolve when `GET {server}/healthz` answers 200 as a RemoteAgent relay; otherwise a
 * `ServerError` saying what went wrong (unreachable, not a RemoteAgent server, unhealthy).
 */
export async function checkHealth(fetcher: typeof fetch, server: string): Promise<ServerInfo> {
  let response: Response;
  try {
    response = await fetcher(`${server}/healthz`, {
      signal: AbortSignal.timeout(HEALTH_TIMEOUT_MS),
    });
  } catch (error) {
    throw new ServerError(networkProblem(error, server), { cause: error });
  }
  const body = await response.text().catch(() => "");
  let parsed: { service?: unknown; bot?: unknown } | null = null;
  try {
    parsed = JSON.parse(body);
  } catch { /* not JSON: not ours */ }
  if (parsed?.service !== HEALTH_SERVICE) {
    throw new ServerError(
      `${server} is not a RemoteAgent server (GET /healthz answered ${response.status} without identifying itself): check the URL`,
    );
  }
  if (response.status !== 200) {
    throw new ServerError(
      `the RemoteAgent server at ${server} is not healthy (GET /healthz answered ${response.status}): its database or Redis is down`,
    );
  }
  return { bot: typeof parsed.bot === "string" && parsed.bot ? parsed.bot : null };
}

/** Like {@link checkHealth}, but reports the problem instead of throwing: null when healthy. */
export async function healthProblem(fetcher: typeof fetch, server: string): Promise<string | null> {
  try {
    await checkHealth(fetcher, server);
    return null;
  } catch (error) {
    return messageOf(error);
  }
}
