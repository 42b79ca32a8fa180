import { Composer } from 'grammy';
import { INVITE_PREFIX, joinWithInvite } from '../../team/team.ts';
import { userById } from '../../accounts/accounts.ts';
import type { BotContext } from '../context.ts';

const REASONS = {
	unknown: 'This invite link is not valid. Ask for a new one.',
	expired: 'This invite link has expired. Ask for a new one.',
	used: 'This invite link was already used. Ask for a new one.',
	limit:
		'This team is full on its current plan. Ask its owner to upgrade, then open the link again.'
} as const;

/**
 * `/start join_<code>` from a team invite link. Runs before the authorisation gate: accepting an
 * invite is how a Telegram user becomes authorised.
 */
export const joinFeature = new Composer<BotContext>();

joinFeature.command('start', async (ctx, next) => {
	const payload = ctx.match.trim();
	if (!payload.startsWith(INVITE_PREFIX) || !ctx.from) return next();
	const result = await joinWithInvite(ctx.deps, payload.slice(INVITE_PREFIX.length), {
		id: ctx.from.id,
		firstName: ctx.from.first_name,
		username: ctx.from.username ?? null
	});
	if (!result.ok) {
		await ctx.reply(REASONS[result.reason]);
		return;
	}
	const owner = await userById(ctx.deps, result.accountId);
	const whose = owner ? `${owner.firstName}’s` : 'the';
	await ctx.reply(
		result.alreadyMember
			? `You are already in ${whose} team.`
			: `Welcome to ${whose} team. Send any text to give your first prompt; /agents lists the agents.`
	);
});
