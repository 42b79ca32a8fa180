/**
 * Entitlements: what an account may do, decided here and nowhere else. The plan, the trial end
 * and the subscription status (copied from Stripe by the verified webhook only) give a standing;
 * pairing, team invites and relaying prompts ask this module. Without STRIPE_SECRET_KEY billing
 * is off and every account is unlimited. A downgrade never deletes anything: the agents and team
 * members past the limit (the newest ones) are paused.
 */
import { asc, count, eq } from 'drizzle-orm';
import type { Config } from '../config/schema.ts';
import type { Deps } from '../deps.ts';
import {
	agents,
	authorizedUsers,
	users,
	type Plan,
	type SubscriptionStatus,
	type User
} from '../db/schema/index.ts';

export interface Limits {
	/** Telegram users who may drive the account's agents, the owner included. */
	users: number;
	agents: number;
}

export const PLAN_LIMITS: Record<Plan, Limits> = {
	trial: { users: 1, agents: 2 },
	solo: { users: 1, agents: 3 },
	pro: { users: 1, agents: Infinity },
	team: { users: 5, agents: Infinity }
};

export const PLAN_NAMES: Record<Plan, string> = {
	trial: 'Trial',
	solo: 'Solo',
	pro: 'Pro',
	team: 'Team'
};

export const PAID_PLANS = ['solo', 'pro', 'team'] as const;
export type PaidPlan = (typeof PAID_PLANS)[number];

const UNLIMITED: Limits = { users: Infinity, agents: Infinity };

/** Stripe statuses in which a paid plan is in force (past_due: Stripe is still retrying). */
export const LIVE_STATUSES: readonly SubscriptionStatus[] = ['active', 'trialing', 'past_due'];

export type Refusal = 'trial_ended' | 'canceled' | 'unpaid';

export interface Standing {
	/** False when billing is off (no STRIPE_SECRET_KEY): unlimited, nothing to pay. */
	billing: boolean;
	plan: Plan;
	/** Whether prompts are relayed. */
	active: boolean;
	/** Why not, when not active. */
	refusal: Refusal | null;
	/** Days left of the trial, started days counted (1 on its last day; 0 once ended), else null. */
	trialDaysLeft: number | null;
	limits: Limits;
}

export function billingEnabled(config: Pick<Config, 'STRIPE_SECRET_KEY'>): boolean {
	return Boolean(config.STRIPE_SECRET_KEY);
}

export function standingOf(
	user: Pick<User, 'plan' | 'trialEndsAt' | 'subscriptionStatus'>,
	config: Pick<Config, 'STRIPE_SECRET_KEY'>,
	now: Date
): Standing {
	if (!billingEnabled(config)) {
		return {
			billing: false,
			plan: user.plan,
			active: true,
			refusal: null,
			trialDaysLeft: null,
			limits: UNLIMITED
		};
	}
	const status = user.subscriptionStatus;
	if (user.plan !== 'trial' && status && LIVE_STATUSES.includes(status)) {
		return {
			billing: true,
			plan: user.plan,
			active: true,
			refusal: null,
			trialDaysLeft: null,
			limits: PLAN_LIMITS[user.plan]
		};
	}
	const leftMs = user.trialEndsAt.getTime() - now.getTime();
	if (leftMs > 0) {
		return {
			billing: true,
			plan: 'trial',
			active: true,
			refusal: null,
			trialDaysLeft: Math.ceil(leftMs / 86_400_000),
			limits: PLAN_LIMITS.trial
		};
	}
	// Nothing in force: what is kept stays within the trial's limits (the rest is paused).
	return {
		billing: true,
		plan: user.plan,
		active: false,
		refusal: status === 'unpaid' ? 'unpaid' : status ? 'canceled' : 'trial_ended',
		trialDaysLeft: user.plan === 'trial' ? 0 : null,
		limits: PLAN_LIMITS.trial
	};
}

export interface AccountUsage {
	standing: Standing;
	agents: { used: number; paused: { id: string; name: string }[] };
	users: { used: number; paused: { id: string; name: string }[] };
}

