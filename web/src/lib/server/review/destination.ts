/**
 * Where an agent's review answer or file goes: the chat of one of its own running sessions, or
 * the chat that made one of its review requests. Anything else is refused, so an agent can only
 * ever write to chats that asked it something.
 */
import { and, eq, inArray } from 'drizzle-orm';
import { DomainError } from '@remoteagent/shared';
import type { AgentIdentity } from '@remoteagent/shared/api';
import { sessions } from '../db/schema/index.ts';
import type { SessionDeps } from '../sessions/sessions.ts';
import { reviewRequest } from './requests.ts';

export interface Destination {
	chatId: number;
	replyTo: number | null;
}

export async function destinationOf(
	deps: Pick<SessionDeps, 'db' | 'redis' | 'sealer'>,
	agent: AgentIdentity,
	target: { sessionId?: string | undefined; requestId?: string | undefined }
): Promise<Destination | null> {
	if (target.sessionId) {
		const [session] = await deps.db
			.select()
			.from(sessions)
			.where(
				and(
					eq(sessions.id, target.sessionId),
					eq(sessions.agentId, agent.agentId),
					inArray(sessions.status, ['queued', 'running'])
				)
			);
		if (!session) throw new DomainError('SESSION_NOT_FOUND');
		if (session.telegramChatId === null) return null;
		return { chatId: session.telegramChatId, replyTo: session.telegramMessageId };
	}
	if (target.requestId) {
		const request = await reviewRequest(deps, target.requestId);
		if (!request || request.agentId !== agent.agentId) throw new DomainError('SESSION_NOT_FOUND');
		return { chatId: request.chatId, replyTo: request.replyTo };
	}
	return null;
}
