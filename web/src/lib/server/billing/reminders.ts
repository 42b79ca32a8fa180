/**
 * Trial reminders, sent by the sweep: three days before the trial ends, one day before, and when
 * it has ended, each once per account. The send is claimed first by a conditional UPDATE of
 * `trial_reminder_stage`, so concurrent sweeps on several instances (or a retried cron) never
 * send one twice; a sweep that ran late sends only the latest reminder due.
 */
import { and, eq, lt } from 'drizzle-orm';
import { users, type User } from '../db/schema/index.ts';
import type { Relay } from '../relay.ts';
import { billingEnabled, billingLink } from './entitlements.ts';

const DAY = 86_400_000;

/** Stage reached `left` ms before the trial ends (0: none yet). */
export function reminderStage(left: number): 0 | 1 | 2 | 3 {
	if (left <= 0) return 3;
	if (left <= DAY) return 2;
	if (left <= 3 * DAY) return 1;
	return 0;
}

export async function sendTrialReminders(
	relay: Pick<Relay, 'db' | 'config' | 'now' | 'notifier' | 'log'>
): Promise<number> {
	if (!billingEnabled(relay.config)) return 0;
	const now = relay.now();
	const due = await relay.db
		.select()
		.from(users)
		.where(
			and(
				eq(users.plan, 'trial'),
				lt(users.trialReminderStage, 3),
				lt(users.trialEndsAt, new Date(now.getTime() + 3 * DAY))
			)
		);
	let sent = 0;
	for (const user of due) {
		const stage = reminderStage(user.trialEndsAt.getTime() - now.getTime());
		if (stage === 0 || stage <= user.trialReminderStage) continue;
		const [claimed] = await relay.db
			.update(users)
			.set({ trialReminderStage: stage })
			.where(and(eq(users.id, user.id), lt(users.trialReminderStage, stage)))
			.returning({ id: users.id });
		if (!claimed) continue;
		await relay.notifier.send(user.telegramUserId, reminderText(user, stage, relay.config));
		relay.log.info('billing.trial_reminder', { accountId: user.id, stage });
		sent++;
	}
	return sent;
}

function reminderText(user: User, stage: 1 | 2 | 3, config: Relay['config']): string {
	const link = billingLink(config);
	if (stage === 3) {
		return `Your RemoteAgent trial has ended: prompts are no longer relayed to your agents. Choose a plan to go on: ${link}`;
	}
	const when = stage === 1 ? 'in 3 days' : 'tomorrow';
	return `${user.firstName}, your RemoteAgent trial ends ${when}. Choose a plan to keep relaying prompts: ${link}`;
}
