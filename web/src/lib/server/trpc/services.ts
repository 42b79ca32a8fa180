/** The server's implementation of the shared API's services, over the relay's dependencies. */
import type { ApiServices } from '@remoteagent/shared/api';
import type { Relay } from '../relay.ts';
import {
	agentSaidGoodbye,
	agentStillValid,
	authenticateAgent,
	listAgents,
	removeAgent,
	renameAgent,
	touchAgent
} from '../agents/agents.ts';
import { redeemPairingCode } from '../pairing/pairing.ts';
import {
	appendOutput,
	failOrphanedSessions,
	finishSession,
	startSession
} from '../sessions/sessions.ts';
import { streamSessionOutput } from '../sessions/output-stream.ts';
import { admitCommand } from '../sessions/expiry.ts';

export function createServices(relay: Relay): ApiServices {
	return {
		authenticateAgent: (token) => authenticateAgent(relay, token),
		pairing: {
			redeem: (input, clientAddress) => redeemPairingCode(relay, input, clientAddress)
		},
		commands: {
			async *stream(agent, lastEventId, signal) {
				await touchAgent(relay, agent);
				yield* relay.queue.stream(agent.agentId, lastEventId, signal, {
					stillValid: () => agentStillValid(relay, agent.agentId),
					admit: (entry) => admitCommand(relay, agent.agentId, entry)
				});
			},
			async ack(agent, eventId) {
				await relay.queue.remove(agent.agentId, eventId);
			}
		},
		agents: {
			async heartbeat(agent, input) {
				await touchAgent(relay, agent);
				if (input.busySessionId === null) await failOrphanedSessions(relay, agent);
			},
			goodbye: (agent) => agentSaidGoodbye(relay, agent),
			removeSelf: (agent) => removeAgent(relay, agent.accountId, agent.agentId),
			list: (user) => listAgents(relay, user.userId),
			rename: (user, agentId, name) => renameAgent(relay, user, agentId, name),
			remove: (user, agentId) => removeAgent(relay, user.userId, agentId)
		},
		sessions: {
			start: (agent, sessionId) => startSession(relay, agent, sessionId),
			output: (agent, input) => appendOutput(relay, agent, input),
			finish: (agent, input) => finishSession(relay, agent, input),
			streamOutput: (user, sessionId, lastEventId, signal) =>
				streamSessionOutput(relay, user, sessionId, lastEventId, signal)
		}
	};
}
