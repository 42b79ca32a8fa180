/** Approval requests: the agent asks the person who started a task to allow a tool call. */
import {
	approvalExpireInput,
	approvalExpireOutput,
	approvalRequestInput,
	approvalRequestOutput
} from '../schemas.ts';
import { agentProcedure, router } from './init.ts';

export const approvalRouter = router({
	/** Agent: post the request to the task's chat; the answer comes back as an `approval` command. */
	request: agentProcedure
		.input(approvalRequestInput)
		.output(approvalRequestOutput)
		.mutation(({ ctx, input }) => ctx.services.approvals.request(ctx.agent, input)),

	/** Agent: it stopped waiting. Returns the answer that won, a deny when none did. */
	expire: agentProcedure
		.input(approvalExpireInput)
		.output(approvalExpireOutput)
		.mutation(({ ctx, input }) => ctx.services.approvals.expire(ctx.agent, input))
});
