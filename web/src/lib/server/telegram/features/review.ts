/**
 * Review and undo from the chat: `/diff` shows the change summary and diff of the active agent's
 * last task again; `/undo` asks for a confirmation, and its button (bound to a one-hour request
 * of this person, single-use) tells the agent to put the files the task changed back.
 */
import { Composer, type Context } from 'grammy';
import { activeAgentOf } from '../agents-of.ts';
import type { BotContext } from '../context.ts';
import { claimReviewRequest, createReviewRequest, reviewRequest } from '../../review/requests.ts';

export const reviewFeature = new Composer<BotContext>();

reviewFeature.command('diff', async (ctx) => {
	const target = await activeAgentOf(ctx.deps, ctx.sender);
	if (!target || !ctx.chat) return void (await ctx.reply('No agent is paired yet.'));
	const requestId = await createReviewRequest(ctx.deps, {
		agentId: target.agent.id,
		accountId: target.agent.ownerId,
		action: 'diff',
		chatId: ctx.chat.id,
		telegramUserId: ctx.sender.telegramUserId,
		replyTo: ctx.message?.message_id ?? null
	});
	await ctx.deps.queue.enqueue(target.agent.id, { type: 'review', requestId, action: 'diff' });
	if (target.agent.status !== 'online') {
		await ctx.reply(`○ ${target.agent.name} is offline: it will answer when it comes back.`);
	}
});

reviewFeature.command('undo', async (ctx) => {
	const target = await activeAgentOf(ctx.deps, ctx.sender);
	if (!target || !ctx.chat) return void (await ctx.reply('No agent is paired yet.'));
	const requestId = await createReviewRequest(ctx.deps, {
		agentId: target.agent.id,
		accountId: target.agent.ownerId,
		action: 'undo',
		chatId: ctx.chat.id,
		telegramUserId: ctx.sender.telegramUserId,
		replyTo: ctx.message?.message_id ?? null
	});
	await ctx.reply(
		`Put the files changed by the last task on ${target.agent.name} back as they were before it? ` +
			'Files changed again since then are left alone.',
		{
			reply_markup: {
				inline_keyboard: [
					[
						{ text: '↩ Undo', callback_data: `undo:${requestId}` },
						{ text: 'Cancel', callback_data: `undo-no:${requestId}` }
					]
				]
			}
		}
	);
});

reviewFeature.callbackQuery(/^undo(-no)?:(rvw_[0-9a-z]+)$/, async (ctx) => {
	const cancel = ctx.match[1] !== undefined;
	const requestId = ctx.match[2] ?? '';
	const request = await reviewRequest(ctx.deps, requestId);
	const accounts = ctx.sender.authorizations.map((a) => a.accountId);
	if (!request || request.action !== 'undo' || !accounts.includes(request.accountId)) {
		return void (await ctx.answerCallbackQuery({ text: 'This request expired.' }));
	}
	if (request.telegramUserId !== ctx.sender.telegramUserId) {
		return void (await ctx.answerCallbackQuery({ text: 'Only the person who asked can answer.' }));
	}
	if (!(await claimReviewRequest(ctx.deps, requestId))) {
		return void (await ctx.answerCallbackQuery({ text: 'Already answered.' }));
	}
	await ctx.answerCallbackQuery();
	if (!cancel) {
		await ctx.deps.queue.enqueue(request.agentId, { type: 'review', requestId, action: 'undo' });
	}
	await editPrompt(ctx, cancel ? 'Undo cancelled.' : '↩ Undoing the last task…');
});

async function editPrompt(ctx: Context, text: string): Promise<void> {
	await ctx.editMessageText(text, { reply_markup: { inline_keyboard: [] } }).catch(() => {});
}
