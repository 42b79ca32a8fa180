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

export interface SweepOptions {
	/**
	 * Run the database-only housekeeping (trial reminders, expired codes and web sessions, agents
	 * the database has online without presence, prompts that waited too long) at most this often
	 * across all instances, so an idle relay leaves the database alone and a Neon compute can
	 * scale to zero. Prompts waiting in Redis and agents that just went offline are handled on
	 * every run regardless. Absent: everything, every run (tests, a manual sweep).
	 */
	databaseEveryMs?: number;
}

/** Production's `databaseEveryMs` (the cron endpoint and `pnpm start`'s timer). */
export const SWEEP_DATABASE_EVERY_MS = 10 * 60_000;

export async function runSweep(relay: Relay, opts: SweepOptions = {}): Promise<SweepReport> {
	const database =
		opts.databaseEveryMs === undefined ||
		(await relay.redis.set(DATABASE_GATE_KEY, '1', { nx: true, px: opts.databaseEveryMs })) ===
			'OK';
	try {
		const wentOffline = await sweepPresence(relay, { orphans: database });
		const strandedTasks =
			database || wentOffline > 0 ? await failSessionsOfOfflineAgents(relay) : 0;
		const expiredPrompts =
			database || (await relay.queue.activeAgents()).length > 0
				? await sweepExpiredCommands(relay)
				: 0;
		const owedNotices = await sendOwedNotices(relay);
		const trialReminders = database ? await sendTrialReminders(relay) : 0;
		if (database) {
			await deleteExpiredPairingCodes(relay);
			await deleteExpiredWebSessions(relay);
		}
		return { wentOffline, expiredPrompts, strandedTasks, owedNotices, trialReminders };
	} catch (error) {
		// The housekeeping did not happen: the next run, on any instance, does it.
		if (database && opts.databaseEveryMs !== undefined) {
			await relay.redis.del(DATABASE_GATE_KEY).catch(() => {});
		}
		throw error;
	}
}

const DATABASE_GATE_KEY = 'sweep:database';
