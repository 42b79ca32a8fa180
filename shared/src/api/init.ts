/** The one `initTRPC` of the API, its error mapping and the procedures that narrow the context. */
import { initTRPC, TRPCError } from '@trpc/server';
import { DOMAIN_ERRORS, DomainError, type DomainErrorCode } from '../errors.ts';
import type { ApiContext } from './context.ts';

function domainErrorOf(error: TRPCError): DomainError | null {
	return error.cause instanceof DomainError ? error.cause : null;
}

const t = initTRPC.context<ApiContext>().create({
	sse: {
		// Serverless hosts cut long requests: end every subscription before that and let the
		// client reconnect with its lastEventId. The server may override per deployment.
		maxDurationMs: 4 * 60_000, // under Vercel's 300 s function limit
		ping: { enabled: true, intervalMs: 10_000 },
		client: { reconnectAfterInactivityMs: 25_000 }
	},
	errorFormatter({ shape, error }) {
		const domain = domainErrorOf(error);
		const domainCode: DomainErrorCode | null = domain?.code ?? null;
		// Internal messages never reach the client.
		const message =
			domain?.message ??
			(error.code === 'INTERNAL_SERVER_ERROR' ? 'internal error' : shape.message);
		const { stack: _stack, ...data } = shape.data;
		return { ...shape, message, data: { ...data, domainCode } };
	}
});

/** Turn domain errors into tRPC errors with the right status, in one place. */
const mapDomainErrors = t.middleware(async ({ next }) => {
	const result = await next();
	if (!result.ok) {
		const domain = domainErrorOf(result.error);
		if (domain) {
			throw new TRPCError({
				code: DOMAIN_ERRORS[domain.code].status,
				message: domain.message,
				cause: domain
			});
		}
	}
	return result;
});

export const router = t.router;
export const createCallerFactory = t.createCallerFactory;
export const publicProcedure = t.procedure.use(mapDomainErrors);

/** Calls made by a paired agent: the token is verified and the agent must still exist. */
export const agentProcedure = publicProcedure.use(async ({ ctx, next }) => {
	if (!ctx.agentToken) throw new DomainError('UNAUTHENTICATED');
	const agent = await ctx.services.authenticateAgent(ctx.agentToken);
	return next({ ctx: { agent } });
});

/** Calls made from the dashboard by a signed-in user. */
export const userProcedure = publicProcedure.use(async ({ ctx, next }) => {
	if (!ctx.user) throw new DomainError('UNAUTHENTICATED');
	return next({ ctx: { user: ctx.user } });
});
