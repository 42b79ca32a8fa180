import { bigint, check, index, pgTable, text, timestamp, unique } from 'drizzle-orm/pg-core';
import { agents } from './agents.ts';
import { oneOf } from './checks.ts';
import { users } from './users.ts';

export const TEAM_ROLES = ['owner', 'member'] as const;
export type TeamRole = (typeof TEAM_ROLES)[number];

/** Telegram users allowed to drive an account's agents (the owner included). */
export const authorizedUsers = pgTable(
	'authorized_users',
	{
		id: text().primaryKey(),
		accountId: text()
			.notNull()
			.references(() => users.id, { onDelete: 'cascade' }),
		telegramUserId: bigint({ mode: 'number' }).notNull(),
		username: text(),
		firstName: text(),
		role: text({ enum: TEAM_ROLES }).notNull().default('member'),
		/** The agent this user's prompts go to (chosen with /projects); forgotten when the agent is deleted. */
		activeAgentId: text().references(() => agents.id, { onDelete: 'set null' }),
		createdAt: timestamp({ withTimezone: true }).notNull().defaultNow()
	},
	(t) => [
		unique('authorized_users_account_id_telegram_user_id_key').on(t.accountId, t.telegramUserId),
		// Every bot update looks the sender up by Telegram id.
		index('authorized_users_telegram_user_id_idx').on(t.telegramUserId),
		index('authorized_users_active_agent_id_idx').on(t.activeAgentId),
		check('authorized_users_role_check', oneOf(t.role, TEAM_ROLES))
	]
);

/** Invitations to join an account as a member; the code is stored only as a hash. */
export const teamInvites = pgTable(
	'team_invites',
	{
		id: text().primaryKey(),
		accountId: text()
			.notNull()
			.references(() => users.id, { onDelete: 'cascade' }),
		codeHash: text().notNull().unique('team_invites_code_hash_key'),
		/** The dashboard user who created it. */
		createdBy: text()
			.notNull()
			.references(() => users.id, { onDelete: 'cascade' }),
		createdAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
		expiresAt: timestamp({ withTimezone: true }).notNull(),
		usedAt: timestamp({ withTimezone: true }),
		usedByTelegramUserId: bigint({ mode: 'number' })
	},
	(t) => [
		index('team_invites_account_id_idx').on(t.accountId),
		index('team_invites_created_by_idx').on(t.createdBy)
	]
);

export type AuthorizedUser = typeof authorizedUsers.$inferSelect;
export type NewAuthorizedUser = typeof authorizedUsers.$inferInsert;
export type TeamInvite = typeof teamInvites.$inferSelect;
