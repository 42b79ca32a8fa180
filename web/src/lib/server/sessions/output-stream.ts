/**
 * The dashboard's live view of one session: its output stream from Redis until the end event.
 * An ended session has no output left (only its end), except a web console session within its
 * short grace after the end.
 */
import { and, eq } from 'drizzle-orm';
import {
	DomainError,
	outputChannel,
	outputEvent,
	outputLogKey,
	type OutputEvent
} from '@remoteagent/shared';
import type { UserIdentity } from '@remoteagent/shared/api';
import type { Deps } from '../deps.ts';
import { sessions } from '../db/schema/index.ts';
import { followStream } from '../relay/follow.ts';
import type { Sealer } from '../crypto/seal.ts';

export async function* streamSessionOutput(
	deps: Pick<Deps, 'db' | 'redis'> & { sealer: Sealer },
	user: UserIdentity,
	sessionId: string,
	lastEventId: string | null,
	signal: AbortSignal
): AsyncGenerator<{ id: string; event: OutputEvent }> {
	const [session] = await deps.db
		.select()
		.from(sessions)
		.where(and(eq(sessions.id, sessionId), eq(sessions.accountId, user.userId)));
	if (!session) throw new DomainError('SESSION_NOT_FOUND');
	// An ended web console session's output waits briefly for its page (sessions.ts, endSession).
	// A Telegram session's log may also linger for a moment after its end (while the end notice
	// goes out): that is not a replay, the live view already had it.
	if (
		session.status !== 'queued' &&
		session.status !== 'running' &&
		(session.telegramChatId !== null || (await deps.redis.exists(outputLogKey(sessionId))) === 0)
	) {
		yield {
			id: 'end',
			event: { kind: 'end', status: session.status, reason: session.failureReason }
		};
		return;
	}
	const entries = followStream(deps.redis, {
		key: outputLogKey(sessionId),
		channel: outputChannel(sessionId),
		lastId: lastEventId === 'end' ? null : lastEventId,
		signal,
		pollMs: 5_000
	});
	for await (const { id, fields } of entries) {
		const parsed = outputEvent.safeParse(await openEvent(deps.sealer, sessionId, fields.sealed));
		if (!parsed.success) continue;
		yield { id, event: parsed.data };
		if (parsed.data.kind === 'end') return;
	}
}

async function openEvent(sealer: Sealer, sessionId: string, sealed: unknown): Promise<unknown> {
	if (typeof sealed !== 'string') return undefined;
	try {
		return JSON.parse(await sealer.open('output', sessionId, sealed));
	} catch {
		return undefined;
	}
}
