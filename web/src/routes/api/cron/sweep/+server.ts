import type { RequestHandler } from './$types';
import { getRelay } from '$lib/server/instance';
import { handleCron } from '$lib/server/cron';

const sweep: RequestHandler = async ({ request }) => handleCron(request, (await getRelay()).relay);

export const GET = sweep;
export const POST = sweep;
