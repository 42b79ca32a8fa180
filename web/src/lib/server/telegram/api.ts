/**
 * The outgoing Bot API client: grammY's `Api` with its retry and throttling plugins, so a 429 is
 * waited out (`retry_after`) instead of dropped and bursts stay inside Telegram's limits.
 */
import { apiThrottler } from '@grammyjs/transformer-throttler';
import { autoRetry } from '@grammyjs/auto-retry';
import { Api } from 'grammy';

export function createTelegramApi(token: string, apiRoot: string): Api {
	const api = new Api(token, { apiRoot });
	api.config.use(autoRetry({ maxRetryAttempts: 5, maxDelaySeconds: 60 }));
	api.config.use(apiThrottler());
	return api;
}
