import type { RequestHandler } from './$types';
import { getBot } from '$lib/server/telegram/instance';
import { handleWebhook } from '$lib/server/telegram/webhook';

export const POST: RequestHandler = async ({ request }) => handleWebhook(request, await getBot());
