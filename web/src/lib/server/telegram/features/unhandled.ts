import { Composer } from 'grammy';
import type { BotContext } from '../context.ts';

/** Last: unknown commands get a hint; other update kinds are ignored. */
export const unhandledFeature = new Composer<BotContext>();

unhandledFeature.on('message:text', (ctx) =>
	ctx.reply('Unknown command. Send /help to see what I can do.')
);
unhandledFeature.on('callback_query:data', (ctx) => ctx.answerCallbackQuery());
