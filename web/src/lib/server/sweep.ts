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

export interface SweepReport {
	wentOffline: number;
	expiredPrompts: number;
}

export async function runSweep(relay: Relay): Promise<SweepReport> {
	const wentOffline = await sweepPresence(relay);
	const expiredPrompts = await sweepExpiredCommands(relay);
	await deleteExpiredPairingCodes(relay);
	await deleteExpiredWebSessions(relay);
	return { wentOffline, expiredPrompts };
}
