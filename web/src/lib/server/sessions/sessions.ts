/**
 * Sessions (tasks) as the relay sees them. The database keeps a 200-character preview and
 * metadata; output text only passes through: published for the dashboard's live view, kept in a
 * per-session Redis stream with a TTL until the session ends, and rendered into Telegram.
 */
import { and, desc, eq, inArray } from 'drizzle-orm';
import {
	DomainError,
	outputChannel,
	outputLogKey,
	promptPreview,
	type IncomingFile,
	type OutputEvent,
	type PromptCommand,
	type SessionFinishInput
} from '@remoteagent/shared';
import type { AgentIdentity } from '@remoteagent/shared/api';
import type { Deps } from '../deps.ts';
import { newId } from '../db/ids.ts';
import { agents, sessions, FAILURE_REASON_LENGTH, type Session } from '../db/schema/index.ts';
import type { CommandQueue } from '../relay/command-queue.ts';
import type { Notifier } from '../telegram/notifier.ts';
import { appendLiveOutput, endLiveOutput } from '../telegram/live-output.ts';
import { recordAfterSend } from '../telegram/after-send.ts';
import type { Api } from 'grammy';
import type { Redis } from '@upstash/redis';
import { formatDuration } from './format.ts';
import type { Sealer } from '../crypto/seal.ts';
import { abortMessageKey, startedKey } from '../telegram/receipt.ts';
import { closeApprovals, sessionApprovalsKey } from '../approvals/approvals.ts';
import type { Presence } from '../agents/presence.ts';

/** Output of a running session is kept at most this long if the agent never finishes it. */
const OUTPUT_TTL_S = 6 * 3600;
/** How long the output of an ended web console session waits for its page (see endSession). */
export const CONSOLE_OUTPUT_GRACE_S = 30;
/** How long an ended session remembers whether its end notice went out. */
const NOTICE_MARK_TTL_S = 7 * 86_400;
/** Sessions whose end notice may still be owed, by when that began (see sendOwedNotices). */
const OWED_NOTICES_KEY = 'notices:owed';
/** Where a session's end notice is (see endSession). */
type NoticeMark = 'owed' | 'sending' | 'sent';
/** KEYS: notice mark, owed set; ARGV: ttl s, now ms, session id. 1 when this call marked it. */
const MARK_OWED_SCRIPT = `
if redis.call('SET', KEYS[1], 'owed', 'NX', 'EX', ARGV[1]) then
	redis.call('ZADD', KEYS[2], 'NX', ARGV[2], ARGV[3])
	return 1
end
return 0`;

export interface SessionDeps extends Deps {
	queue: CommandQueue;
	/** Agents' heartbeats; a start makes the next one bring the database up to date. */
	presence: Presence;
	/** Seals prompt and output text before it is written to Redis. */
	sealer: Sealer;
	notifier: Notifier;
	/** Null when Telegram is not configured: output then only reaches the dashboard. */
	telegram: Api | null;
}

export interface NewSession {
	accountId: string;
	agentId: string;
	prompt: string;
	startedBy: { telegramUserId: number; name: string };
	chatId: number | null;
	/** The Telegram message that carried the prompt. */
	messageId: number | null;
	continueSessionId: string | null;
	/** Files sent with the prompt, as sealed references (see review/file-refs.ts). */
	files?: IncomingFile[];
	/**
	 * The session's id when the caller derives it from its own request id (the web console):
	 * a repeated request then finds the session the first one made, as a redelivered Telegram
	 * update does through its chat and message ids. Default: a fresh random id.
	 */
	id?: string;
}

/**
 * Create a queued session and hand its command to the agent's queue. One Telegram message makes
 * one session: a redelivered update (the first attempt died, or its answer was lost) finds the
 * session it made and queues it again if it is still waiting; the relay and the agent both run
 * a session at most once, however often it is queued. When the command cannot be queued (Redis
 * down) the new row goes too, so the redelivery starts afresh.
 */
