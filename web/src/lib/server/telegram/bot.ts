/**
 * The bot, built centrally. Order matters: /login and invite links come before the authorisation
 * gate (signing in or joining a team is how a person becomes authorised), limited in memory;
 * everything after the gate only runs for authorised Telegram users — anyone else gets silence —
 * and within their rate limit. The unhandled feature goes last.
 */
import { Bot, type Middleware } from 'grammy';
import type { UserFromGetMe } from 'grammy/types';
import { authorizationsOf } from '../accounts/accounts.ts';
import type { BotContext, BotDeps } from './context.ts';
import { agentsFeature } from './features/agents.ts';
import { approvalsFeature } from './features/approvals.ts';
import { helpFeature } from './features/help.ts';
import { historyFeature } from './features/history.ts';
import { joinFeature } from './features/join.ts';
import { loginFeature } from './features/login.ts';
import { tasksFeature } from './features/tasks.ts';
import { filesFeature } from './features/files.ts';
import { reviewFeature } from './features/review.ts';
import { unhandledFeature } from './features/unhandled.ts';
import { autoRetry } from '@grammyjs/auto-retry';
import { authorisedSenderLimit, signUpLimit } from './rate-limit.ts';
import { claimOf } from './gateway.ts';

export function createBot(token: string, deps: BotDeps, botInfo: UserFromGetMe): Bot<BotContext> {
	const bot = new Bot<BotContext>(token, {
		botInfo,
		client: { apiRoot: deps.config.TELEGRAM_API_ROOT }
	});
	bot.api.config.use(autoRetry({ maxRetryAttempts: 5, maxDelaySeconds: 60 }));
	bot.use((ctx, next) => {
		ctx.deps = deps;
		return next();
	});
	bot.use(signUpLimit(), loginFeature, joinFeature);
	bot.use(authorisationGate, authorisedSenderLimit);
	bot.use(helpFeature, agentsFeature, historyFeature, approvalsFeature, tasksFeature);
	bot.use(reviewFeature, filesFeature, unhandledFeature);
	return bot;
}

const authorisationGate: Middleware<BotContext> = async (ctx, next) => {
	const from = ctx.from;
	if (!from || from.is_bot) return;
	const authorizations = await authorizationsOf(ctx.deps, from.id);
	if (authorizations.length === 0) {
		ctx.deps.log.info('telegram.unauthorised', { updateId: ctx.update.update_id });
		const claim = claimOf(ctx.update);
		if (claim) await ctx.deps.claims.forgetSender(claim);
		return;
	}
	ctx.sender = {
		telegramUserId: from.id,
		name: from.username ? `@${from.username}` : from.first_name,
		authorizations
	};
	await next();
};
