import { check, pgTable, text, timestamp, unique } from 'drizzle-orm/pg-core';
import { oneOf } from './checks.ts';
import { users } from './users.ts';

export const AGENT_STATUSES = ['online', 'offline'] as const;
export type AgentStatus = (typeof AGENT_STATUSES)[number];

/**
 * Paired local agents. `tokenId` is the `jti` of the agent's JWT: every subscription and
 * mutation looks the row up, so revoking an agent is deleting its row.
 */
export const agents = pgTable(
	'agents',
	{
		id: text().primaryKey(),
		ownerId: text()
			.notNull()
			.references(() => users.id, { onDelete: 'cascade' }),
		name: text().notNull(),
		// Not constrained to RUNNERS from shared/: an older or newer agent may report a runner this server does not know.
		runner: text().notNull(),
		tokenId: text().notNull().unique('agents_token_id_key'),
		hostname: text(),
		status: text({ enum: AGENT_STATUSES }).notNull().default('offline'),
		lastSeenAt: timestamp({ withTimezone: true }),
		createdAt: timestamp({ withTimezone: true }).notNull().defaultNow()
	},
	(t) => [
		// Also serves "agents of this owner" and the cascade from users (owner_id leads), so no separate owner_id index.
		unique('agents_owner_id_name_key').on(t.ownerId, t.name),
		check('agents_status_check', oneOf(t.status, AGENT_STATUSES))
	]
);

export type Agent = typeof agents.$inferSelect;
export type NewAgent = typeof agents.$inferInsert;
