/**
 * Rate limits of the bot. Authorised senders: `TELEGRAM_RATE_PER_MINUTE` in Redis, shared by
 * every instance, counted with the update's claim and acted on after the authorisation gate
 * (a stranger's count is taken back, see update-claim.ts);
 * a sender over the limit is told once per window when to try again, never silently dropped.
 * Sign-up commands (/login, invite links) run before the gate: they are limited in this
 * process's memory, which keeps nothing about strangers beyond a minute.
 */
import type { Middleware } from 'grammy';
import type { BotContext } from './context.ts';
import { claimOf } from './gateway.ts';

export const authorisedSenderLimit: Middleware<BotContext> = async (ctx, next) => {
	const sender = ctx.sender.telegramUserId;
	// Counted with the update's claim (gateway.ts); sign-up commands are not counted.
	const claim = claimOf(ctx.update);
	if (!claim || claim.allowed) return next();
	ctx.deps.log.warn('telegram.rate_limited', { updateId: ctx.update.update_id });
	const waitMs = Math.max(1_000, claim.retryInMs);
	const seconds = Math.ceil(waitMs / 1_000);
	const text = `🐢 Slow down: at most ${ctx.deps.config.TELEGRAM_RATE_PER_MINUTE} messages a minute. That one was not sent to your agent: try again in ${seconds} s.`;
	if (ctx.callbackQuery) {
		await ctx.answerCallbackQuery({ text: `Slow down: try again in ${seconds} s.` });
		return;
	}
	const first = await ctx.deps.redis.set(`rl:told:${sender}`, 1, { nx: true, px: waitMs });
	if (first === 'OK') await ctx.reply(text);
};

/** A fixed-window counter per key, in memory, that forgets each window as it ends. */
export class MemoryLimit {
	#window = 0;
	#counts = new Map<number, number>();

	constructor(
		private readonly perWindow: number,
		private readonly windowMs: number,
		private readonly now: () => number = Date.now
	) {}

	/** Counts one hit for `key`; false once `key` is over the limit in this window. */
	take(key: number): boolean {
		const window = Math.floor(this.now() / this.windowMs);
		if (window !== this.#window) {
			this.#window = window;
			this.#counts.clear();
		}
		const count = (this.#counts.get(key) ?? 0) + 1;
		this.#counts.set(key, count);
		return count <= this.perWindow;
	}
}

const SIGN_UP = /^\/(login|start)(@\w+)?(\s|$)/;

/** Sign-up commands from one Telegram user: 5 a minute per process; the rest get silence. */
export function signUpLimit(limit = new MemoryLimit(5, 60_000)): Middleware<BotContext> {
	return async (ctx, next) => {
		const text = ctx.message?.text;
		if (text === undefined || !SIGN_UP.test(text) || !ctx.from) return next();
		if (!limit.take(ctx.from.id)) {
			ctx.deps.log.info('telegram.sign_up_limited', { updateId: ctx.update.update_id });
			return;
		}
		return next();
	};
}
