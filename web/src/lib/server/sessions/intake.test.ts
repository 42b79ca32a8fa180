/**
 * The intake statement restates two rules in SQL: which agent a sender's prompt goes to
 * (`activeAgentOf`) and whether the plan lets it through (`relayRefusal`). On seeded random
 * accounts — plans, subscription states, trials, several agents, team members, chosen agents,
 * a sender in two accounts — both drivers must agree with those functions on every sender.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eq } from 'drizzle-orm';
import {
	DB_DRIVERS,
	insertAgent,
	insertUser,
	nextTelegramId,
	type OpenedDb
} from '../../../../test/harness/db.ts';
import { prng } from '../../../../test/harness/random-markdown.ts';
import { migrate } from '../db/migrate.ts';
import type { Db } from '../db/index.ts';
import { newId } from '../db/ids.ts';
import { authorizedUsers, sessions, type Plan } from '../db/schema/index.ts';
import { parseConfig, type Config } from '../config/schema.ts';
import { authorizationsOf } from '../accounts/accounts.ts';
import { activeAgentOf } from '../telegram/agents-of.ts';
import { relayRefusal } from '../billing/entitlements.ts';
import { intakePrompt } from './intake.ts';
import { promptPreview } from '@remoteagent/shared';

const NOW = new Date('2030-06-01T12:00:00Z');
const DAY = 86_400_000;
const base = {
	UPSTASH_REDIS_REST_URL: 'http://127.0.0.1:1',
	UPSTASH_REDIS_REST_TOKEN: 'token-for-tests',
	AGENT_JWT_SECRET: 'Zq8Xv2Lm4Nb6Pc1Rt3Ys5Hd7Kf9Gj0Wa'
};
const BILLING = parseConfig({
	...base,
	STRIPE_SECRET_KEY: 'sk_test_51LocalKeyForTests',
	STRIPE_WEBHOOK_SECRET: 'whsec_localsecret',
	STRIPE_PRICE_SOLO: 'price_solo',
	STRIPE_PRICE_PRO: 'price_pro',
	STRIPE_PRICE_TEAM: 'price_team'
});
const NO_BILLING = parseConfig(base);

const PLANS: Plan[] = ['trial', 'solo', 'pro', 'team'];
const STATUSES = [null, 'active', 'trialing', 'past_due', 'canceled', 'unpaid'] as const;

/** Accounts with everything that matters to the two rules, drawn from `random`. */
async function seed(db: Db, random: () => number): Promise<number[]> {
	const pick = <T>(list: readonly T[]) => list[Math.floor(random() * list.length)]!;
	const senders: number[] = [];
	const shared = nextTelegramId(); // a person who is a member of several accounts
	for (let a = 0; a < 6; a++) {
		const owner = await insertUser(db, {
			plan: pick(PLANS),
			subscriptionStatus: pick(STATUSES),
			trialEndsAt: new Date(NOW.getTime() + (random() < 0.5 ? -1 : 1) * (1 + random() * 9) * DAY),
			createdAt: new Date(NOW.getTime() - 30 * DAY)
		});
		const agentCount = Math.floor(random() * 5);
		const agentIds: string[] = [];
		for (let i = 0; i < agentCount; i++) {
			const agent = await insertAgent(db, owner.id, {
				name: `${'bcad'[i % 4]}${i}`,
				status: random() < 0.7 ? 'online' : 'offline',
				createdAt: new Date(NOW.getTime() - (20 - i) * DAY - Math.floor(random() * 1000))
			});
			agentIds.push(agent.id);
		}
		const members = [
			{ telegramUserId: owner.telegramUserId, role: 'owner' as const },
			...Array.from({ length: Math.floor(random() * 4) }, () => ({
				telegramUserId: random() < 0.3 ? shared : nextTelegramId(),
				role: 'member' as const
			}))
		];
		const seen = new Set<number>();
		for (const [i, member] of members.entries()) {
			if (seen.has(member.telegramUserId)) continue;
			seen.add(member.telegramUserId);
			await db.insert(authorizedUsers).values({
				id: newId('au'),
				accountId: owner.id,
				telegramUserId: member.telegramUserId,
				firstName: 'Member',
				role: member.role,
				activeAgentId: agentIds.length > 0 && random() < 0.4 ? pick(agentIds) : null,
				createdAt: new Date(NOW.getTime() - (10 - i) * DAY - a * 60_000)
			});
			senders.push(member.telegramUserId);
		}
	}
	senders.push(shared, nextTelegramId()); // and a stranger
	return [...new Set(senders)];
}

