/**
 * Periodic work: presence (offline alerts), expiry of prompts that waited too long for an
 * offline agent, trial reminders, and housekeeping. Hosted: the cron endpoint; `pnpm start`: a
 * timer. Every step is safe to run concurrently on several instances (conditional updates,
 * queue removal as lock).
 */
import { sweepPresence } from './agents/agents.ts';
import { deleteExpiredWebSessions } from './auth/web-session.ts';
import { sendTrialReminders } from './billing/reminders.ts';
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
	/** Trial reminders sent (3 days, 1 day before the end, at the end; once each per account). */
	trialReminders: number;
}

export async function runSweep(relay: Relay): Promise<SweepReport> {
	const wentOffline = await sweepPresence(relay);
	const strandedTasks = await failSessionsOfOfflineAgents(relay);
	const expiredPrompts = await sweepExpiredCommands(relay);
	const owedNotices = await sendOwedNotices(relay);
	const trialReminders = await sendTrialReminders(relay);
	await deleteExpiredPairingCodes(relay);
	await deleteExpiredWebSessions(relay);
	return { wentOffline, expiredPrompts, strandedTasks, owedNotices, trialReminders };
}