export async function createSession(deps: SessionDeps, input: NewSession): Promise<Session> {
	const now = deps.now();
	const [inserted] = await deps.db
		.insert(sessions)
		.values({
			id: input.id ?? newId('ses'),
			agentId: input.agentId,
			accountId: input.accountId,
			startedByTelegramUserId: input.startedBy.telegramUserId,
			startedByName: input.startedBy.name,
			status: 'queued',
			promptPreview: promptPreview(input.prompt),
			continuesSessionId: input.continueSessionId,
			telegramChatId: input.chatId,
			telegramMessageId: input.messageId,
			queuedAt: now
		})
		.onConflictDoNothing()
		.returning();
	const row = inserted ?? (await sessionOfMessage(deps, input));
	if (!row) throw new Error('session insert returned nothing');
	if (row.status !== 'queued') return row;
	await enqueuePrompt(deps, row, inserted !== undefined, {
		prompt: input.prompt,
		continueSessionId: row.continuesSessionId,
		startedBy: input.startedBy,
		...(input.files ? { files: input.files } : {})
	});
	return row;
}

/**
 * Hand a queued session's prompt to its agent's queue. When that fails (Redis down), a row made
 * for it just now (`inserted`) goes too, so a redelivery or a retried request starts afresh.
 */
export async function enqueuePrompt(
	deps: Pick<SessionDeps, 'queue' | 'db' | 'config' | 'log'>,
	session: Pick<Session, 'id' | 'agentId' | 'queuedAt'>,
	inserted: boolean,
	command: Omit<PromptCommand, 'type' | 'sessionId' | 'expiresAt'>
): Promise<void> {
	try {
		await deps.queue.enqueue(session.agentId, {
			type: 'prompt',
			sessionId: session.id,
			...command,
			expiresAt: session.queuedAt.getTime() + deps.config.OFFLINE_QUEUE_MS
		});
	} catch (error) {
		if (inserted) {
			await deps.db
				.delete(sessions)
				.where(and(eq(sessions.id, session.id), eq(sessions.status, 'queued')))
				.catch(() => {});
		}
		throw error;
	}
	deps.log.info('session.queued', { sessionId: session.id, agentId: session.agentId });
}

async function sessionOfMessage(deps: Pick<Deps, 'db'>, input: NewSession) {
	if (input.id !== undefined) {
		const [row] = await deps.db
			.select()
			.from(sessions)
			.where(and(eq(sessions.id, input.id), eq(sessions.accountId, input.accountId)));
		return row;
	}
	if (input.chatId === null || input.messageId === null) return undefined;
	const [row] = await deps.db
		.select()
		.from(sessions)
		.where(
			and(
				eq(sessions.telegramChatId, input.chatId),
				eq(sessions.telegramMessageId, input.messageId)
			)
		);
	return row;
}

/** The session, only if it belongs to this agent. */
async function sessionOfAgent(
	deps: Pick<Deps, 'db'>,
	agent: AgentIdentity,
	sessionId: string
): Promise<Session> {
	const [row] = await deps.db
		.select()
		.from(sessions)
		.where(and(eq(sessions.id, sessionId), eq(sessions.agentId, agent.agentId)));
	if (!row) throw new DomainError('SESSION_NOT_FOUND');
	return row;
}

/**
 * The agent begins a task. Exactly one agent process may run it: the first start claims the
 * session for its `instance` (a random id per process), a retried start of the same process
 * (its first answer lost) is told to run, any other process is told to skip. The prompt then
 * leaves the agent's queue.
 */
export async function startSession(
	deps: SessionDeps,
	agent: AgentIdentity,
	sessionId: string,
	instance: string
): Promise<{ run: boolean }> {
	const session = await sessionOfAgent(deps, agent, sessionId);
	const runnerKey = `ses:${session.id}:instance`;
	const claimed = await deps.redis.set(runnerKey, instance, { nx: true, ex: OUTPUT_TTL_S });
	const ours = claimed === 'OK' || (await deps.redis.get<string>(runnerKey)) === instance;
	if (!ours) return { run: false };
	const [started] = await deps.db
		.update(sessions)
		.set({ status: 'running', startedAt: deps.now() })
		.where(and(eq(sessions.id, session.id), eq(sessions.status, 'queued')))
		.returning();
	await deps.queue.release(agent.agentId, session.id);
	if (!started) return { run: session.status === 'running' };
	// If this process dies now, the next one's first heartbeat must look for orphans.
	await deps.presence.forgetBeat(agent.agentId);
	if (started.telegramChatId === null) return { run: true };
	// The first message of a task: it carries the Abort button.
	const first = await deps.redis.set(startedKey(session.id), '1', {
		nx: true,
		ex: OUTPUT_TTL_S
	});
	if (first === 'OK') {
		const messageId = await deps.notifier.send(
			started.telegramChatId,
			`▶ ${agent.name}: working…`,
			{ keyboard: abortKeyboard(session.id), replyTo: started.telegramMessageId }
		);
		if (messageId !== null) {
			await recordAfterSend(() =>
				deps.redis.set(abortMessageKey(session.id), messageId, { ex: OUTPUT_TTL_S })
			);
		}
	}
	return { run: true };
}

