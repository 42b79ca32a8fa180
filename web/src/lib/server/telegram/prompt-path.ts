/**
 * The hot path: a plain-text prompt from an authorised sender to an agent that can take it. It
 * costs three round trips before the agent has the command — the update claim with the rate limit
 * (one Redis script, gateway.ts), the intake (one SQL statement: sessions/intake.ts) and the
 * enqueue, which appends the command to the agent's stream and publishes it whole (one Redis
 * script) — and only then the Bot API reply and the bookkeeping (one pipeline). Anything else
 * (commands, replies, files, abort, continue, a stranger, no agent, a plan that refuses) goes
 * through the bot's full path, which answers it with the same rules.
 */
import type { Api } from 'grammy';
import type { Update } from 'grammy/types';
import { newId } from '../db/ids.ts';
import { abortKeyboard, enqueuePrompt } from '../sessions/sessions.ts';
import { intakePrompt } from '../sessions/intake.ts';
import type { BotDeps } from './context.ts';
import { abortMessageKey, promptReceipt, startedKey, STARTED_TTL_S } from './receipt.ts';
import { updateKey } from './update-claim.ts';

/** Words the tasks feature answers itself (features/tasks.ts). */
const SPECIAL = /^\s*(abort|stop|cancel|continue\b)/i;

export interface PlainPrompt {
	text: string;
	telegramUserId: number;
	name: string;
	chatId: number;
	messageId: number;
}

/** The prompt of an update that may take the hot path, or null. */
export function plainPrompt(update: Update): PlainPrompt | null {
	const message = update.message;
	if (!message || message.text === undefined || !message.from || message.from.is_bot) return null;
	if (message.text.startsWith('/') || message.reply_to_message || SPECIAL.test(message.text)) {
		return null;
	}
	const from = message.from;
	return {
		text: message.text,
		telegramUserId: from.id,
		name: from.username ? `@${from.username}` : from.first_name,
		chatId: message.chat.id,
		messageId: message.message_id
	};
}

export type PromptOutcome =
	/** Queued, pushed, answered, and the update marked done. */
	| 'relayed'
	| 'unauthorised'
	/** The full path must answer it. */
	| 'elsewhere';

export async function relayPrompt(
	deps: BotDeps,
	api: Api,
	updateId: number,
	prompt: PlainPrompt,
	doneTtlS: number
): Promise<PromptOutcome> {
	const intake = await intakePrompt(deps, {
		sessionId: newId('ses'),
		telegramUserId: prompt.telegramUserId,
		startedByName: prompt.name,
		chatId: prompt.chatId,
		messageId: prompt.messageId,
		prompt: prompt.text
	});
	if (intake.kind !== 'queued') return intake.kind;
	const { session, agent } = intake;
	if (session.status === 'queued') {
		await enqueuePrompt(deps, { ...session, agentId: agent.id }, intake.inserted, {
			prompt: prompt.text,
			continueSessionId: null,
			startedBy: { telegramUserId: prompt.telegramUserId, name: prompt.name }
		});
	}
	const receipt = promptReceipt({
		agentName: agent.name,
		online: agent.online,
		lastSeenAt: agent.lastSeenAt,
		ahead: intake.ahead,
		runningOther: intake.runningOther,
		now: deps.now(),
		offlineQueueMs: deps.config.OFFLINE_QUEUE_MS
	});
	const message = await api.sendMessage(prompt.chatId, receipt.text, {
		reply_markup: abortKeyboard(session.id),
		reply_parameters: { message_id: prompt.messageId, allow_sending_without_reply: true }
	});
	const bookkeeping = deps.redis.pipeline();
	if (receipt.working) {
		bookkeeping
			.set(startedKey(session.id), '1', { ex: STARTED_TTL_S })
			.set(abortMessageKey(session.id), message.message_id, { ex: STARTED_TTL_S });
	}
	await bookkeeping.set(updateKey(updateId), 'done', { ex: doneTtlS }).exec();
	return 'relayed';
}
