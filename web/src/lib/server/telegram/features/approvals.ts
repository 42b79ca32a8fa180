/**
 * Answers to approval requests: a tap on Allow once / Allow for this task / Always allow / Deny,
 * or a reply to the request's message, which denies with the reply as the reason for the model.
 * Strangers never get here (the authorisation gate drops their updates silently).
 */
import { Composer } from 'grammy';
import type { Message } from 'grammy/types';
import type { ApprovalDecision } from '@remoteagent/shared';
import { answerApproval, tokenOfMessage, type AnswerOutcome } from '../../approvals/approvals.ts';
import { APPROVAL_CALLBACK, CHOICE_LETTERS } from '../../approvals/message.ts';
import type { BotContext } from '../context.ts';

export const approvalsFeature = new Composer<BotContext>();

const ANSWERED: Record<ApprovalDecision, string> = {
	'allow-once': 'Allowed once.',
	'allow-task': 'Allowed for this task.',
	'allow-always': 'Always allowed.',
	deny: 'Denied.'
};

function outcomeText(outcome: AnswerOutcome, decision: ApprovalDecision): string {
	switch (outcome) {
		case 'answered':
			return ANSWERED[decision];
		case 'already-answered':
			return 'Already answered.';
		case 'ended':
			return 'That task already ended.';
		case 'expired':
			return 'This request has expired.';
		case 'not-yours':
			return 'Only people of this agent’s account can answer.';
	}
}

function senderOf(ctx: BotContext) {
	return {
		telegramUserId: ctx.sender.telegramUserId,
		name: ctx.sender.name,
		accountIds: ctx.sender.authorizations.map((a) => a.accountId)
	};
}

approvalsFeature.callbackQuery(APPROVAL_CALLBACK, async (ctx) => {
	const token = ctx.match[1] ?? '';
	const decision = CHOICE_LETTERS[ctx.match[2] ?? ''] ?? 'deny';
	const outcome = await answerApproval(ctx.deps, token, senderOf(ctx), decision, null);
	await ctx.answerCallbackQuery({ text: outcomeText(outcome, decision) });
});

/**
 * The request a reply answers. Telegram sends the replied message whole, buttons included, so
 * an open request's token is in them, even in the moment before the relay has recorded which
 * message it posted (a quick reply must not become a prompt). Only the bot's own messages count:
 * a message sent through some inline bot can carry any buttons. A decided request has no buttons
 * left: its message is looked up.
 */
async function tokenOfReply(
	ctx: BotContext,
	replyTo: NonNullable<Message['reply_to_message']>
): Promise<string | null> {
	const ours = replyTo.from?.id === ctx.me.id;
	for (const row of ours ? (replyTo.reply_markup?.inline_keyboard ?? []) : []) {
		for (const button of row) {
			const match = 'callback_data' in button ? APPROVAL_CALLBACK.exec(button.callback_data) : null;
			if (match?.[1]) return match[1];
		}
	}
	return tokenOfMessage(ctx.deps, ctx.chat!.id, replyTo.message_id);
}

approvalsFeature.on('message:text', async (ctx, next) => {
	const replyTo = ctx.message.reply_to_message;
	if (!replyTo || ctx.message.text.startsWith('/')) return next();
	const token = await tokenOfReply(ctx, replyTo);
	if (!token) return next();
	const reason = ctx.message.text.trim().slice(0, 2000);
	const outcome = await answerApproval(ctx.deps, token, senderOf(ctx), 'deny', reason || null);
	await ctx.reply(outcomeText(outcome, 'deny'), {
		reply_parameters: { message_id: ctx.message.message_id, allow_sending_without_reply: true }
	});
});
