/**
 * Long polling for installs without a public URL: the same gateway (rate limit, idempotency)
 * and the same bot (authorisation gate, features) as the webhook.
 */
import type { ConfiguredBot } from './setup.ts';
import { processUpdate } from './gateway.ts';
import { describeError } from './notifier.ts';

export function startPolling(configured: ConfiguredBot): { stop(): Promise<void> } {
	const { bot, deps } = configured;
	const controller = new AbortController();
	const loop = (async () => {
		// getUpdates is refused while a webhook is set.
		await bot.api.deleteWebhook({ drop_pending_updates: false });
		let offset = 0;
		while (!controller.signal.aborted) {
			try {
				// grammY types its signal parameter with the abort-controller polyfill; the runtime takes the platform one.
				const signal = controller.signal as Parameters<typeof bot.api.getUpdates>[1];
				const updates = await bot.api.getUpdates({ offset, timeout: 25 }, signal);
				for (const update of updates) {
					offset = update.update_id + 1;
					await processUpdate(deps, bot, update).catch(() => {
						// Logged by the gateway; polling has no redelivery, so move on.
					});
				}
			} catch (error) {
				if (controller.signal.aborted) break;
				deps.log.warn('telegram.polling_failed', { error: describeError(error) });
				await new Promise((resolve) => setTimeout(resolve, 3_000));
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
