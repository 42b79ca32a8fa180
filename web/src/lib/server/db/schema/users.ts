import { bigint, check, pgTable, smallint, text, timestamp } from 'drizzle-orm/pg-core';
import { oneOf } from './checks.ts';

/** What an account pays for; limits live in billing/entitlements.ts. */
export const PLANS = ['trial', 'solo', 'pro', 'team'] as const;
export type Plan = (typeof PLANS)[number];

/**
 * The Stripe subscription's status, copied from Stripe after a verified webhook event (null: no
 * subscription yet). Whether the account may relay prompts is decided from it and the plan.
 */
export const SUBSCRIPTION_STATUSES = [
	'incomplete',
	'incomplete_expired',
	'trialing',
	'active',
	'past_due',
	'canceled',
	'unpaid',
	'paused'
] as const;
export type SubscriptionStatus = (typeof SUBSCRIPTION_STATUSES)[number];

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
		subscriptionStatus: text({ enum: SUBSCRIPTION_STATUSES }),
		/** End of the paid period Stripe reported last (display only). */
		currentPeriodEnd: timestamp({ withTimezone: true }),
		/** Trial reminders already sent: 1 = three days before, 2 = one day before, 3 = at expiry. */
		trialReminderStage: smallint().notNull().default(0),
		/** The last invoice whose failed payment was told to the owner (told once per invoice). */
		lastFailedInvoiceId: text(),
		createdAt: timestamp({ withTimezone: true }).notNull().defaultNow(),
		updatedAt: timestamp({ withTimezone: true })
			.notNull()
			.defaultNow()
			.$onUpdate(() => new Date())
	},
	(t) => [
		check('users_plan_check', oneOf(t.plan, PLANS)),
		check('users_subscription_status_check', oneOf(t.subscriptionStatus, SUBSCRIPTION_STATUSES))
	]
);

export type User = typeof users.$inferSelect;
export type NewUser = typeof users.$inferInsert;
