/** The tRPC endpoint (HTTP + SSE) over the Fetch API, shared by the SvelteKit route and tests. */
import { fetchRequestHandler } from '@remoteagent/shared/api/fetch-adapter';
import { appRouter, type ApiServices, type UserIdentity } from '@remoteagent/shared/api';
import { DomainError, TRPC_PATH } from '@remoteagent/shared';
import type { Logger } from '../log.ts';

export const TRPC_ENDPOINT = TRPC_PATH;

export function handleTrpc(
	request: Request,
	opts: { services: ApiServices; user: UserIdentity | null; clientAddress: string; log: Logger }
): Promise<Response> {
	const authorization = request.headers.get('authorization');
	const agentToken = authorization?.startsWith('Bearer ') ? authorization.slice(7).trim() : null;
	return fetchRequestHandler({
		endpoint: TRPC_ENDPOINT,
		req: request,
		router: appRouter,
		createContext: () => ({
			services: opts.services,
			agentToken,
			user: opts.user,
			clientAddress: opts.clientAddress
		}),
		onError({ error, path }) {
			// Only server faults are worth a log line; never the input (it may hold codes or text).
			if (error.code === 'INTERNAL_SERVER_ERROR' && !(error.cause instanceof DomainError)) {
				opts.log.error('trpc.error', {
					path: path ?? null,
					cause: error.cause?.name ?? error.name
				});
			}
		}
	});
}