export function abortKeyboard(sessionId: string) {
	return { inline_keyboard: [[{ text: '⏹ Abort', callback_data: `abort:${sessionId}` }]] };
}

/**
 * A batch of output from the agent. The agent retries a batch until it gets an answer, so a
 * batch can arrive again after a crash at any point. Telegram skips batches its saved state has
 * already applied (state and batch number are written together, after Telegram took the text);
 * the live view may see a batch twice and drops it by `seq`. Nothing is marked seen before it
 * has been delivered, so a crash never loses text.
 */
export async function appendOutput(
	deps: SessionDeps,
	agent: AgentIdentity,
	input: { sessionId: string; seq: number; text: string }
): Promise<void> {
	const session = await sessionOfAgent(deps, agent, input.sessionId);
	if (session.status !== 'running' && session.status !== 'queued') return;
	// The live view's log and the chat do not wait for each other: the chat's first read of its
	// state goes out alongside the append, a round trip less before Telegram has the text.
	const deliveries: Promise<unknown>[] = [
		publishOutput(deps, session.id, { kind: 'text', text: input.text, seq: input.seq })
	];
	if (deps.telegram && session.telegramChatId !== null) {
		deliveries.push(
			appendLiveOutput(
				{ redis: deps.redis, sealer: deps.sealer, api: deps.telegram, log: deps.log },
				session.id,
				session.telegramChatId,
				{ seq: input.seq, text: input.text }
			)
		);
	}
	// Both finish before the agent hears of a failure: its retry must not overlap a send.
	const failed = (await Promise.allSettled(deliveries)).find((r) => r.status === 'rejected');
	if (failed) throw failed.reason;
}

/** Append (KEYS[1] log, KEYS[2] channel; ARGV[1] sealed event, ARGV[2] TTL s); returns the id. */
const PUBLISH_OUTPUT_SCRIPT = `
local id = redis.call('XADD', KEYS[1], '*', 'sealed', ARGV[1])
redis.call('EXPIRE', KEYS[1], ARGV[2])
redis.call('PUBLISH', KEYS[2], id)
return id`;
const publishOutputScripts = new WeakMap<Redis, ReturnType<Redis['createScript']>>();

/**
 * Output events are sealed in Redis, appended and announced in one round trip; see
 * output-stream.ts for the reading side.
 */
async function publishOutput(
	deps: Pick<SessionDeps, 'redis' | 'sealer'>,
	sessionId: string,
	event: OutputEvent
): Promise<string> {
	const sealed = await deps.sealer.seal('output', sessionId, JSON.stringify(event));
	let script = publishOutputScripts.get(deps.redis);
	if (!script) {
		script = deps.redis.createScript<string>(PUBLISH_OUTPUT_SCRIPT);
		publishOutputScripts.set(deps.redis, script);
	}
	return (await script.exec(
		[outputLogKey(sessionId), outputChannel(sessionId)],
		[sealed, String(OUTPUT_TTL_S)]
	)) as string;
}

/** The agent reports the end of a task: status recorded, the chat gets a NEW message (edits do not notify). */
export async function finishSession(
	deps: SessionDeps,
	agent: AgentIdentity,
	input: SessionFinishInput
): Promise<void> {
	const session = await sessionOfAgent(deps, agent, input.sessionId);
	await endSession(deps, session, input.status, input.reason, input.durationMs);
}

