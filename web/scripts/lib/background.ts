/**
 * What the hosted service gets from its platform and `pnpm start` runs itself: the periodic
 * sweep (Vercel cron there) and, without a public https URL, Telegram long polling.
 */
import type { Relay } from '../../src/lib/server/relay.ts';
import { runSweep, SWEEP_DATABASE_EVERY_MS } from '../../src/lib/server/sweep.ts';
import { describeError } from '../../src/lib/server/telegram/notifier.ts';
import { startPolling } from '../../src/lib/server/telegram/polling.ts';
import { setUpBot } from '../../src/lib/server/telegram/setup.ts';

export interface Stoppable {
	stop(): Promise<void>;
}

export const SWEEP_EVERY_MS = 15_000;

/** Runs the sweep every `everyMs`; a failure is logged and the next run tries again. */
export function startSweepTimer(relay: Relay, everyMs = SWEEP_EVERY_MS): Stoppable {
	let current: Promise<void> | undefined;
	const tick = () => {
		if (current) return; // the previous run is still going
		current = runSweep(relay, { databaseEveryMs: SWEEP_DATABASE_EVERY_MS })
			.then((report) => {
				if (Object.values(report).some((n) => n > 0)) relay.log.info('sweep', { ...report });
			})
			.catch((error: unknown) => relay.log.warn('sweep.failed', { error: summary(error) }))
			.finally(() => (current = undefined));
	};
	const timer = setInterval(tick, everyMs);
	return {
		async stop() {
			clearInterval(timer);
			await current;
		}
	};
}

/**
 * Long polling. Reading the bot's info needs Telegram; when it is unreachable, retry in the
 * background instead of refusing to start the rest.
 */
export function startLongPolling(relay: Relay, retryMs = 30_000): Stoppable {
	let stopped = false;
	let polling: Stoppable | undefined;
	let retry: ReturnType<typeof setTimeout> | undefined;
	const attempt = async () => {
		try {
			const bot = await setUpBot(relay);
			if (bot && !stopped) polling = startPolling(bot);
		} catch (error) {
			relay.log.warn('telegram.setup_failed', { error: describeError(error) });
			if (!stopped) retry = setTimeout(() => void attempt(), retryMs);
		}
	};
	void attempt();
	return {
		async stop() {
			// A getMe still in flight is not awaited (it can take long offline); it starts nothing.
			stopped = true;
			clearTimeout(retry);
			await polling?.stop();
		}
	};
}

/** Name and the first line of the message (a failed query puts its parameters on later lines). */
function summary(error: unknown): string {
	const first = error instanceof Error ? (error.message.split('\n')[0] ?? '').slice(0, 160) : '';
	return first ? `${describeError(error)}: ${first}` : describeError(error);
}
