import { bigint, check, pgTable, text, timestamp } from 'drizzle-orm/pg-core';
import { oneOf } from './checks.ts';

export const PLANS = ['trial', 'pro', 'team', 'free'] as const;
export type Plan = (typeof PLANS)[number];

/** Accounts: one per Telegram user who signed in to the dashboard. They own agents and pay. */
export const users = pgTable(
	'users',
	{
		id: text().primaryKey(),
		telegramUserId: bigint({ mode: 'number' }).notNull().unique('users_telegram_user_id_key'),
		firstName: text().notNull(),
		lastName: text(),
		username: text(),
		photoUrl: text(),
		plan: text({ enum: PLANS }).notNull().default('trial'),
		trialEndsAt: timestamp({ withTimezone: true }).notNull(),
		stripeCustomerId: text().unique('users_stripe_customer_id_key'),
		stripeSubscriptionId: text(),
		createdAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
		updatedAt: timestamp({ withTimezone: true })
			.notNull()
			.defaultNow()
			.$onUpdate(() => new Date())
	},
	(t) => [check('users_plan_check', oneOf(t.plan, PLANS))]
);

export type User = typeof users.$inferSelect;
export type NewUser = typeof users.$inferInsert;
