/**
 * Stopping a session from the dashboard, as the bot's `abort` word and button do from Telegram
 * (telegram/features/tasks.ts): a queued session ends here at once (the agent skips prompts
 * whose session is no longer queued); a running one gets an `abort` command on its agent's queue
 * and ends when the agent reports it stopped.
 */
import { and, eq } from 'drizzle-orm';
import { sessions, type Session } from '../db/schema/index.ts';
import { endSession, type SessionDeps } from './sessions.ts';

export type AbortOutcome = 'stopping' | 'aborted' | 'ended' | 'not-found';

export async function abortSession(
	deps: SessionDeps,
	accountId: string,
	sessionId: string
): Promise<AbortOutcome> {
	// Scoped by account: another account's session id is indistinguishable from an unknown one.
	const [session] = await deps.db
		.select()
		.from(sessions)
		.where(and(eq(sessions.id, sessionId), eq(sessions.accountId, accountId)));
	if (!session) return 'not-found';
	return stopSession(deps, session);
}

/** Stop a session the caller may stop (the dashboard, the console, the bot's Abort). */
export async function stopSession(
	deps: SessionDeps,
	session: Session
): Promise<Exclude<AbortOutcome, 'not-found'>> {
	if (session.status !== 'queued' && session.status !== 'running') return 'ended';
	// Not started: end it here. The agent skips prompts whose session is no longer queued.
	if (session.status === 'queued') await endSession(deps, session, 'aborted', null, null);
	await deps.queue.enqueue(session.agentId, { type: 'abort', sessionId: session.id });
	return session.status === 'queued' ? 'aborted' : 'stopping';
}
