/**
 * Answers to approval requests: a tap on Allow once / Allow for this task / Always allow / Deny,
 * or a reply to the request's message, which denies with the reply as the reason for the model.
 * Strangers never get here (the authorisation gate drops their updates silently).
 */
import { Composer } from 'grammy';
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

approvalsFeature.on('message:text', async (ctx, next) => {
	const replyTo = ctx.message.reply_to_message;
	if (!replyTo || ctx.message.text.startsWith('/')) return next();
	const token = await tokenOfMessage(ctx.deps, ctx.chat.id, replyTo.message_id);
	if (!token) return next();
	const reason = ctx.message.text.trim().slice(0, 2000);
	const outcome = await answerApproval(ctx.deps, token, senderOf(ctx), 'deny', reason || null);
	await ctx.reply(outcomeText(outcome, 'deny'), {
		reply_parameters: { message_id: ctx.message.message_id, allow_sending_without_reply: true }
	});
});
