/**
 * Tasks from Telegram: plain text is a prompt for the sender's active agent; `abort` (word or
 * button) stops the running task; `continue [text]` goes on with the previous conversation.
 */
import { Composer } from 'grammy';
import { and, asc, desc, eq, inArray } from 'drizzle-orm';
import { sessions, type Session } from '../../db/schema/index.ts';
import { abortKeyboard, createSession } from '../../sessions/sessions.ts';
import { stopSession } from '../../sessions/abort.ts';
import { activeAgentOf } from '../agents-of.ts';
import { abortMessageKey, promptReceipt, startedKey, STARTED_TTL_S } from '../receipt.ts';
import type { BotContext } from '../context.ts';
import { relayRefusal } from '../../billing/entitlements.ts';

/** An account that may not relay is told so once per sender in this window, then left alone. */
const REFUSAL_WINDOW_S = 600;
import { fileRefsFor, type TelegramFile } from '../../review/file-refs.ts';

export const tasksFeature = new Composer<BotContext>();

const ABORT = /^\s*(abort|stop|cancel)\s*$/i;
const CONTINUE = /^\s*continue\b\s*([\s\S]*)$/i;

tasksFeature.hears(ABORT, async (ctx) => {
	const target = await activeAgentOf(ctx.deps, ctx.sender);
	if (!target) return void (await ctx.reply('No agent is paired yet.'));
	const [running] = await ctx.deps.db
		.select()
		.from(sessions)
		.where(and(eq(sessions.agentId, target.agent.id), eq(sessions.status, 'running')));
	if (!running) return void (await ctx.reply(`Nothing is running on ${target.agent.name}.`));
	await requestAbort(ctx, running);
});

tasksFeature.callbackQuery(/^abort:(.+)$/, async (ctx) => {
	const sessionId = ctx.match[1] ?? '';
	const accounts = ctx.sender.authorizations.map((a) => a.accountId);
	const [session] = await ctx.deps.db
		.select()
		.from(sessions)
		.where(and(eq(sessions.id, sessionId), inArray(sessions.accountId, accounts)));
	if (!session || (session.status !== 'running' && session.status !== 'queued')) {
		await ctx.answerCallbackQuery({ text: 'That task already ended.' });
		return;
	}
	await ctx.answerCallbackQuery({ text: 'Stopping…' });
	await requestAbort(ctx, session);
});

async function requestAbort(ctx: BotContext, session: Session): Promise<void> {
	if ((await stopSession(ctx.deps, session)) === 'stopping') await ctx.reply('⏹ Stopping…');
}

tasksFeature.hears(CONTINUE, async (ctx) => {
	const target = await activeAgentOf(ctx.deps, ctx.sender);
	if (!target) return void (await ctx.reply(noAgentText(ctx)));
	const [previous] = await ctx.deps.db
		.select()
		.from(sessions)
		.where(
			and(
				eq(sessions.agentId, target.agent.id),
				eq(sessions.startedByTelegramUserId, ctx.sender.telegramUserId)
			)
		)
		.orderBy(desc(sessions.queuedAt))
		.limit(1);
	if (!previous) return void (await ctx.reply(`Nothing to continue on ${target.agent.name} yet.`));
	const more = (ctx.match[1] ?? '').trim();
	await submitPrompt(ctx, more || 'continue', previous.id, target);
});

tasksFeature.on('message:text', async (ctx, next) => {
	if (ctx.message.text.startsWith('/')) return next();
	await submitPrompt(ctx, ctx.message.text, null);
});

function noAgentText(ctx: BotContext): string {
	const url = ctx.deps.config.PUBLIC_URL;
	return `No agent is paired yet. Open ${url ? new URL('/agents/new', url).href : 'the dashboard'} to add one.`;
}

/**
 * `resolved` is the active agent when the caller already looked it up; `files` were sent to the
 * bot with the prompt (see features/files.ts).
 */
export async function submitPrompt(
	ctx: BotContext,
	prompt: string,
	continueSessionId: string | null,
	resolved?: Awaited<ReturnType<typeof activeAgentOf>>,
	files: TelegramFile[] = []
): Promise<void> {
	const { deps, sender } = ctx;
	const target = resolved === undefined ? await activeAgentOf(deps, sender) : resolved;
	if (!target || !ctx.chat) return void (await ctx.reply(noAgentText(ctx)));
	const { agent, authorization } = target;
	const refusal = await relayRefusal(deps, authorization.accountId, agent.id, authorization.id);
	if (refusal) {
		// No session is created: nothing reaches the agent. The inactive notice is not repeated
		// for every prompt in a burst; a paused agent or member is told each time.
		const first =
			refusal.kind === 'paused' ||
			(await deps.redis.set(
				`billing:told:${authorization.accountId}:${sender.telegramUserId}`,
				'1',
				{ nx: true, ex: REFUSAL_WINDOW_S }
			)) === 'OK';
		if (first) await ctx.reply(refusal.text, { link_preview_options: { is_disabled: true } });
		return;
	}
	const ahead = await deps.db
		.select()
		.from(sessions)
		.where(and(eq(sessions.agentId, agent.id), inArray(sessions.status, ['queued', 'running'])))
		.orderBy(asc(sessions.queuedAt));
	const session = await createSession(deps, {
		accountId: authorization.accountId,
		agentId: agent.id,
		prompt,
		startedBy: { telegramUserId: sender.telegramUserId, name: sender.name },
		chatId: ctx.chat.id,
		messageId: ctx.message?.message_id ?? null,
		continueSessionId,
		...(files.length > 0 ? { files: await fileRefsFor(deps.sealer, agent.id, files) } : {})
	});
	const running = ahead.find((s) => s.status === 'running');
	const receipt = promptReceipt({
		agentName: agent.name,
		online: agent.status === 'online',
		lastSeenAt: agent.lastSeenAt,
		ahead: ahead.length,
		runningOther:
			running && running.startedByTelegramUserId !== sender.telegramUserId
				? { name: running.startedByName, preview: running.promptPreview }
				: null,
		now: deps.now(),
		offlineQueueMs: deps.config.OFFLINE_QUEUE_MS
	});
	const message = await ctx.reply(receipt.text, {
		reply_markup: abortKeyboard(session.id),
		...answering(ctx)
	});
	if (!receipt.working) return;
	// Tell startSession the first message is out, so it does not send another.
	await deps.redis
		.pipeline()
		.set(startedKey(session.id), '1', { ex: STARTED_TTL_S })
		.set(abortMessageKey(session.id), message.message_id, { ex: STARTED_TTL_S })
		.exec();
}

/** A task's messages answer the prompt they are about, so a busy chat shows which is which. */
function answering(ctx: BotContext) {
	const messageId = ctx.message?.message_id;
	return messageId === undefined
		? {}
		: { reply_parameters: { message_id: messageId, allow_sending_without_reply: true } };
}
