/** The server's implementation of the shared API's services, over the relay's dependencies. */
import type { ApiServices } from '@remoteagent/shared/api';
import type { Relay } from '../relay.ts';
import {
	agentConnected,
	agentSaidGoodbye,
	agentStillValid,
	authenticateAgent,
	listAgents,
	removeAgent,
	renameAgent,
	touchAgent
} from '../agents/agents.ts';
import { redeemPairingCode } from '../pairing/pairing.ts';
import { pollDevicePairing, startDevicePairing } from '../pairing/device.ts';
import {
	appendOutput,
	failOrphanedSessions,
	finishSession,
	startSession
} from '../sessions/sessions.ts';
import { streamSessionOutput } from '../sessions/output-stream.ts';
import { abortConsoleSession, createConsoleSession } from '../sessions/console.ts';
import { admitCommand } from '../sessions/expiry.ts';
import { acquireSubscriptionLease } from '../relay/subscription-leases.ts';
import { DomainError } from '@remoteagent/shared';
import { expireApproval, requestApproval } from '../approvals/approvals.ts';
import { recordPermissionMode } from '../approvals/modes.ts';
import { reviewReply } from '../review/reply.ts';

export function createServices(relay: Relay): ApiServices {
	return {
		authenticateAgent: (token) => authenticateAgent(relay, token),
		pairing: {
			redeem: (input, clientAddress) => redeemPairingCode(relay, input, clientAddress),
			startDevice: (input, clientAddress) => startDevicePairing(relay, input, clientAddress),
			pollDevice: (deviceCode) => pollDevicePairing(relay, deviceCode)
		},
		commands: {
			async *stream(agent, lastEventId, signal) {
				await agentConnected(relay, agent);
				const lease = await acquireSubscriptionLease(
					relay.redis,
					agent.agentId,
					Math.max(15_000, 3 * relay.queue.pollMs)
				);
				try {
					yield* relay.queue.stream(agent.agentId, lastEventId, signal, {
						lease,
						stillValid: () => agentStillValid(relay, agent.agentId),
						admit: (entry, pushed) => admitCommand(relay, agent.agentId, entry, pushed)
					});
				} finally {
					await relay.presence
						.disconnected(agent.agentId, lease, relay.now(), relay.config.OFFLINE_AFTER_MS)
						.catch(() => {});
				}
			},
			ack: (agent, eventId) => relay.queue.ack(agent.agentId, eventId)
		},
		agents: {
			async heartbeat(agent, input) {
				const fingerprint = [
					input.busySessionId ?? '',
					input.permissionMode ?? '',
					input.version
				].join('|');
				const beat = await relay.presence.beat(
					agent.agentId,
					fingerprint,
					relay.now(),
					2 * relay.config.OFFLINE_AFTER_MS
				);
				if (beat === 'revoked') throw new DomainError('AGENT_REVOKED');
				if (beat === 'same') return;
				try {
					await touchAgent(relay, agent);
					if (input.permissionMode) {
						await recordPermissionMode(relay.redis, agent.agentId, input.permissionMode);
					}
					await failOrphanedSessions(relay, agent, input.busySessionId);
				} catch (error) {
					// Not brought up to date: the next heartbeat must try again.
					await relay.presence.forgetBeat(agent.agentId).catch(() => {});
					throw error;
				}
			},
			goodbye: (agent) => agentSaidGoodbye(relay, agent),
			removeSelf: (agent) => removeAgent(relay, agent.accountId, agent.agentId),
			list: (user) => listAgents(relay, user.userId),
			rename: (user, agentId, name) => renameAgent(relay, user, agentId, name),
			remove: (user, agentId) => removeAgent(relay, user.userId, agentId)
		},
		approvals: {
			request: (agent, input) => requestApproval(relay, agent, input),
			expire: (agent, input) => expireApproval(relay, agent, input)
		},
		sessions: {
			start: (agent, sessionId, instance) => startSession(relay, agent, sessionId, instance),
			output: (agent, input) => appendOutput(relay, agent, input),
			finish: (agent, input) => finishSession(relay, agent, input),
			streamOutput: (user, sessionId, lastEventId, signal) =>
				streamSessionOutput(relay, user, sessionId, lastEventId, signal),
			create: (user, input) => createConsoleSession(relay, user, input),
			abort: (user, sessionId) => abortConsoleSession(relay, user, sessionId)
		},
		review: {
			reply: (agent, input) => reviewReply(relay, agent, input)
		}
	};
}
