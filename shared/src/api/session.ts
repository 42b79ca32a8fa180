import { tracked } from '@trpc/server';
import {
	abortSessionInput,
	createSessionInput,
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

	/** Dashboard (web console): send a prompt to one of the user's agents. */
	create: userProcedure
		.input(createSessionInput)
		.mutation(({ ctx, input }) => ctx.services.sessions.create(ctx.user, input)),

	/** Dashboard (web console): stop a queued or running session. */
	abort: userProcedure
		.input(abortSessionInput)
		.mutation(({ ctx, input }) => ctx.services.sessions.abort(ctx.user, input.sessionId)),

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
