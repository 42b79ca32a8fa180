/**
 * Sessions as the dashboard shows them: an account's recent sessions (optionally of one status)
 * and a single session, both always scoped by the account, flattened into plain serialisable rows.
 */
import { and, desc, eq, type SQL } from 'drizzle-orm';
import type { Deps } from '../deps.ts';
import { agents, sessions, SESSION_STATUSES, type SessionStatus } from '../db/schema/index.ts';
import { formatDuration } from './format.ts';

export interface SessionView {
	id: string;
	agentId: string;
	agentName: string;
	startedBy: string;
	status: SessionStatus;
	/** Still queued or running: the live view has something to follow. */
	live: boolean;
	preview: string;
	queuedAt: string;
	startedAt: string | null;
	endedAt: string | null;
	/** Run time (so far, for a running session); null before it started. */
	duration: string | null;
	failureReason: string | null;
	continuesSessionId: string | null;
}

export function isSessionStatus(value: unknown): value is SessionStatus {
	return (SESSION_STATUSES as readonly unknown[]).includes(value);
}

const columns = { session: sessions, agentName: agents.name };

/** The account's last `limit` sessions (of one status or one agent if asked), newest first. */
export async function listSessions(
	deps: Pick<Deps, 'db' | 'now'>,
	accountId: string,
	opts: { status?: SessionStatus | null; agentId?: string | null; limit?: number } = {}
): Promise<SessionView[]> {
	const conditions: SQL[] = [eq(sessions.accountId, accountId)];
	if (opts.status) conditions.push(eq(sessions.status, opts.status));
	if (opts.agentId) conditions.push(eq(sessions.agentId, opts.agentId));
	const rows = await deps.db
		.select(columns)
		.from(sessions)
		.innerJoin(agents, eq(agents.id, sessions.agentId))
		.where(and(...conditions))
		.orderBy(desc(sessions.queuedAt), desc(sessions.id))
		.limit(opts.limit ?? 50);
	const now = deps.now();
	return rows.map((row) => toView(row, now));
}

/** One session, only if it belongs to the account (null otherwise: the caller answers 404). */
export async function sessionOfAccount(
	deps: Pick<Deps, 'db' | 'now'>,
	accountId: string,
	sessionId: string
): Promise<SessionView | null> {
	const [row] = await deps.db
		.select(columns)
		.from(sessions)
		.innerJoin(agents, eq(agents.id, sessions.agentId))
		.where(and(eq(sessions.id, sessionId), eq(sessions.accountId, accountId)));
	return row ? toView(row, deps.now()) : null;
}

function toView(
	{ session: s, agentName }: { session: typeof sessions.$inferSelect; agentName: string },
	now: Date
): SessionView {
	const live = s.status === 'queued' || s.status === 'running';
	const end = s.endedAt ?? (s.status === 'running' ? now : null);
	return {
		id: s.id,
		agentId: s.agentId,
		agentName,
		startedBy: s.startedByName ?? `Telegram user ${s.startedByTelegramUserId}`,
		status: s.status,
		live,
		preview: s.promptPreview,
		queuedAt: s.queuedAt.toISOString(),
		startedAt: s.startedAt?.toISOString() ?? null,
		endedAt: s.endedAt?.toISOString() ?? null,
		duration: s.startedAt && end ? formatDuration(end.getTime() - s.startedAt.getTime()) : null,
		failureReason: s.failureReason,
		continuesSessionId: s.continuesSessionId
	};
}
