/**
 * The web console: prompts typed on the dashboard take the path of a Telegram message (the
 * Telegram user's rate limit, `createSession` and the agent's command queue, so delivery is
 * exactly once), and its Abort does what the chat's Abort button does. Output reaches the page
 * through `session.onOutput` like any live view; the relay keeps none of it.
 */
import { createHmac } from 'node:crypto';
import { and, eq, inArray, ne } from 'drizzle-orm';
import {
	DomainError,
	type CreateSessionInput,
	type CreateSessionOutput
} from '@remoteagent/shared';
import type { UserIdentity } from '@remoteagent/shared/api';
import { sessions, users } from '../db/schema/index.ts';
import type { UpdateClaims } from '../telegram/update-claim.ts';
import { agentOfAccount } from '../agents/agents.ts';
import { createSession, type SessionDeps } from './sessions.ts';
import { abortSession } from './abort.ts';

export type ConsoleDeps = SessionDeps & { claims: UpdateClaims };

const ALPHABET = '0123456789abcdefghjkmnpqrstvwxyz';

/**
 * The session id of one console request: keyed with the server secret, so it is as unguessable
 * as a random id (it names the output channel), and the same for a repeated request.
 */
export function consoleSessionId(secret: string, userId: string, requestId: string): string {
	const mac = createHmac('sha256', secret)
		.update(`remoteagent console session v1\0${userId}\0${requestId}`)
		.digest();
	let out = 'ses_';
	for (const byte of mac.subarray(0, 26)) out += ALPHABET[byte % 32];
	return out;
}

export async function createConsoleSession(
	deps: ConsoleDeps,
	user: UserIdentity,
	input: CreateSessionInput
): Promise<CreateSessionOutput> {
	const agent = await agentOfAccount(deps, user.userId, input.agentId);
	const [person] = await deps.db.select().from(users).where(eq(users.id, user.userId));
	if (!person) throw new DomainError('UNAUTHENTICATED');
	// One budget per person, whichever way the prompt comes in.
	const { allowed } = await deps.claims.limit(
		person.telegramUserId,
		deps.config.TELEGRAM_RATE_PER_MINUTE,
		deps.now().getTime()
	);
	if (!allowed) {
		deps.log.warn('console.rate_limited', { agentId: agent.id });
		throw new DomainError('RATE_LIMITED');
	}
	const id = consoleSessionId(deps.config.AGENT_JWT_SECRET, user.userId, input.requestId);
	const ahead = await deps.db
		.select({ id: sessions.id })
		.from(sessions)
		.where(
			and(
				eq(sessions.agentId, agent.id),
				inArray(sessions.status, ['queued', 'running']),
				ne(sessions.id, id)
			)
		);
	const session = await createSession(deps, {
		id,
		accountId: user.userId,
		agentId: agent.id,
		prompt: input.prompt,
		startedBy: {
			telegramUserId: person.telegramUserId,
			name: person.username ? `@${person.username}` : person.firstName
		},
		chatId: null,
		messageId: null,
		continueSessionId: null
	});
	return { sessionId: session.id, ahead: ahead.length, agentOnline: agent.status === 'online' };
}

/** As the chat's Abort: a queued session ends here, a running one is stopped by its agent. */
export async function abortConsoleSession(
	deps: SessionDeps,
	user: UserIdentity,
	sessionId: string
): Promise<void> {
	const outcome = await abortSession(deps, user.userId, sessionId);
	if (outcome === 'not-found') throw new DomainError('SESSION_NOT_FOUND');
	if (outcome !== 'ended') deps.log.info('console.abort', { sessionId });
}
