import { bigint, index, pgTable, text, timestamp } from 'drizzle-orm/pg-core';
import { users } from './users.ts';

/** Dashboard sign-ins. The id is the SHA-256 of the opaque cookie value, never the value itself. */
export const webSessions = pgTable(
	'web_sessions',
	{
		id: text().primaryKey(),
		userId: text()
			.notNull()
			.references(() => users.id, { onDelete: 'cascade' }),
		createdAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
		expiresAt: timestamp({ withTimezone: true }).notNull(),
		lastSeenAt: timestamp({ withTimezone: true }).notNull().defaultNow()
	},
	(t) => [
		index('web_sessions_expires_at_idx').on(t.expiresAt),
		// "sign out everywhere" and the cascade from users.
		index('web_sessions_user_id_idx').on(t.userId)
	]
);

/**
 * One-time sign-in links from the bot's /login command. Keyed by the token's hash; the
 * Telegram user is verified by the bot update itself, so no users row needs to exist yet.
 */
export const loginLinks = pgTable(
	'login_links',
	{
		tokenHash: text().primaryKey(),
		telegramUserId: bigint({ mode: 'number' }).notNull(),
		firstName: text().notNull(),
		username: text(),
		expiresAt: timestamp({ withTimezone: true }).notNull(),
		usedAt: timestamp({ withTimezone: true })
	},
	(t) => [index('login_links_expires_at_idx').on(t.expiresAt)]
);

export type WebSession = typeof webSessions.$inferSelect;
export type LoginLink = typeof loginLinks.$inferSelect;
