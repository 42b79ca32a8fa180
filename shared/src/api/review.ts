import { reviewReplyInput } from '../schemas.ts';
import { agentProcedure, router } from './init.ts';

/** Review and undo of a task's changes: the agent's answers go to the chat that asked. */
export const reviewRouter = router({
	/** Agent: a task's change summary, or the answer to `/diff` / `/undo`. */
	reply: agentProcedure
		.input(reviewReplyInput)
		.mutation(({ ctx, input }) => ctx.services.review.reply(ctx.agent, input))
});
