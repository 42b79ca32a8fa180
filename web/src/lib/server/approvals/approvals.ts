/**
 * Approval requests on the relay. The agent asks (`approval.request`); the request is posted to
 * the task's chat with buttons whose callback data is a random 128-bit token, bound in Redis to
 * the agent, account and session. The first answer claims the token (SET NX), so an answer is
 * single-use and a second tap hears "already answered"; it travels to the agent as an
 * `approval` command on the exactly-once command queue. When the agent stops waiting (timeout or
 * abort) it calls `approval.expire`, which claims the token for a deny the same way and edits
 * the message to say so; a person's answer that got there first wins. A task that ends with a
 * request still open (its agent killed while it waited) denies it the same way and takes the
 * buttons away (see {@link closeApprovals}). Everything stored is
 * sealed and expires; the rules a person allows "always" are saved by the agent, never here.
 */
import { randomBytes } from 'node:crypto';
import { and, eq } from 'drizzle-orm';
import {
	DomainError,
	type ApprovalDecision,
	type ApprovalExpireOutput,
	type ApprovalRequestInput
} from '@remoteagent/shared';
import type { AgentIdentity } from '@remoteagent/shared/api';
import { sessions } from '../db/schema/index.ts';
import type { SessionDeps } from '../sessions/sessions.ts';
import { approvalKeyboard, approvalText, decisionLine } from './message.ts';

/** A request as the relay keeps it (sealed, under its token). */
interface ApprovalRecord {
	agentId: string;
	accountId: string;
	sessionId: string;
	requestId: string;
	chatId: number | null;
	messageId: number | null;
	text: string;
	pattern: string | null;
	timeoutMs: number;
}

interface Answer {
	decision: ApprovalDecision;
	reason: string | null;
	by: { telegramUserId: number; name: string } | null;
}

const recordKey = (token: string) => `approval:${token}`;
const answerKey = (token: string) => `approval:${token}:answer`;
const requestKey = (sessionId: string, requestId: string) =>
	`approval:req:${sessionId}:${requestId}`;
/** The tokens of a session's requests, for closing those still open when it ends. */
export const sessionApprovalsKey = (sessionId: string) => `approval:ses:${sessionId}`;
/** The request a reply in the chat answers. */
export const messageKey = (chatId: number, messageId: number) =>
	`approval:msg:${chatId}:${messageId}`;

/** Keys live a while past the timeout, so a late tap still hears what happened. */
const ttlOf = (timeoutMs: number) => Math.ceil(timeoutMs / 1000) + 3600;

/** Post an approval request to the chat of the task. A retried request is posted once. */
export async function requestApproval(
	deps: SessionDeps,
	agent: AgentIdentity & { name: string },
	input: ApprovalRequestInput
): Promise<{ timeoutMs: number }> {
	const timeoutMs = deps.config.APPROVAL_TIMEOUT;
	const [session] = await deps.db
		.select()
		.from(sessions)
		.where(and(eq(sessions.id, input.sessionId), eq(sessions.agentId, agent.agentId)));
	if (!session || session.status !== 'running') throw new DomainError('SESSION_NOT_FOUND');
	const ex = ttlOf(timeoutMs);
	const token = randomBytes(16).toString('base64url');
	// A crash after this line leaves a request nobody sees: the agent's wait times out (deny).
	const first = await deps.redis.set(requestKey(session.id, input.requestId), token, {
		nx: true,
		ex
	});
	if (first !== 'OK') return { timeoutMs };
	await deps.redis
		.pipeline()
		.sadd(sessionApprovalsKey(session.id), token)
		.expire(sessionApprovalsKey(session.id), ex)
		.exec();
	const record: ApprovalRecord = {
		agentId: agent.agentId,
		accountId: session.accountId,
		sessionId: session.id,
		requestId: input.requestId,
		chatId: session.telegramChatId,
		messageId: null,
		text: approvalText(agent.name, input),
		pattern: input.pattern,
		timeoutMs
	};
	await saveRecord(deps, token, record, ex);
	if (record.chatId !== null) {
		record.messageId = await deps.notifier.send(record.chatId, record.text, {
			keyboard: approvalKeyboard(token, input.pattern),
			replyTo: session.telegramMessageId
		});
		if (record.messageId !== null) {
			await saveRecord(deps, token, record, ex);
			await deps.redis.set(messageKey(record.chatId, record.messageId), token, { ex });
			// Answered from the buttons before the message's id was saved: show it now (the
			// answer, loading the record first, could not).
			const answer = await loadAnswer(deps, token);
			if (answer) await showDecision(deps, record, answer, null);
		}
	}
	deps.log.info('approval.requested', { sessionId: session.id });
	return { timeoutMs };
}

export type AnswerOutcome = 'answered' | 'already-answered' | 'expired' | 'ended' | 'not-yours';

/**
 * A person's answer. Only an authorised user of the agent's account may answer, only while the
 * task runs, and only once.
 */
