import { tracked } from '@trpc/server';
import {
	onOutputInput,
	sessionFinishInput,
	sessionOutputInput,
	sessionStartInput
} from '../schemas.ts';
import { agentProcedure, router, userProcedure } from './init.ts';

export const sessionRouter = router({
	/** Agent: the task began running. */
	start: agentProcedure
		.input(sessionStartInput)
		.mutation(({ ctx, input }) =>
			ctx.services.sessions.start(ctx.agent, input.sessionId, input.instance)
		),

	/** Agent: a batch of output text. */
	output: agentProcedure
		.input(sessionOutputInput)
		.mutation(({ ctx, input }) => ctx.services.sessions.output(ctx.agent, input)),

	/** Agent: the task ended. */
	finish: agentProcedure
		.input(sessionFinishInput)
		.mutation(({ ctx, input }) => ctx.services.sessions.finish(ctx.agent, input)),

	/** Dashboard: live output of one of the user's sessions. */
	onOutput: userProcedure.input(onOutputInput).subscription(async function* (opts) {
		const signal = opts.signal ?? new AbortController().signal;
		const events = opts.ctx.services.sessions.streamOutput(
			opts.ctx.user,
			opts.input.sessionId,
			opts.input.lastEventId ?? null,
			signal
		);
		for await (const { id, event } of events) yield tracked(id, event);
	})
});
