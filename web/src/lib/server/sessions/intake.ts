/**
 * A prompt's one database round trip: who the sender is, which agent their prompt goes to,
 * whether the plan lets it through, how many tasks are ahead of it, and the new session row, in
 * a single statement (CTEs with an INSERT), so it costs one round trip on PGlite and on Neon.
 * The statement is a PL/pgSQL function, `intake_prompt()` in drizzle/0003_intake_function.sql:
 * PostgreSQL keeps its plan per connection, which more than halves its cost on PGlite (planning
 * a statement this size took longer than running it). Changing it takes a new migration.
 * Anything out of the ordinary (no authorisation, no agent, a plan that refuses) inserts nothing
 * and says so; the bot's full path then answers it (features/tasks.ts).
 *
 * The rules are the same as elsewhere and must stay so: the target agent is
 * `activeAgentOf()`'s (the chosen one of the first authorisation that has one, else the first
 * agent by name of the first authorisation), and the plan check is `relayRefusal()`'s
 * (billing/entitlements.ts; `intake.test.ts` checks both against those functions).
 */
import { sql, type SQL } from 'drizzle-orm';
import { promptPreview } from '@remoteagent/shared';
import type { Deps } from '../deps.ts';
import { billingEnabled, LIVE_STATUSES, PLAN_LIMITS } from '../billing/entitlements.ts';
import type { Plan } from '../db/schema/index.ts';

export interface IntakeInput {
	sessionId: string;
	telegramUserId: number;
	startedByName: string;
	chatId: number;
	messageId: number;
	prompt: string;
}

export type Intake =
	/** No account authorises this sender: silence. */
	| { kind: 'unauthorised' }
	/** Authorised, but the bot's full path must answer (no agent yet, or the plan refuses). */
	| { kind: 'elsewhere' }
	| {
			kind: 'queued';
			/** False when the row already existed: a redelivered update. */
			inserted: boolean;
			session: { id: string; status: string; queuedAt: Date; accountId: string };
			agent: { id: string; name: string; online: boolean; lastSeenAt: Date | null };
			/** Tasks of this agent queued or running before this one. */
			ahead: number;
			/** The running task, if someone else started it (for "X is working on …"). */
			runningOther: { name: string | null; preview: string } | null;
	  };

/** A per-plan limit as the function takes it: a JSON object of plan → number, or null for unlimited. */
function limitsJson(pick: (limits: { users: number; agents: number }) => number): string {
	const byPlan = Object.fromEntries(
		(Object.keys(PLAN_LIMITS) as Plan[]).map((plan) => {
			const n = pick(PLAN_LIMITS[plan]);
			return [plan, n === Infinity ? null : n];
		})
	);
	return JSON.stringify(byPlan);
}

// Computed once: they come from constants. The statuses are plain words, so a text[] literal.
const AGENT_LIMITS = limitsJson((l) => l.agents);
const USER_LIMITS = limitsJson((l) => l.users);
const LIVE = `{${LIVE_STATUSES.join(',')}}`;

/**
 * The statement itself lives in the database as `intake_prompt()` (migration
 * drizzle/0003_intake_function.sql), so its parse and plan are kept per connection.
 */
function statement(deps: Pick<Deps, 'config'>, input: IntakeInput, now: Date): SQL {
	return sql`SELECT * FROM intake_prompt(${input.sessionId}, ${input.telegramUserId},
		${input.startedByName}, ${input.chatId}, ${input.messageId}, ${promptPreview(input.prompt)},
		${now.toISOString()}, ${billingEnabled(deps.config)}, ${LIVE}, ${AGENT_LIMITS}, ${USER_LIMITS})`;
}

interface IntakeRow {
	authorizations: number;
	agent_id: string | null;
	agent_name: string | null;
	agent_status: string | null;
	last_seen_ms: number | null;
	allowed: boolean | null;
	ahead: number | null;
	running_by: string | null;
	running_by_name: string | null;
	running_preview: string | null;
	session_id: string | null;
	session_status: string | null;
	queued_ms: number | null;
	account_id: string | null;
	inserted: boolean;
}

export async function intakePrompt(
	deps: Pick<Deps, 'db' | 'config' | 'now'>,
	input: IntakeInput
): Promise<Intake> {
	const result = await deps.db.execute(statement(deps, input, deps.now()));
	const row = (result as unknown as { rows: IntakeRow[] }).rows[0];
	if (!row || Number(row.authorizations) === 0) return { kind: 'unauthorised' };
	if (!row.agent_id || !row.session_id || row.queued_ms === null || !row.account_id) {
		return { kind: 'elsewhere' };
	}
	return {
		kind: 'queued',
		inserted: row.inserted,
		session: {
			id: row.session_id,
			status: row.session_status ?? 'queued',
			queuedAt: new Date(Number(row.queued_ms)),
			accountId: row.account_id
		},
		agent: {
			id: row.agent_id,
			name: row.agent_name ?? '',
			online: row.agent_status === 'online',
			lastSeenAt: row.last_seen_ms === null ? null : new Date(Number(row.last_seen_ms))
		},
		ahead: Number(row.ahead ?? 0),
		runningOther:
			row.running_preview !== null && row.running_by !== String(input.telegramUserId)
				? { name: row.running_by_name, preview: row.running_preview }
				: null
	};
}
