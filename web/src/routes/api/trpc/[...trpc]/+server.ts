import type { RequestHandler } from './$types';
import { getRelay } from '$lib/server/instance';
import { handleTrpc } from '$lib/server/trpc/handler';

const handle: RequestHandler = async (event) => {
	const { relay, services } = await getRelay();
	return handleTrpc(event.request, {
		services,
		user: event.locals.user ? { userId: event.locals.user.userId } : null,
		clientAddress: event.getClientAddress(),
		log: relay.log
	});
};

export const GET = handle;
export const POST = handle;
