import { pgTable, text, timestamp } from 'drizzle-orm/pg-core';

/** Stripe event ids already handled: Stripe retries deliveries, the webhook applies each once. */
export const stripeEvents = pgTable('stripe_events', {
	id: text().primaryKey(),
	type: text().notNull(),
	receivedAt: timestamp({ withTimezone: true }).notNull().defaultNow()
});

export type StripeEvent = typeof stripeEvents.$inferSelect;
