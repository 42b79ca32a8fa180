/** The API both the server and the agent compile against. Clients import `type AppRouter` only. */
import { agentRouter } from './agent.ts';
import { agentsRouter } from './agents.ts';
import { router } from './init.ts';
import { pairingRouter } from './pairing.ts';
import { reviewRouter } from './review.ts';
import { sessionRouter } from './session.ts';

export const appRouter = router({
	pairing: pairingRouter,
	agent: agentRouter,
	session: sessionRouter,
	agents: agentsRouter,
	review: reviewRouter
});

export type AppRouter = typeof appRouter;
export { createCallerFactory } from './init.ts';
export type { AgentIdentity, ApiContext, ApiServices, UserIdentity } from './context.ts';
