import { Composer, InlineKeyboard } from 'grammy';
import { setActiveAgent } from '../../accounts/accounts.ts';
import { activeAgentOf, agentsOfSender, ago } from '../agents-of.ts';
import type { BotContext } from '../context.ts';

/** `/agents` (status list) and `/projects` (choose the active agent). */
export const agentsFeature = new Composer<BotContext>();

agentsFeature.command('agents', async (ctx) => {
	const all = await agentsOfSender(ctx.deps, ctx.sender);
	if (all.length === 0) {
		await ctx.reply('No agents yet. Pair one from the dashboard (Add agent).');
		return;
	}
	const active = await activeAgentOf(ctx.deps, ctx.sender);
	const now = ctx.deps.now();
	const lines = all.map((agent) => {
		const dot = agent.status === 'online' ? '●' : '○';
		const state =
			agent.status === 'online' ? 'online' : `offline, last seen ${ago(agent.lastSeenAt, now)}`;
		const mark = active?.agent.id === agent.id ? ' ← active' : '';
		return `${dot} ${agent.name} (${agent.runner}) — ${state}${mark}`;
	});
	await ctx.reply(lines.join('\n'));
});

agentsFeature.command('projects', async (ctx) => {
	const all = await agentsOfSender(ctx.deps, ctx.sender);
	if (all.length === 0) {
		await ctx.reply('No agents yet. Pair one from the dashboard (Add agent).');
		return;
	}
	const active = await activeAgentOf(ctx.deps, ctx.sender);
	const keyboard = new InlineKeyboard();
	for (const agent of all) {
		const mark = active?.agent.id === agent.id ? '✓ ' : '';
		keyboard
			.text(`${mark}${agent.status === 'online' ? '●' : '○'} ${agent.name}`, `use:${agent.id}`)
			.row();
	}
	await ctx.reply('Choose the agent your prompts go to:', { reply_markup: keyboard });
});

agentsFeature.callbackQuery(/^use:(.+)$/, async (ctx) => {
	const agentId = ctx.match[1] ?? '';
	const all = await agentsOfSender(ctx.deps, ctx.sender);
	const agent = all.find((a) => a.id === agentId);
	const authorization = ctx.sender.authorizations.find((a) => a.accountId === agent?.ownerId);
	if (!agent || !authorization) {
		await ctx.answerCallbackQuery({ text: 'That agent is gone.' });
		return;
	}
	// One active agent per person: clear the choice in their other accounts.
	for (const other of ctx.sender.authorizations) {
		await setActiveAgent(ctx.deps, other.id, other.id === authorization.id ? agent.id : null);
	}
	await ctx.answerCallbackQuery({ text: `Prompts now go to ${agent.name}` });
	await ctx.editMessageText(`Active agent: ${agent.name}`);
});
