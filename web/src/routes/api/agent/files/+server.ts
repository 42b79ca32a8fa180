import type { RequestHandler } from './$types';
import { getRelay } from '$lib/server/instance';
import { handleAgentFiles } from '$lib/server/review/files-endpoint';

const handle: RequestHandler = async ({ request }) => handleAgentFiles(request, await getRelay());

export const GET = handle;
export const POST = handle;
