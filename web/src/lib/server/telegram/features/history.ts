import { Composer } from 'grammy';
import { recentSessions } from '../../sessions/sessions.ts';
import { formatDuration } from '../../sessions/format.ts';
import type { BotContext } from '../context.ts';

const STATUS_ICON: Record<string, string> = {
	queued: '⏳',
	running: '▶',
	done: '✅',
	failed: '❌',
	aborted: '⏹',
	expired: '⌛'
};

/** `/history`: the sender's last 10 tasks across their accounts. */
export const historyFeature = new Composer<BotContext>();

historyFeature.command('history', async (ctx) => {
	const rows = [];
	for (const authorization of ctx.sender.authorizations) {
		rows.push(
			...(await recentSessions(ctx.deps, authorization.accountId, ctx.sender.telegramUserId))
		);
	}
	rows.sort((a, b) => b.session.queuedAt.getTime() - a.session.queuedAt.getTime());
	if (rows.length === 0) {
		await ctx.reply('No tasks yet. Send any text to start one.');
		return;
	}
	const lines = rows.slice(0, 10).map(({ session, agentName }) => {
		const took =
			session.startedAt && session.endedAt
				? ` · ${formatDuration(session.endedAt.getTime() - session.startedAt.getTime())}`
				: '';
		const preview =
			session.promptPreview.length > 60
				? session.promptPreview.slice(0, 59) + '…'
				: session.promptPreview;
		return `${STATUS_ICON[session.status] ?? '•'} ${agentName}${took} — ${preview}`;
	});
	await ctx.reply(lines.join('\n'));
});