/** The standing of an account with its usage, and what the limits pause (the newest first). */
export async function accountUsage(
	deps: Pick<Deps, 'db' | 'config' | 'now'>,
	accountId: string
): Promise<AccountUsage | null> {
	const [user] = await deps.db.select().from(users).where(eq(users.id, accountId));
	if (!user) return null;
	const standing = standingOf(user, deps.config, deps.now());
	const agentRows = await deps.db
		.select({ id: agents.id, name: agents.name })
		.from(agents)
		.where(eq(agents.ownerId, accountId))
		.orderBy(asc(agents.createdAt), asc(agents.id));
	const members = await deps.db
		.select()
		.from(authorizedUsers)
		.where(eq(authorizedUsers.accountId, accountId))
		.orderBy(asc(authorizedUsers.createdAt), asc(authorizedUsers.id));
	// The owner is never the one paused.
	const ordered = [
		...members.filter((m) => m.role === 'owner'),
		...members.filter((m) => m.role !== 'owner')
	];
	return {
		standing,
		agents: { used: agentRows.length, paused: agentRows.slice(standing.limits.agents) },
		users: {
			used: members.length,
			paused: ordered.slice(standing.limits.users).map((m) => ({
				id: m.id,
				name: m.username ? `@${m.username}` : (m.firstName ?? String(m.telegramUserId))
			}))
		}
	};
}

/** Whether one more agent fits (counted in `db`, a transaction when called from pairing). */
export async function canAddAgent(
	deps: Pick<Deps, 'db' | 'config' | 'now'>,
	user: User
): Promise<{ ok: true } | { ok: false; limit: number }> {
	const { limits } = standingOf(user, deps.config, deps.now());
	if (limits.agents === Infinity) return { ok: true };
	const [row] = await deps.db
		.select({ n: count() })
		.from(agents)
		.where(eq(agents.ownerId, user.id));
	return (row?.n ?? 0) < limits.agents ? { ok: true } : { ok: false, limit: limits.agents };
}

/** Whether one more Telegram user fits, counting `pending` invites that could still be used. */
export async function canAddMember(
	deps: Pick<Deps, 'db' | 'config' | 'now'>,
	user: User,
	pending = 0
): Promise<{ ok: true } | { ok: false; limit: number }> {
	const { limits } = standingOf(user, deps.config, deps.now());
	if (limits.users === Infinity) return { ok: true };
	const [row] = await deps.db
		.select({ n: count() })
		.from(authorizedUsers)
		.where(eq(authorizedUsers.accountId, user.id));
	return (row?.n ?? 0) + pending < limits.users ? { ok: true } : { ok: false, limit: limits.users };
}

/** Refused by the plan's limits; `what` says which limit. */
export class PlanLimitError extends Error {
	override readonly name = 'PlanLimitError';
	constructor(
		readonly what: 'agents' | 'users',
		readonly limit: number
	) {
		super(
			what === 'agents'
				? `Your plan allows ${limit} agent${limit === 1 ? '' : 's'}.`
				: `Your plan allows ${limit} Telegram user${limit === 1 ? '' : 's'}.`
		);
	}
}

/** The dashboard's billing page, for messages from the bot. */
export function billingLink(config: Pick<Config, 'PUBLIC_URL'>): string {
	return config.PUBLIC_URL
		? new URL('/billing', config.PUBLIC_URL).href
		: 'the dashboard (Billing)';
}

export function limitText(n: number): string {
	return n === Infinity ? 'unlimited' : String(n);
}

/** Why a prompt from this member to this agent is not relayed, as the bot says it; null: relay it. */
export async function relayRefusal(
	deps: Pick<Deps, 'db' | 'config' | 'now'>,
	accountId: string,
	agentId: string,
	authorizationId: string
): Promise<{ kind: 'inactive' | 'paused'; text: string } | null> {
	if (!billingEnabled(deps.config)) return null;
	const usage = await accountUsage(deps, accountId);
	if (!usage) return null;
	const { standing } = usage;
	const link = billingLink(deps.config);
	if (!standing.active) {
		const why = {
			trial_ended: 'The RemoteAgent trial of this account has ended',
			canceled: 'The RemoteAgent subscription of this account was cancelled',
			unpaid: 'The RemoteAgent subscription of this account is unpaid'
		}[standing.refusal ?? 'trial_ended'];
		return {
			kind: 'inactive',
			text: `${why}, so prompts are not relayed. Choose a plan: ${link}`
		};
	}
	const agent = usage.agents.paused.find((a) => a.id === agentId);
	if (agent) {
		return {
			kind: 'paused',
			text:
				`⏸ ${agent.name} is paused: the ${PLAN_NAMES[standing.plan]} plan allows ` +
				`${limitText(standing.limits.agents)} agents. Pick another with /agents, or upgrade: ${link}`
		};
	}
	if (usage.users.paused.some((m) => m.id === authorizationId)) {
		return {
			kind: 'paused',
			text:
				`⏸ You are paused in this team: the ${PLAN_NAMES[standing.plan]} plan allows ` +
				`${limitText(standing.limits.users)} Telegram users. The owner can upgrade: ${link}`
		};
	}
	return null;
}
