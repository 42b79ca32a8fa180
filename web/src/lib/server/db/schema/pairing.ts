import { bigint, index, pgTable, text, timestamp } from 'drizzle-orm/pg-core';
import { users } from './users.ts';

/**
 * Pairing codes, stored only as a hash. `telegramUserId` is the Telegram-Login-verified user
 * who asked for the code: the agent created from it is bound to that user. Redemption is
 * `claimPairingCode` in ../pairing.ts; the row is deleted once the agent exists.
 */
export const pairingCodes = pgTable(
	'pairing_codes',
	{
		codeHash: text().primaryKey(),
		ownerId: text()
			.notNull()
			.references(() => users.id, { onDelete: 'cascade' }),
		telegramUserId: bigint({ mode: 'number' }).notNull(),
		expiresAt: timestamp({ withTimezone: true }).notNull(),
		usedAt: timestamp({ withTimezone: true }),
		createdAt: timestamp({ withTimezone: true }).notNull().defaultNow()
	},
	(t) => [
		index('pairing_codes_owner_id_idx').on(t.ownerId),
		index('pairing_codes_expires_at_idx').on(t.expiresAt)
	]
);

export type PairingCode = typeof pairingCodes.$inferSelect;
export type NewPairingCode = typeof pairingCodes.$inferInsert;
