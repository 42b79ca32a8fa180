import {
	bigint,
	check,
	index,
	uniqueIndex,
	pgTable,
	text,
	timestamp,
	varchar,
	type AnyPgColumn
} from 'drizzle-orm/pg-core';
import { PROMPT_PREVIEW_LENGTH } from '@remoteagent/shared';
import { agents } from './agents.ts';
import { oneOf } from './checks.ts';
import { users } from './users.ts';

export const SESSION_STATUSES = [
	'queued',
	'running',
	'done',
	'failed',
	'aborted',
	'expired'
] as const;
export type SessionStatus = (typeof SESSION_STATUSES)[number];

/** Longest failure reason kept; the agent may send more, the caller truncates. */
export const FAILURE_REASON_LENGTH = 200;

/**
 * Tasks: one prompt run by one agent. The relay keeps a preview of the prompt and nothing of
 * the output. `id` is server-generated and unguessable because it names the output channel.
 */
export const sessions = pgTable(
	'sessions',
	{
		id: text().primaryKey(),
		agentId: text()
			.notNull()
			.references(() => agents.id, { onDelete: 'cascade' }),
		accountId: text()
			.notNull()
			.references(() => users.id, { onDelete: 'cascade' }),
		startedByTelegramUserId: bigint({ mode: 'number' }).notNull(),
		startedByName: text(),
		status: text({ enum: SESSION_STATUSES }).notNull().default('queued'),
		promptPreview: varchar({ length: PROMPT_PREVIEW_LENGTH }).notNull(),
		continuesSessionId: text().references((): AnyPgColumn => sessions.id, { onDelete: 'set null' }),
		failureReason: varchar({ length: FAILURE_REASON_LENGTH }),
		telegramChatId: bigint({ mode: 'number' }),
		/** The prompt's own message: the end notice is sent as a reply to it. */
		telegramMessageId: bigint({ mode: 'number' }),
		queuedAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
		startedAt: timestamp({ withTimezone: true }),
		endedAt: timestamp({ withTimezone: true })
	},
	(t) => [
		index('sessions_agent_id_status_idx').on(t.agentId, t.status),
		index('sessions_account_id_queued_at_idx').on(t.accountId, t.queuedAt),
		// One session per Telegram message: a redelivered update finds the session it made.
		uniqueIndex('sessions_telegram_message_idx').on(t.telegramChatId, t.telegramMessageId),
		// For the sweep that expires prompts queued too long.
		index('sessions_status_queued_at_idx').on(t.status, t.queuedAt),
		// For the set-null when a continued session is deleted.
		index('sessions_continues_session_id_idx').on(t.continuesSessionId),
		check('sessions_status_check', oneOf(t.status, SESSION_STATUSES))
	]
);

export type Session = typeof sessions.$inferSelect;
export type NewSession = typeof sessions.$inferInsert;
