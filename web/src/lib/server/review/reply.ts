/** `review.reply`: the agent's change summary or review answer, sent to the chat as a new message. */
import type { AgentIdentity } from '@remoteagent/shared/api';
import type { ReviewReplyInput } from '@remoteagent/shared';
import type { SessionDeps } from '../sessions/sessions.ts';
import { destinationOf } from './destination.ts';

export async function reviewReply(
	deps: SessionDeps,
	agent: AgentIdentity,
	input: ReviewReplyInput
): Promise<void> {
	const to = await destinationOf(deps, agent, input);
	if (!to) return;
	await deps.notifier.send(to.chatId, input.text, { replyTo: to.replyTo });
}
