/**
 * The dashboard's tRPC client, for the browser only (call it from `$effect` or event handlers).
 * It talks to the same origin, so the HttpOnly session cookie authenticates every call,
 * EventSource included; subscriptions run over SSE and, because the server yields `tracked()`
 * ids, resume from the last event after a reconnect without any code here.
 */
import {
	createTRPCClient,
	httpBatchLink,
	httpSubscriptionLink,
	splitLink,
	type TRPCClient
} from '@trpc/client';
import type { AppRouter } from '@remoteagent/shared/api';

/** Where `routes/api/trpc/[...trpc]` serves the API (TRPC_ENDPOINT on the server side). */
const ENDPOINT = '/api/trpc';

let client: TRPCClient<AppRouter> | undefined;

export function trpc(): TRPCClient<AppRouter> {
	client ??= createTRPCClient<AppRouter>({
		links: [
			splitLink({
				condition: (op) => op.type === 'subscription',
				true: httpSubscriptionLink({ url: ENDPOINT }),
				false: httpBatchLink({ url: ENDPOINT })
			})
		]
	});
	return client;
}
