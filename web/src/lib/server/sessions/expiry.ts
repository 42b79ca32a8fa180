/**
 * Prompts for an offline agent wait in its queue for a configurable time (default 10 minutes).
 * When one expires it is removed, its session marked expired, and the user told it was not run.
 * Runs from the cron sweep and whenever a subscription skips an expired command.
 */
import { eq } from 'drizzle-orm';
import { sessions } from '../db/schema/index.ts';
import type { QueuedCommand } from '../relay/command-queue.ts';
import { endSession, type SessionDeps } from './sessions.ts';

async function expireCommand(deps: SessionDeps, entry: QueuedCommand): Promise<void> {
	if (entry.command.type !== 'prompt') return;
	const [session] = await deps.db
		.select()
		.from(sessions)
		.where(eq(sessions.id, entry.command.sessionId));
	if (session) await endSession(deps, session, 'expired', 'the agent stayed offline', null);
}

/**
 * Whether a queued command should still reach the agent: prompts that waited too long expire
 * (the user is told), prompts aborted before delivery are dropped. Removing the entry is the
 * lock that makes exactly one caller report it.
 */
export async function admitCommand(
	deps: SessionDeps,
	agentId: string,
	entry: QueuedCommand
): Promise<boolean> {
	if (entry.command.type !== 'prompt') return true;
	if (entry.command.expiresAt < deps.now().getTime()) {
		if (await deps.queue.remove(agentId, entry.id)) await expireCommand(deps, entry);
		return false;
	}
	const [session] = await deps.db
		.select({ status: sessions.status })
		.from(sessions)
		.where(eq(sessions.id, entry.command.sessionId));
	if (session?.status === 'queued') return true;
	await deps.queue.remove(agentId, entry.id);
	return false;
}

/** Walk every agent queue and expire what waited too long. Returns how many expired. */
export async function sweepExpiredCommands(deps: SessionDeps): Promise<number> {
	let expired = 0;
	const now = deps.now().getTime();
	for (const agentId of await deps.queue.activeAgents()) {
		for (const entry of await deps.queue.read(agentId, null, 1000)) {
			if (entry.command.type !== 'prompt' || entry.command.expiresAt >= now) continue;
			// Removing is the lock: a subscription skipping the same entry will not report it again.
			if (await deps.queue.remove(agentId, entry.id)) {
				await expireCommand(deps, entry);
				expired++;
			}
		}
		await deps.queue.forgetIfEmpty(agentId);
	}
	return expired;
}
