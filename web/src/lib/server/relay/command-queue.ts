/**
 * Per-agent command delivery. Pub/sub alone loses messages (an agent between two connections
 * hears nothing), so every command is first appended to a short-lived Redis stream
 * `agent:{id}:queue`; pub/sub on `agent:{id}` only wakes the subscription early. The stream id is
 * the tRPC tracked event id: a reconnecting agent resumes after the last id it saw.
 *
 * A prompt stays in the stream until its session leaves `queued` (started, aborted or expired):
 * an agent that dies with prompts waiting in its memory gets them again when it comes back,
 * because a new process reads the stream from the start. Other commands (abort) leave the
 * stream when the agent acknowledges them. The command itself is sealed (see crypto/seal.ts);
 * only its type and session id are readable in Redis.
 */
import type { Redis } from '@upstash/redis';
import { followStream } from './follow.ts';
import { agentChannel, agentCommand, agentQueueKey, type AgentCommand } from '@remoteagent/shared';
import type { Sealer } from '../crypto/seal.ts';

/** Agents whose queue may hold entries; the sweeper walks this set. */
const ACTIVE_QUEUES_KEY = 'queues:active';

/** Message on the agent channel that ends its subscription at once (sent when it is deleted). */
export const REVOKED_SIGNAL = 'revoked';

export interface QueuedCommand {
	id: string;
	command: AgentCommand;
}

export interface CommandQueueOptions {
	/** Longest a command may wait; the stream key's TTL is refreshed to this on every append. */
	queueTtlMs: number;
	/** Safety net against lost pub/sub messages and revocation: re-read this often. */
	pollMs?: number;
}

/** Fields of one stream entry: only `sealed` carries the command's content. */
type EntryFields = {
	type: AgentCommand['type'];
	session: string;
	sealed: string;
};

/** Delete the prompt entries of one session (KEYS[1] stream, ARGV[1] session id). */
const RELEASE_SCRIPT = `
local removed = 0
for _, entry in ipairs(redis.call('XRANGE', KEYS[1], '-', '+')) do
	local fields, kind, session = entry[2], nil, nil
	for i = 1, #fields, 2 do
		if fields[i] == 'type' then kind = fields[i + 1] elseif fields[i] == 'session' then session = fields[i + 1] end
	end
	if kind == 'prompt' and session == ARGV[1] then removed = removed + redis.call('XDEL', KEYS[1], entry[1]) end
end
return removed`;

/** Delete one entry unless it is a prompt (KEYS[1] stream, ARGV[1] entry id). */
const ACK_SCRIPT = `
local found = redis.call('XRANGE', KEYS[1], ARGV[1], ARGV[1])
if #found == 0 then return 0 end
local fields = found[1][2]
for i = 1, #fields, 2 do
	if fields[i] == 'type' and fields[i + 1] == 'prompt' then return 0 end
end
return redis.call('XDEL', KEYS[1], ARGV[1])`;

export class CommandQueue {
	/** How often subscriptions re-read the stream without a wake-up. */
	readonly pollMs: number;
	private readonly releaseScript;
	private readonly ackScript;

	constructor(
		private readonly redis: Redis,
		private readonly sealer: Sealer,
		private readonly opts: CommandQueueOptions
	) {
		this.pollMs = opts.pollMs ?? 5_000;
		this.releaseScript = redis.createScript<number>(RELEASE_SCRIPT);
		this.ackScript = redis.createScript<number>(ACK_SCRIPT);
	}

	/** Append a command for an agent and wake its subscription. Returns the event id. */
	async enqueue(agentId: string, command: AgentCommand): Promise<string> {
		const key = agentQueueKey(agentId);
		const fields: EntryFields = {
			type: command.type,
			session: ('sessionId' in command ? command.sessionId : null) ?? '',
			sealed: await this.sealer.seal('command', agentId, JSON.stringify(command))
		};
		// One round trip: subscribers wake on any message and re-read the stream themselves.
		const [id] = await this.redis
			.pipeline()
			.xadd(key, '*', fields)
			.pexpire(key, this.opts.queueTtlMs + 60_000)
			.sadd(ACTIVE_QUEUES_KEY, agentId)
			.publish(agentChannel(agentId), 'new')
			.exec<[string, number, number, number]>();
		return id;
	}

