/**
 * The tRPC client, typed from the shared router: subscriptions over SSE (`httpSubscriptionLink`
 * with the `eventsource` ponyfill, which can send headers), everything else batched over HTTP.
 * The token travels in the Authorization header only, never in a URL.
 */
import {
  createTRPCClient,
  httpBatchLink,
  httpSubscriptionLink,
  splitLink,
  type TRPCClient,
} from "@trpc/client";
import { EventSource } from "eventsource";
import type { AppRouter } from "@remoteagent/shared/api/root.ts";
import { TRPC_PATH } from "@remoteagent/shared/protocol.ts";

export { TRPC_PATH };

/** A client of the relay's API. */
export type ApiClient = TRPCClient<AppRouter>;

/** Options of {@link createApiClient}. */
export interface ApiClientOptions {
  /** Base URL of the relay, e.g. `https://remoteagent.example`. */
  server: string;
  /** The agent's token; omitted for `pairing.redeem`. */
  token?: string | null;
  /** `fetch` for every request (tests record or break traffic with it). */
  fetch?: typeof fetch;
}

/** Build a client for the relay at `options.server`. */
export function createApiClient(options: ApiClientOptions): ApiClient {
  const url = trpcUrl(options.server);
  const baseFetch = options.fetch ?? fetch;
  const auth: Record<string, string> = options.token
    ? { Authorization: `Bearer ${options.token}` }
    : {};
  const authedFetch: typeof fetch = (input, init) =>
    baseFetch(input, { ...init, headers: { ...headersObject(init?.headers), ...auth } });
  return createTRPCClient<AppRouter>({
    links: [
      splitLink({
        condition: (op) => op.type === "subscription",
        true: httpSubscriptionLink({
          url,
          EventSource,
          eventSourceOptions: { fetch: authedFetch },
        }),
        false: httpBatchLink({ url, fetch: authedFetch }),
      }),
    ],
  });
}

/** The tRPC endpoint URL for a server base URL. */
export function trpcUrl(server: string): string {
  return server.replace(/\/+$/, "") + TRPC_PATH;
}

function headersObject(headers: HeadersInit | undefined): Record<string, string> {
  if (!headers) return {};
  return Object.fromEntries(new Headers(headers).entries());
}
