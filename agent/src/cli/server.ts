/** The relay's address: validating what the user typed, and checking the server answers. */
import { messageOf, ServerError, UsageError } from "../errors.ts";

/** How long a health check may take. */
const HEALTH_TIMEOUT_MS = 10_000;

/** Canonical base URL (`https://host[:port][/prefix]`, no trailing slash) or a `UsageError`. */
export function normalizeServerUrl(raw: string): string {
  let url: URL;
  try {
    url = new URL(raw.trim());
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
 * Resolve when `GET {server}/healthz` answers 200; otherwise a `ServerError` saying what went
 * wrong (unreachable, wrong address, unhealthy).
 */
export async function checkHealth(fetcher: typeof fetch, server: string): Promise<void> {
  let response: Response;
  try {
    response = await fetcher(`${server}/healthz`, {
      signal: AbortSignal.timeout(HEALTH_TIMEOUT_MS),
    });
  } catch (error) {
    throw new ServerError(`cannot reach the server at ${server}: ${messageOf(error)}`, {
      cause: error,
    });
  }
  await response.body?.cancel();
  if (response.status === 404) {
    throw new ServerError(
      `${server} does not look like a RemoteAgent server (GET /healthz answered 404): check the URL`,
    );
  }
  if (response.status !== 200) {
    throw new ServerError(
      `the server at ${server} is not healthy (GET /healthz answered ${response.status})`,
    );
  }
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