	/** Entries after `afterId` (exclusive), oldest first; entries that do not open are dropped. */
	async read(agentId: string, afterId: string | null, count = 100): Promise<QueuedCommand[]> {
		const start = afterId ? `(${afterId}` : '-';
		const entries = (await this.redis.xrange(agentQueueKey(agentId), start, '+', count)) as Record<
			string,
			Record<string, unknown>
		>;
		const out: QueuedCommand[] = [];
		for (const [id, fields] of Object.entries(entries)) {
			const command = await this.decode(agentId, fields);
			if (command) out.push({ id, command });
			else await this.remove(agentId, id);
		}
		return out;
	}

	/**
	 * Remove one entry. Returns true for the single caller that actually removed it, which makes
	 * it usable as a lock: only that caller reports an expiry, for example.
	 */
	async remove(agentId: string, eventId: string): Promise<boolean> {
		return (await this.redis.xdel(agentQueueKey(agentId), eventId)) === 1;
	}

	/** The agent has taken a command: it leaves the stream, unless it is a prompt (see {@link release}). */
	async ack(agentId: string, eventId: string): Promise<void> {
		await this.ackScript.exec([agentQueueKey(agentId)], [eventId]);
	}

	/** A session left `queued`: its prompt is no longer offered to the agent. */
	async release(agentId: string, sessionId: string): Promise<void> {
		await this.releaseScript.exec([agentQueueKey(agentId)], [sessionId]);
	}

	/** Wake an agent's subscription with a message; `REVOKED_SIGNAL` makes it re-check its identity. */
	async signal(agentId: string, message: string): Promise<void> {
		await this.redis.publish(agentChannel(agentId), message);
	}

	async activeAgents(): Promise<string[]> {
		return this.redis.smembers(ACTIVE_QUEUES_KEY);
	}

	async forgetIfEmpty(agentId: string): Promise<void> {
		if ((await this.redis.xlen(agentQueueKey(agentId))) === 0) {
			await this.redis.srem(ACTIVE_QUEUES_KEY, agentId);
		}
	}

	async drop(agentId: string): Promise<void> {
		await this.redis.pipeline().del(agentQueueKey(agentId)).srem(ACTIVE_QUEUES_KEY, agentId).exec();
	}

	/**
	 * Commands for one agent: backlog after `lastEventId`, then new ones as they come, until
	 * `signal` aborts. `onWake` runs on every wake-up (throw to end the stream, e.g. with
	 * AGENT_REVOKED). `admit` decides whether an entry is still wanted (not expired, not aborted
	 * before delivery); it removes and reports those that are not.
	 */
	async *stream(
		agentId: string,
		lastEventId: string | null,
		signal: AbortSignal,
		hooks: {
			onWake: () => Promise<void>;
			admit: (entry: QueuedCommand) => Promise<boolean>;
		}
	): AsyncGenerator<QueuedCommand> {
		const entries = followStream(this.redis, {
			key: agentQueueKey(agentId),
			channel: agentChannel(agentId),
			lastId: lastEventId,
			signal,
			pollMs: this.pollMs,
			onWake: hooks.onWake
		});
		for await (const { id, fields } of entries) {
			const command = await this.decode(agentId, fields);
			if (!command) {
				await this.remove(agentId, id);
				continue;
			}
			const entry = { id, command };
			if (await hooks.admit(entry)) yield entry;
		}
	}

	/** The command of an entry, or null when it does not open or is not a command. */
	private async decode(
		agentId: string,
		fields: Record<string, unknown>
	): Promise<AgentCommand | null> {
		if (typeof fields.sealed !== 'string') return null;
		try {
			const opened = await this.sealer.open('command', agentId, fields.sealed);
			const parsed = agentCommand.safeParse(JSON.parse(opened));
			return parsed.success ? parsed.data : null;
		} catch {
			return null;
		}
	}
}
