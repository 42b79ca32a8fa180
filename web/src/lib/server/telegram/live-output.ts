/**
 * A session's output as live Telegram messages: the current message is edited as text arrives;
 * when the next text would pass Telegram's 4096 characters, that message is finished and a new
 * one started. Only the not yet finished tail of the output is kept (in Redis, sealed, with a
 * TTL, for as long as the session runs): the web tier stays stateless and nothing outlives
 * delivery.
 */
import type { Redis } from '@upstash/redis';
import type { Api } from 'grammy';
import { TELEGRAM_TEXT_LIMIT } from '@remoteagent/shared';
import type { Sealer } from '../crypto/seal.ts';
import type { Logger } from '../log.ts';
import { paginate, type Page } from './render/paginate.ts';
import { describeError, isNotModified, isParseError } from './notifier.ts';
import { paceChat } from './pace.ts';
import { recordAfterSend } from './after-send.ts';

const STATE_TTL_S = 24 * 3600;

interface LiveState {
	/** The message being edited, null before the first output. */
	messageId: number | null;
	/** Markdown source of the current message, fence-reopened if it starts inside a code block. */
	tail: string;
	/** The last batch applied; saved with the rest only after Telegram took it. */
	seq: number;
}

const stateKey = (sessionId: string) => `tg:live:${sessionId}`;

export interface LiveOutputDeps {
	redis: Redis;
	sealer: Sealer;
	api: Api;
	log: Logger;
}

/**
 * Append a batch of output to the session's chat. A batch at or below the saved `seq` was
 * applied already (a retry) and is skipped. If the process dies between the Telegram call and
 * saving the state, the retry re-applies the batch to the old state: the edit repeats with the
 * same text ("not modified") and nothing is lost.
 */
export async function appendLiveOutput(
	deps: LiveOutputDeps,
	sessionId: string,
	chatId: number,
	batch: { seq: number; text: string }
): Promise<void> {
	const state = await loadState(deps, sessionId);
	if (batch.seq <= state.seq) return;
	const source = state.tail + batch.text;
	const pages = paginate(source, TELEGRAM_TEXT_LIMIT);
	let messageId = state.messageId;
	for (const [index, page] of pages.entries()) {
		if (index === 0 && messageId !== null) await editPage(deps, chatId, messageId, page);
		else messageId = await sendPage(deps, chatId, page);
	}
	const last = pages.at(-1);
	// `reopen` re-creates the context (e.g. an open code fence) the last page starts in.
	const tail = last
		? (last.reopen ?? reopenFence(source, last.sourceStart)) + source.slice(last.sourceStart)
		: source;
	const next: LiveState = { messageId, tail, seq: batch.seq };
	const sealed = await deps.sealer.seal('live', sessionId, JSON.stringify(next));
	// Telegram has the text now: not recording it would send it again on the retry.
	await recordAfterSend(() => deps.redis.set(stateKey(sessionId), sealed, { ex: STATE_TTL_S }));
}

async function loadState(
	deps: Pick<LiveOutputDeps, 'redis' | 'sealer'>,
	sessionId: string
): Promise<LiveState> {
	const sealed = await deps.redis.get<string>(stateKey(sessionId));
	const fresh: LiveState = { messageId: null, tail: '', seq: -1 };
	if (typeof sealed !== 'string') return fresh;
	// A state sealed under an earlier secret cannot be read: the output goes on in a new message.
	return deps.sealer
		.open('live', sessionId, sealed)
		.then((text) => JSON.parse(text) as LiveState)
		.catch(() => fresh);
}

/** The session ended: its output state is deleted. */
export async function endLiveOutput(
	deps: Pick<LiveOutputDeps, 'redis'>,
	sessionId: string
): Promise<void> {
	await deps.redis.del(stateKey(sessionId));
}

async function sendPage(deps: LiveOutputDeps, chatId: number, page: Page): Promise<number> {
	await paceChat(deps.redis, chatId);
	try {
		const message = await deps.api.sendMessage(chatId, page.html, {
			parse_mode: 'HTML',
			link_preview_options: { is_disabled: true }
		});
		return message.message_id;
	} catch (error) {
		if (!isParseError(error)) throw error;
		// Telegram rejected the formatting: the same text, plain.
		deps.log.warn('telegram.html_rejected', { chatId, error: describeError(error) });
		const message = await deps.api.sendMessage(chatId, page.text, {
			link_preview_options: { is_disabled: true }
		});
		return message.message_id;
	}
}

async function editPage(
	deps: LiveOutputDeps,
	chatId: number,
	messageId: number,
	page: Page
): Promise<void> {
	await paceChat(deps.redis, chatId);
	try {
		await deps.api.editMessageText(chatId, messageId, page.html, {
			parse_mode: 'HTML',
			link_preview_options: { is_disabled: true }
		});
	} catch (error) {
		if (isNotModified(error)) return;
		if (!isParseError(error)) throw error;
		deps.log.warn('telegram.html_rejected', { chatId, error: describeError(error) });
		try {
			await deps.api.editMessageText(chatId, messageId, page.text, {
				link_preview_options: { is_disabled: true }
			});
		} catch (plainError) {
			if (!isNotModified(plainError)) throw plainError;
		}
	}
}

/**
 * When `index` falls inside a fenced code block, the fence line that opened it (plus a newline),
 * so the kept tail still renders as code; otherwise ''.
 */
export function reopenFence(source: string, index: number): string {
	let open: string | null = null;
	let lineStart = 0;
	while (lineStart < index) {
		const newline = source.indexOf('\n', lineStart);
		const lineEnd = newline === -1 ? source.length : newline;
		if (lineEnd >= index && newline === -1) break;
		const line = source.slice(lineStart, lineEnd);
		if (/^\s{0,3}```/.test(line)) open = open === null ? line.trim() : null;
		if (newline === -1) break;
		lineStart = newline + 1;
	}
	return open === null ? '' : `${open}\n`;
}