describe.each(DB_DRIVERS)('intakePrompt on $name', (driver) => {
	let opened: OpenedDb;
	let db: Db;
	beforeAll(async () => {
		opened = await driver.open();
		await migrate(opened.handle);
		db = opened.handle.db;
	}, 60_000);
	afterAll(() => opened?.dispose());

	it.each([
		['with billing', BILLING, 11],
		['without billing', NO_BILLING, 12]
	] as [string, Config, number][])(
		'agrees with activeAgentOf and relayRefusal on every sender (%s)',
		async (_, config, seedNumber) => {
			const random = prng(seedNumber);
			const senders = await seed(db, random);
			const deps = { db, config, now: () => NOW };
			let message = 1;
			let queued = 0;
			for (const telegramUserId of senders) {
				const authorizations = await authorizationsOf(deps, telegramUserId);
				const expected =
					authorizations.length === 0
						? null
						: await activeAgentOf(deps, {
								telegramUserId,
								name: 'x',
								authorizations
							});
				const refusal = expected
					? await relayRefusal(
							deps,
							expected.authorization.accountId,
							expected.agent.id,
							expected.authorization.id
						)
					: null;
				const chatId = telegramUserId;
				const intake = await intakePrompt(deps, {
					sessionId: newId('ses'),
					telegramUserId,
					startedByName: 'x',
					chatId,
					messageId: message++,
					prompt: 'p'.repeat(300)
				});
				const what = `sender ${telegramUserId}`;
				if (authorizations.length === 0) {
					expect(intake.kind, what).toBe('unauthorised');
				} else if (!expected || refusal) {
					expect(intake.kind, what).toBe('elsewhere');
				} else {
					expect(intake.kind, what).toBe('queued');
					if (intake.kind !== 'queued') continue;
					queued++;
					expect(intake.agent.id, what).toBe(expected.agent.id);
					expect(intake.agent.online, what).toBe(expected.agent.status === 'online');
					expect(intake.inserted, what).toBe(true);
					const [row] = await db.select().from(sessions).where(eq(sessions.id, intake.session.id));
					expect(row, what).toMatchObject({
						agentId: expected.agent.id,
						accountId: expected.authorization.accountId,
						status: 'queued',
						startedByTelegramUserId: telegramUserId,
						promptPreview: promptPreview('p'.repeat(300)),
						telegramChatId: chatId
					});
				}
			}
			// The seed must exercise both outcomes, or the comparison proves little.
			expect(queued).toBeGreaterThan(0);
			expect(queued).toBeLessThan(senders.length);
		},
		60_000
	);

	it('counts the tasks ahead and finds the session of a redelivered message', async () => {
		const owner = await insertUser(db);
		const agent = await insertAgent(db, owner.id, { status: 'online' });
		await db.insert(authorizedUsers).values({
			id: newId('au'),
			accountId: owner.id,
			telegramUserId: owner.telegramUserId,
			firstName: 'Ada',
			role: 'owner'
		});
		const deps = { db, config: NO_BILLING, now: () => NOW };
		const input = (messageId: number) => ({
			sessionId: newId('ses'),
			telegramUserId: owner.telegramUserId,
			startedByName: 'Ada',
			chatId: owner.telegramUserId,
			messageId,
			prompt: `prompt ${messageId}`
		});
		const first = await intakePrompt(deps, input(1));
		const second = await intakePrompt(deps, input(2));
		expect(first).toMatchObject({ kind: 'queued', ahead: 0, inserted: true });
		expect(second).toMatchObject({ kind: 'queued', ahead: 1, inserted: true });
		const again = await intakePrompt(deps, input(2));
		// A redelivery is not behind itself.
		expect(again).toMatchObject({ kind: 'queued', inserted: false, ahead: 1 });
		if (again.kind !== 'queued' || second.kind !== 'queued') throw new Error('unreachable');
		expect(again.session.id).toBe(second.session.id);
		expect(again.agent.id).toBe(agent.id);
		const rows = await db.select().from(sessions).where(eq(sessions.agentId, agent.id));
		expect(rows).toHaveLength(2);
	});
});
