import { z } from 'zod';
import { agentName } from '../schemas.ts';
import { router, userProcedure } from './init.ts';

/** Dashboard management of the user's agents. */
export const agentsRouter = router({
	list: userProcedure.query(({ ctx }) => ctx.services.agents.list(ctx.user)),
	rename: userProcedure
		.input(z.object({ agentId: z.string(), name: agentName }))
		.mutation(({ ctx, input }) => ctx.services.agents.rename(ctx.user, input.agentId, input.name)),
	/** Deleting an agent revokes its token. */
	delete: userProcedure
		.input(z.object({ agentId: z.string() }))
		.mutation(({ ctx, input }) => ctx.services.agents.remove(ctx.user, input.agentId))
});
