import { Composer } from 'grammy';
import { createLoginLink } from '../../auth/login-link.ts';
import type { BotContext } from '../context.ts';

/**
 * `/login`: a one-time sign-in link (5 minutes, single use) for installs where the Login Widget
 * cannot work (it needs a public domain). The update itself proves who sent it. This is the one
 * command answered before the authorisation gate: signing in is how a person gets an account.
 * `/start login` does the same: it is what the sign-in page's `t.me/<bot>?start=login` sends.
 */
export const loginFeature = new Composer<BotContext>();

loginFeature.command('login', (ctx) => sendLoginLink(ctx));

loginFeature.command('start', (ctx, next) =>
	ctx.match.trim() === 'login' ? sendLoginLink(ctx) : next()
);

async function sendLoginLink(ctx: BotContext): Promise<void> {
	if (!ctx.from || ctx.chat?.type !== 'private') return;
	const base = ctx.deps.config.PUBLIC_URL;
	if (!base) {
		await ctx.reply('Sign-in links need PUBLIC_URL to be configured on the relay.');
		return;
	}
	const token = await createLoginLink(ctx.deps, {
		id: ctx.from.id,
		firstName: ctx.from.first_name,
		username: ctx.from.username ?? null
	});
	const url = new URL('/login/link', base);
	url.searchParams.set('token', token);
	await ctx.reply(`Your sign-in link (valid 5 minutes, works once):\n${url.href}`, {
		link_preview_options: { is_disabled: true }
	});
}
