import { tracked } from '@trpc/server';
import { ackInput, heartbeatInput, onCommandInput } from '../schemas.ts';
import { agentProcedure, router } from './init.ts';

/** Everything a running agent calls, always as itself (identity from the verified token). */
export const agentRouter = router({
	me: agentProcedure.query(({ ctx }) => ({ agentId: ctx.agent.agentId, name: ctx.agent.name })),

	/** Commands for this agent. Reconnect with the last tracked id to resume without gaps. */
	onCommand: agentProcedure.input(onCommandInput).subscription(async function* (opts) {
		const signal = opts.signal ?? new AbortController().signal;
		const events = opts.ctx.services.commands.stream(
			opts.ctx.agent,
			opts.input.lastEventId ?? null,
			signal
		);
		for await (const { id, command } of events) yield tracked(id, command);
	}),

	/** The agent took the command: remove it from the queue so it is never delivered again. */
	ack: agentProcedure
		.input(ackInput)
		.mutation(({ ctx, input }) => ctx.services.commands.ack(ctx.agent, input.eventId)),

	heartbeat: agentProcedure
		.input(heartbeatInput)
		.mutation(({ ctx, input }) => ctx.services.agents.heartbeat(ctx.agent, input)),

	/** Graceful shutdown: marks the agent offline without alerting anyone. */
	goodbye: agentProcedure.mutation(({ ctx }) => ctx.services.agents.goodbye(ctx.agent)),

	/** `remoteagent remove`: the agent revokes itself. */
	remove: agentProcedure.mutation(({ ctx }) => ctx.services.agents.removeSelf(ctx.agent))
});
