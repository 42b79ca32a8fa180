import type { RequestHandler } from './$types';
import { loadConfig } from '$lib/server/config';
import { getBot } from '$lib/server/telegram/instance';
import { handleWebhook } from '$lib/server/telegram/webhook';

export const POST: RequestHandler = async ({ request }) =>
	handleWebhook(request, { secret: loadConfig().TELEGRAM_WEBHOOK_SECRET, bot: getBot });
