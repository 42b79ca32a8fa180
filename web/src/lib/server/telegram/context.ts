import type { Context } from 'grammy';
import type { AuthorizedUser } from '../db/schema/index.ts';
import type { Relay } from '../relay.ts';

/** What the bot's handlers need besides the update. */
export type BotDeps = Pick<
	Relay,
	| 'config'
	| 'db'
	| 'redis'
	| 'log'
	| 'now'
	| 'queue'
	| 'sealer'
	| 'notifier'
	| 'telegram'
	| 'limits'
	| 'claims'
	| 'presence'
>;

/** The sender's memberships; set by the authorisation gate for everything after it. */
export interface Sender {
	telegramUserId: number;
	name: string;
	authorizations: AuthorizedUser[];
}

export type BotContext = Context & { deps: BotDeps; sender: Sender };
