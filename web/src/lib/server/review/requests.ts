/**
 * Review requests (`/diff`, `/undo`) from a chat to an agent. The relay remembers, sealed and for
 * an hour, which chat asked and on which agent, so the agent's answer (`review.reply`, or a
 * `.diff` document) goes back there; the agent only ever sees the request id.
 */
import { newId } from '../db/ids.ts';
import type { SessionDeps } from '../sessions/sessions.ts';

/** A request lives this long: an agent offline for longer answers nobody. */
const REQUEST_TTL_S = 3600;

export interface ReviewRequest {
	agentId: string;
	accountId: string;
	action: 'diff' | 'undo';
	chatId: number;
	/** Who asked: the only person whose tap confirms an undo. */
	telegramUserId: number;
	/** The message that asked, answered by the reply. */
	replyTo: number | null;
}

type RequestDeps = Pick<SessionDeps, 'redis' | 'sealer'>;

const requestKey = (requestId: string) => `review:req:${requestId}`;

export async function createReviewRequest(deps: RequestDeps, request: ReviewRequest) {
	const requestId = newId('rvw');
	const sealed = await deps.sealer.seal('review', requestId, JSON.stringify(request));
	await deps.redis.set(requestKey(requestId), sealed, { ex: REQUEST_TTL_S });
	return requestId;
}

/** The request, or null when it expired or was never made. */
export async function reviewRequest(
	deps: RequestDeps,
	requestId: string
): Promise<ReviewRequest | null> {
	const sealed = await deps.redis.get<string>(requestKey(requestId));
	if (!sealed) return null;
	return JSON.parse(await deps.sealer.open('review', requestId, sealed)) as ReviewRequest;
}

/** True for the first caller only: an undo is confirmed once, however often its button is tapped. */
export async function claimReviewRequest(deps: RequestDeps, requestId: string): Promise<boolean> {
	const claimed = await deps.redis.set(`review:claimed:${requestId}`, '1', {
		nx: true,
		ex: REQUEST_TTL_S
	});
	return claimed === 'OK';
}
