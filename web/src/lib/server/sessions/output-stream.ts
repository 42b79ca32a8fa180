/** The dashboard's live view of one session: its output stream from Redis until the end event. */
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
import { followStream, jsonField } from '../relay/follow.ts';

export async function* streamSessionOutput(
	deps: Pick<Deps, 'db' | 'redis'>,
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
	if (session.status !== 'queued' && session.status !== 'running') {
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
		const parsed = outputEvent.safeParse(jsonField(fields.event));
		if (!parsed.success) continue;
		yield { id, event: parsed.data };
		if (parsed.data.kind === 'end') return;
	}
}