export async function answerApproval(
	deps: SessionDeps,
	token: string,
	sender: { telegramUserId: number; name: string; accountIds: string[] },
	decision: ApprovalDecision,
	reason: string | null
): Promise<AnswerOutcome> {
	const record = await loadRecord(deps, token);
	if (!record) return 'expired';
	if (!sender.accountIds.includes(record.accountId)) return 'not-yours';
	if ((await deps.redis.exists(answerKey(token))) === 1) return 'already-answered';
	const [session] = await deps.db
		.select({ status: sessions.status })
		.from(sessions)
		.where(eq(sessions.id, record.sessionId));
	if (session?.status !== 'running') {
		if (record.chatId !== null && record.messageId !== null) {
			await deps.notifier.edit(record.chatId, record.messageId, {
				text: `${record.text}\n\nThe task already ended.`,
				keyboard: null
			});
		}
		return 'ended';
	}
	const answer: Answer = {
		decision,
		reason: decision === 'deny' ? reason : null,
		by: { telegramUserId: sender.telegramUserId, name: sender.name }
	};
	if (!(await claim(deps, token, record, answer))) return 'already-answered';
	try {
		await deps.queue.enqueue(record.agentId, {
			type: 'approval',
			sessionId: record.sessionId,
			requestId: record.requestId,
			decision: answer.decision,
			reason: answer.reason,
			by: answer.by!
		});
	} catch (error) {
		// Not delivered: let the person (or the timeout) answer again.
		await deps.redis.del(answerKey(token));
		throw error;
	}
	// Loaded again: a request answered the moment it appeared may have saved its message id since.
	await showDecision(deps, (await loadRecord(deps, token)) ?? record, answer, null);
	deps.log.info('approval.answered', { sessionId: record.sessionId, decision });
	return 'answered';
}

/** The agent stopped waiting: deny, unless a person's answer got there first. */
export async function expireApproval(
	deps: SessionDeps,
	agent: AgentIdentity,
	input: { sessionId: string; requestId: string; why: 'timeout' | 'aborted' }
): Promise<ApprovalExpireOutput> {
	const denied: Answer = {
		decision: 'deny',
		reason:
			input.why === 'timeout'
				? 'nobody answered the approval request in time'
				: 'the task was aborted',
		by: null
	};
	const token = await deps.redis.get<string>(requestKey(input.sessionId, input.requestId));
	const record = token ? await loadRecord(deps, token) : null;
	if (!token || !record || record.agentId !== agent.agentId) return denied;
	if (await claim(deps, token, record, denied)) {
		await showDecision(deps, record, denied, { why: input.why, timeoutMs: record.timeoutMs });
		deps.log.info('approval.expired', { sessionId: record.sessionId, why: input.why });
		return denied;
	}
	return (await loadAnswer(deps, token)) ?? denied;
}

/**
 * A task ended (`tokens`: its requests, from {@link sessionApprovalsKey}): each request nobody
 * answered is denied and its message edited, so no buttons are left for a task that is over.
 */
export async function closeApprovals(
	deps: SessionDeps,
	tokens: string[],
	status: 'done' | 'failed' | 'aborted' | 'expired'
): Promise<void> {
	const denied: Answer = { decision: 'deny', reason: 'the task ended', by: null };
	for (const token of tokens) {
		const record = await loadRecord(deps, token);
		if (!record || !(await claim(deps, token, record, denied))) continue;
		await showDecision(deps, record, denied, {
			why: status === 'aborted' ? 'aborted' : 'ended',
			timeoutMs: record.timeoutMs
		});
	}
}

/** Resolve the token for the reply to its message (deny with a reason). */
export async function tokenOfMessage(
	deps: Pick<SessionDeps, 'redis'>,
	chatId: number,
	messageId: number
): Promise<string | null> {
	return deps.redis.get<string>(messageKey(chatId, messageId));
}

async function claim(
	deps: SessionDeps,
	token: string,
	record: ApprovalRecord,
	answer: Answer
): Promise<boolean> {
	const sealed = await deps.sealer.seal('approval', token, JSON.stringify(answer));
	const set = await deps.redis.set(answerKey(token), sealed, {
		nx: true,
		ex: ttlOf(record.timeoutMs)
	});
	return set === 'OK';
}

async function showDecision(
	deps: SessionDeps,
	record: ApprovalRecord,
	answer: Answer,
	expiry: { why: 'timeout' | 'aborted' | 'ended'; timeoutMs: number } | null
): Promise<void> {
	if (record.chatId === null || record.messageId === null) return;
	const line = decisionLine(answer, record.pattern, expiry);
	await deps.notifier.edit(record.chatId, record.messageId, {
		text: `${record.text}\n\n${line}`,
		keyboard: null
	});
}

async function saveRecord(
	deps: SessionDeps,
	token: string,
	record: ApprovalRecord,
	ex: number
): Promise<void> {
	const sealed = await deps.sealer.seal('approval', token, JSON.stringify(record));
	await deps.redis.set(recordKey(token), sealed, { ex });
}

async function loadAnswer(deps: SessionDeps, token: string): Promise<Answer | null> {
	const sealed = await deps.redis.get<string>(answerKey(token));
	if (typeof sealed !== 'string') return null;
	return JSON.parse(await deps.sealer.open('approval', token, sealed)) as Answer;
}

async function loadRecord(deps: SessionDeps, token: string): Promise<ApprovalRecord | null> {
	const sealed = await deps.redis.get<string>(recordKey(token));
	if (typeof sealed !== 'string') return null;
	try {
		return JSON.parse(await deps.sealer.open('approval', token, sealed)) as ApprovalRecord;
	} catch {
		return null;
	}
}
