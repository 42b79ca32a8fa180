/**
 * Long polling for installs without a public URL: the same gateway (shape, idempotency) and
 * the same bot (authorisation gate, rate limit, features) as the webhook. Like the webhook's
 * 503, an update that fails (Redis or the database down) is not skipped: the offset stays on
 * it and it is tried again with backoff, before any later update. Only an update that keeps
 * failing for about ten minutes is given up, with an error in the log, so one poisoned update
 * cannot stop the bot for good.
 */
import type { ConfiguredBot } from './setup.ts';
import { processUpdate } from './gateway.ts';
import { describeError } from './notifier.ts';

export interface PollingOptions {
	/** Attempts of one failing update before it is given up (default 25: ~10 minutes). */
	maxAttempts?: number;
	/** Backoff after the n-th failure (default 1 s doubling, at most 30 s). */
	backoffMs?: (failures: number) => number;
}

const defaultBackoff = (failures: number) => Math.min(30_000, 1_000 * 2 ** (failures - 1));

export function startPolling(
	configured: ConfiguredBot,
	opts: PollingOptions = {}
): { stop(): Promise<void> } {
	const { bot, deps } = configured;
	const maxAttempts = opts.maxAttempts ?? 25;
	const backoff = opts.backoffMs ?? defaultBackoff;
	const controller = new AbortController();
	const pause = (ms: number) =>
		new Promise<void>((resolve) => {
			const timer = setTimeout(resolve, ms);
			controller.signal.addEventListener('abort', () => (clearTimeout(timer), resolve()), {
				once: true
			});
		});

	const loop = (async () => {
		// getUpdates is refused while a webhook is set.
		await bot.api.deleteWebhook({ drop_pending_updates: false });
		let offset = 0;
		let failures = 0;
		while (!controller.signal.aborted) {
			let updates;
			try {
				// grammY types its signal parameter with the abort-controller polyfill; the runtime takes the platform one.
				const signal = controller.signal as Parameters<typeof bot.api.getUpdates>[1];
				updates = await bot.api.getUpdates({ offset, timeout: failures ? 0 : 25 }, signal);
			} catch (error) {
				if (controller.signal.aborted) break;
				deps.log.warn('telegram.polling_failed', { error: describeError(error) });
				await pause(3_000);
				continue;
			}
			for (const update of updates) {
				try {
					const outcome = await processUpdate(deps, bot, update);
					// Claimed by a process that died: wait for the claim to lapse.
					if (outcome === 'busy') throw new Error('busy');
				} catch {
					// Logged by the gateway. Stay on this update; ask Telegram for it again.
					failures++;
					if (failures < maxAttempts) {
						await pause(backoff(failures));
						break;
					}
					deps.log.error('telegram.update_given_up', {
						updateId: update.update_id,
						attempts: failures
					});
				}
				failures = 0;
				offset = update.update_id + 1;
			}
		}
	})();
	return {
		async stop() {
			controller.abort();
			await loop.catch(() => {});
		}
	};
}
