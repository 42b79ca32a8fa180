/**
 * Periodic work: presence (offline alerts), expiry of prompts that waited too long for an
 * offline agent, and housekeeping. Hosted: the cron endpoint; `pnpm start`: a timer. Every step
 * is safe to run concurrently on several instances (conditional updates, queue removal as lock).
 */
import { sweepPresence } from './agents/agents.ts';
import { deleteExpiredWebSessions } from './auth/web-session.ts';
import { deleteExpiredPairingCodes } from './pairing/pairing.ts';
import type { Relay } from './relay.ts';
import { sweepExpiredCommands } from './sessions/expiry.ts';
import { failSessionsOfOfflineAgents, sendOwedNotices } from './sessions/sessions.ts';

export interface SweepReport {
	wentOffline: number;
	expiredPrompts: number;
	/** Running tasks failed because their agent went offline. */
	strandedTasks: number;
	/** End notices sent for a process that died before sending them. */
	owedNotices: number;
}

export async function runSweep(relay: Relay): Promise<SweepReport> {
	const wentOffline = await sweepPresence(relay);
	const strandedTasks = await failSessionsOfOfflineAgents(relay);
	const expiredPrompts = await sweepExpiredCommands(relay);
	const owedNotices = await sendOwedNotices(relay);
	await deleteExpiredPairingCodes(relay);
	await deleteExpiredWebSessions(relay);
	return { wentOffline, expiredPrompts, strandedTasks, owedNotices };
}
