/**
 * A prompt waits at most `OFFLINE_QUEUE_MS` (default 10 minutes) to be started, whether its
 * agent is offline or busy with earlier tasks. Then its session is ended as expired and the
 * sender told it was not run. The database decides (a `queued` session older than the window),
 * so this holds even when the Redis entry is gone; the cron sweep and the agent's subscription
 * (skipping an expired entry) both do it, and the conditional update in `endSession` makes
 * exactly one of them tell the user.
 */
import { and, eq, lt } from 'drizzle-orm';
import { sessions } from '../db/schema/index.ts';
import { formatDuration } from './format.ts';
import type { QueuedCommand } from '../relay/command-queue.ts';
import { endSession, type SessionDeps } from './sessions.ts';

function expiryReason(deps: SessionDeps): string {
	return `no agent took it within ${formatDuration(deps.config.OFFLINE_QUEUE_MS)}`;
}

async function expireSession(deps: SessionDeps, sessionId: string): Promise<boolean> {
	const [session] = await deps.db.select().from(sessions).where(eq(sessions.id, sessionId));
	if (!session) return false;
	return endSession(deps, session, 'expired', expiryReason(deps), null);
}

/**
 * Whether a queued command should still reach the agent: prompts that waited too long expire
 * (the user is told), prompts whose session is no longer queued (aborted, started by an
 * earlier connection) are dropped from the queue. A prompt `pushed` the moment it was queued is
 * not looked up: its session was queued a moment ago, and `session.start` refuses it anyway if
 * that changed in between.
 */
export async function admitCommand(
	deps: SessionDeps,
	agentId: string,
	entry: QueuedCommand,
	pushed = false
): Promise<boolean> {
	if (entry.command.type !== 'prompt') return true;
	if (entry.command.expiresAt < deps.now().getTime()) {
		await expireSession(deps, entry.command.sessionId);
		await deps.queue.remove(agentId, entry.id);
		return false;
	}
	if (pushed) return true;
	const [session] = await deps.db
		.select({ status: sessions.status })
		.from(sessions)
		.where(eq(sessions.id, entry.command.sessionId));
	if (session?.status === 'queued') return true;
	await deps.queue.remove(agentId, entry.id);
	return false;
}

/**
 * Expire every session that has been queued longer than the window, and forget agent queues
 * that are empty. Returns how many sessions expired (and were told).
 */
export async function sweepExpiredCommands(deps: SessionDeps): Promise<number> {
	const cutoff = new Date(deps.now().getTime() - deps.config.OFFLINE_QUEUE_MS);
	const stale = await deps.db
		.select()
		.from(sessions)
		.where(and(eq(sessions.status, 'queued'), lt(sessions.queuedAt, cutoff)));
	let expired = 0;
	for (const session of stale) {
		if (await endSession(deps, session, 'expired', expiryReason(deps), null)) expired++;
	}
	for (const agentId of await deps.queue.activeAgents()) await deps.queue.forgetIfEmpty(agentId);
	return expired;
}
