/**
 * A prompt's one database round trip: who the sender is, which agent their prompt goes to,
 * whether the plan lets it through, how many tasks are ahead of it, and the new session row, in
 * a single statement (CTEs with an INSERT), so it costs one round trip on PGlite and on Neon.
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

/** One number per plan, or NULL for unlimited, as a CASE over `plan`. */
function limitCase(pick: (limits: { users: number; agents: number }) => number): SQL {
	const arms = (Object.keys(PLAN_LIMITS) as Plan[]).map((plan) => {
		const n = pick(PLAN_LIMITS[plan]);
		return sql`WHEN ${plan} THEN ${n === Infinity ? null : n}::int`;
	});
	return sql`CASE acct.plan ${sql.join(arms, sql` `)} END`;
}

function statement(deps: Pick<Deps, 'config'>, input: IntakeInput, now: Date): SQL {
	const billing = billingEnabled(deps.config);
	const trial = PLAN_LIMITS.trial;
	const live = sql.join(
		LIVE_STATUSES.map((s) => sql`${s}`),
		sql`, `
	);
	const nowIso = now.toISOString();
	return sql`
WITH auth AS (
	SELECT id, account_id, active_agent_id, role, created_at
	FROM authorized_users WHERE telegram_user_id = ${input.telegramUserId}
),
target AS (
	SELECT a.id, a.name, a.status, a.last_seen_at, a.owner_id, a.created_at,
		auth.id AS authorization_id, auth.role, auth.created_at AS member_since
	FROM auth JOIN agents a ON a.owner_id = auth.account_id
	ORDER BY COALESCE(a.id = auth.active_agent_id, false) DESC, auth.created_at, auth.id, a.name
	LIMIT 1
),
acct AS (
	SELECT u.plan, u.trial_ends_at, u.subscription_status,
		(u.plan <> 'trial' AND u.subscription_status IN (${live})) AS paid
	FROM users u JOIN target t ON u.id = t.owner_id
),
standing AS (
	SELECT (acct.paid OR acct.trial_ends_at > ${nowIso}::timestamptz) AS active,
		CASE WHEN acct.paid THEN ${limitCase((l) => l.agents)} ELSE ${trial.agents}::int END AS agent_limit,
		CASE WHEN acct.paid THEN ${limitCase((l) => l.users)} ELSE ${trial.users}::int END AS user_limit
	FROM acct
),
ranks AS (
	SELECT
		(SELECT count(*) FROM agents b
			WHERE b.owner_id = t.owner_id AND (b.created_at, b.id) < (t.created_at, t.id)) + 1 AS agent_rank,
		(SELECT count(*) FROM authorized_users o
			WHERE o.account_id = t.owner_id AND (
				(o.role = 'owner' AND t.role <> 'owner')
				OR ((o.role = 'owner') = (t.role = 'owner')
					AND (o.created_at, o.id) < (t.member_since, t.authorization_id)))) + 1 AS member_rank
	FROM target t
),
allowed AS (
	SELECT (NOT ${billing} OR (s.active
		AND (s.agent_limit IS NULL OR r.agent_rank <= s.agent_limit)
		AND (s.user_limit IS NULL OR r.member_rank <= s.user_limit))) AS ok
	FROM standing s, ranks r
),
existing AS (
	SELECT id, status, queued_at, account_id FROM sessions
	WHERE telegram_chat_id = ${input.chatId} AND telegram_message_id = ${input.messageId}
),
ahead AS (
	SELECT count(*)::int AS n FROM sessions s JOIN target t ON s.agent_id = t.id
	WHERE s.status IN ('queued', 'running') AND s.id NOT IN (SELECT id FROM existing)
),
running AS (
	SELECT s.started_by_telegram_user_id AS by_id, s.started_by_name AS by_name, s.prompt_preview
	FROM sessions s JOIN target t ON s.agent_id = t.id
	WHERE s.status = 'running' ORDER BY s.queued_at LIMIT 1
),
inserted AS (
	INSERT INTO sessions (id, agent_id, account_id, started_by_telegram_user_id, started_by_name,
		status, prompt_preview, telegram_chat_id, telegram_message_id, queued_at)
	SELECT ${input.sessionId}, t.id, t.owner_id, ${input.telegramUserId}, ${input.startedByName},
		'queued', ${promptPreview(input.prompt)}, ${input.chatId}, ${input.messageId}, ${nowIso}::timestamptz
	FROM target t
	WHERE COALESCE((SELECT ok FROM allowed), ${!billing}) AND NOT EXISTS (SELECT 1 FROM existing)
	ON CONFLICT DO NOTHING
	RETURNING id, status, queued_at, account_id
)
SELECT
	(SELECT count(*)::int FROM auth) AS authorizations,
	t.id AS agent_id, t.name AS agent_name, t.status AS agent_status,
	(extract(epoch FROM t.last_seen_at) * 1000)::float8 AS last_seen_ms,
	COALESCE((SELECT ok FROM allowed), ${!billing}) AS allowed,
	(SELECT n FROM ahead) AS ahead,
	r.by_id::text AS running_by, r.by_name AS running_by_name, r.prompt_preview AS running_preview,
	COALESCE(i.id, e.id) AS session_id,
	COALESCE(i.status, e.status) AS session_status,
	(extract(epoch FROM COALESCE(i.queued_at, e.queued_at)) * 1000)::float8 AS queued_ms,
	COALESCE(i.account_id, e.account_id) AS account_id,
	(i.id IS NOT NULL) AS inserted
FROM (SELECT 1) AS one
	LEFT JOIN target t ON true
	LEFT JOIN running r ON true
	LEFT JOIN inserted i ON true
	LEFT JOIN existing e ON true`;
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
