/** Build the bot for a relay: bot info is read once and cached in Redis for every instance. */
import type { Bot } from 'grammy';
import type { UserFromGetMe } from 'grammy/types';
import type { Relay } from '../relay.ts';
import { createBot } from './bot.ts';
import type { BotContext } from './context.ts';

export interface ConfiguredBot {
	bot: Bot<BotContext>;
	deps: Relay;
}

const BOT_INFO_KEY = 'tg:botinfo';

export async function setUpBot(relay: Relay): Promise<ConfiguredBot | null> {
	const token = relay.config.TELEGRAM_BOT_TOKEN;
	if (!token || !relay.telegram) return null;
	let botInfo = await relay.redis.get<UserFromGetMe>(BOT_INFO_KEY);
	if (!botInfo) {
		botInfo = await relay.telegram.getMe();
		await relay.redis.set(BOT_INFO_KEY, botInfo, { ex: 86_400 });
	}
	return {
		bot: createBot(token, relay, botInfo),
		deps: relay
	};
}