/**
 * Record the end of a session once (conditional UPDATE) and tell whoever is watching. The chat's
 * end notice is tracked by a marker that whoever ends the session again (the agent retrying
 * `finish` after this process died, the sweep) reads:
 * - `owed`, set before the update: nothing went out yet, so the notice is sent;
 * - `sending`, set just before the notice goes to Telegram: a process died while sending, and
 *   Telegram may or may not have the message. Sending again could tell the chat twice, so the
 *   task's status message (the one with the Abort button) is edited to the end instead: an edit
 *   can be repeated harmlessly, and the chat shows the end either way. Without a status message
 *   the notice is sent again (twice beats never);
 * - `sent`: nothing to do.
 * Returns true when this call delivered the end.
 */
export async function endSession(
	deps: SessionDeps,
	session: Session,
	status: 'done' | 'failed' | 'aborted' | 'expired',
	reason: string | null,
	durationMs: number | null
): Promise<boolean> {
	const now = deps.now();
	const noticeKey = `tg:notice:${session.id}`;
	const tellsChat = session.telegramChatId !== null;
	// One round trip: "owed" is set (and listed for the sweep) only if nothing was marked yet.
	const markedNow =
		tellsChat &&
		(await deps.redis.eval<string[], number>(
			MARK_OWED_SCRIPT,
			[noticeKey, OWED_NOTICES_KEY],
			[String(NOTICE_MARK_TTL_S), String(now.getTime()), session.id]
		)) === 1;
	let mark: NoticeMark | null = 'owed';
	let [ended] = await deps.db
		.update(sessions)
		.set({
			status,
			endedAt: now,
			failureReason: reason ? reason.slice(0, FAILURE_REASON_LENGTH) : null
		})
		.where(and(eq(sessions.id, session.id), inArray(sessions.status, ['queued', 'running'])))
		.returning();
	if (!ended) {
		if (markedNow) {
			// Ended before notices were tracked (or long ago): nothing is owed, take the mark back.
			await deps.redis.pipeline().del(noticeKey).zrem(OWED_NOTICES_KEY, session.id).exec();
			return false;
		}
		if (!tellsChat) return false;
		mark = await deps.redis.get<NoticeMark>(noticeKey);
		if (mark !== 'owed' && mark !== 'sending') return false;
		[ended] = await deps.db.select().from(sessions).where(eq(sessions.id, session.id));
		if (!ended || ended.status === 'queued' || ended.status === 'running') return false;
	}
	if (session.status === 'queued') await deps.queue.release(session.agentId, session.id);
	// Ended here or earlier: either way no longer queued or running.
	const endedStatus = ended.status as typeof status;
	await publishOutput(deps, session.id, {
		kind: 'end',
		status: endedStatus,
		reason: ended.failureReason
	});
	const elapsed = durationMs ?? (ended.startedAt ? now.getTime() - ended.startedAt.getTime() : 0);
	if (ended.telegramChatId !== null) {
		const chatId = ended.telegramChatId;
		const notice = endNotice(endedStatus, ended.failureReason, elapsed, ended.promptPreview);
		const [statusMessage, approvals] = await deps.redis
			.pipeline()
			.get<number>(abortMessageKey(session.id))
			.smembers(sessionApprovalsKey(session.id))
			.exec<[number | null, string[]]>();
		if (approvals.length > 0) await closeApprovals(deps, approvals, endedStatus);
		if (mark === 'sending' && statusMessage) {
			await deps.notifier.edit(chatId, statusMessage, { text: notice, keyboard: null });
		} else {
			if (statusMessage) await deps.notifier.edit(chatId, statusMessage, { keyboard: null });
			await deps.redis.set(noticeKey, 'sending', { ex: NOTICE_MARK_TTL_S });
			await deps.notifier.send(chatId, notice, { replyTo: ended.telegramMessageId });
		}
		await recordAfterSend(() =>
			deps.redis
				.pipeline()
				.set(noticeKey, 'sent', { ex: NOTICE_MARK_TTL_S })
				.zrem(OWED_NOTICES_KEY, session.id)
				.exec()
		);
	}
	await endLiveOutput(deps, session.id);
	// Output lives only as long as it takes to deliver it: a late dashboard viewer gets the status from the database.
	// A web console session (no chat) is delivered to the page that sent it, which may connect
	// only after a quick task ended: its output waits CONSOLE_OUTPUT_GRACE_S for that page.
	if (ended.telegramChatId === null) {
		await deps.redis.expire(outputLogKey(session.id), CONSOLE_OUTPUT_GRACE_S);
	}
	await deps.redis.del(
		...(ended.telegramChatId === null ? [] : [outputLogKey(session.id)]),
		startedKey(session.id),
		abortMessageKey(session.id),
		sessionApprovalsKey(session.id),
		`ses:${session.id}:instance`
	);
	deps.log.info('session.ended', { sessionId: session.id, status: endedStatus });
	return true;
}

export function endNotice(
	status: string,
	reason: string | null,
	elapsedMs: number,
	preview: string
): string {
	switch (status) {
		case 'done':
			return `✅ Done in ${formatDuration(elapsedMs)}`;
		case 'aborted':
			return '⏹ Aborted';
		case 'expired':
			return `⌛ Not run: ${reason ?? 'it waited too long'}. Prompt: “${preview.slice(0, 80)}”`;
		default:
			return `❌ Failed: ${(reason ?? 'unknown error').slice(0, 300)}`;
	}
}

/** The user's last sessions, newest first, with their agent's name. */
export async function recentSessions(
	deps: Pick<Deps, 'db'>,
	accountId: string,
	telegramUserId: number | null,
	limit = 10
) {
	const where =
		telegramUserId === null
			? eq(sessions.accountId, accountId)
			: and(
					eq(sessions.accountId, accountId),
					eq(sessions.startedByTelegramUserId, telegramUserId)
				);
	return deps.db
		.select({ session: sessions, agentName: agents.name })
		.from(sessions)
		.innerJoin(agents, eq(agents.id, sessions.agentId))
		.where(where)
		.orderBy(desc(sessions.queuedAt))
		.limit(limit);
}

/**
 * A running session that the agent does not report as its current task cannot still be running
 * (left over from a crash or a kill -9 of the agent): it is failed, so the chat hears about it
 * instead of waiting forever. Sessions started in the last few seconds are spared: their start
 * may have raced the heartbeat.
 */
export async function failOrphanedSessions(
	deps: SessionDeps,
	agent: AgentIdentity,
	busySessionId: string | null
): Promise<number> {
	const cutoff = new Date(deps.now().getTime() - 10_000);
	const orphans = await deps.db
		.select()
		.from(sessions)
		.where(and(eq(sessions.agentId, agent.agentId), eq(sessions.status, 'running')));
	let failed = 0;
	for (const session of orphans) {
		if (session.id === busySessionId) continue;
		if (session.startedAt && session.startedAt > cutoff) continue;
		if (
			await endSession(deps, session, 'failed', 'the agent restarted while running this task', null)
		)
			failed++;
	}
	return failed;
}

/**
 * End notices still owed after `graceMs`: the process that ended the session died before telling
 * the chat, and nobody ended it again. Run by the sweep; returns how many were sent.
 */
export async function sendOwedNotices(deps: SessionDeps, graceMs = 30_000): Promise<number> {
	const before = deps.now().getTime() - graceMs;
	const owed = await deps.redis.zrange<string[]>(OWED_NOTICES_KEY, 0, before, { byScore: true });
	let sent = 0;
	for (const sessionId of owed) {
		const [session] = await deps.db.select().from(sessions).where(eq(sessions.id, sessionId));
		if (session && session.status !== 'queued' && session.status !== 'running') {
			// endSession's resend path: the update finds nothing, the marker says what is owed.
			if (await endSession(deps, session, session.status, null, null)) sent++;
		}
		// Still queued or running: its real end marks it again.
		await deps.redis.zrem(OWED_NOTICES_KEY, sessionId);
	}
	return sent;
}

/**
 * Tasks left running on an agent that went offline (killed, machine gone) are failed, so the
 * chat hears about it even if the agent never returns. Returns how many.
 */
export async function failSessionsOfOfflineAgents(deps: SessionDeps): Promise<number> {
	const stranded = await deps.db
		.select({ session: sessions })
		.from(sessions)
		.innerJoin(agents, eq(agents.id, sessions.agentId))
		.where(and(eq(sessions.status, 'running'), eq(agents.status, 'offline')));
	let failed = 0;
	for (const { session } of stranded) {
		const reason = 'the agent went offline while running this task';
		if (await endSession(deps, session, 'failed', reason, null)) failed++;
	}
	return failed;
}
