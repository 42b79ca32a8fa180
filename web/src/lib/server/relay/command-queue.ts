/**
 * Per-agent command delivery. Pub/sub alone loses messages (an agent between two connections
 * hears nothing), so every command is first appended to a short-lived Redis stream
 * `agent:{id}:queue`; pub/sub on `agent:{id}` only wakes the subscription early. The stream id is
 * the tRPC tracked event id: a reconnecting agent resumes after the last id it saw, and its ack
 * deletes the entry, so each command is delivered once across disconnects and server restarts.
 */
import type { Redis } from '@upstash/redis';
import { followStream, jsonField } from './follow.ts';
import {
	agentChannel,
	agentCommand,
	agentQueueKey,
	DomainError,
	type AgentCommand
} from '@remoteagent/shared';

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

export class CommandQueue {
	private readonly pollMs: number;

	constructor(
		private readonly redis: Redis,
		private readonly opts: CommandQueueOptions
	) {
		this.pollMs = opts.pollMs ?? 5_000;
	}

	/** Append a command for an agent and wake its subscription. Returns the event id. */
	async enqueue(agentId: string, command: AgentCommand): Promise<string> {
		const key = agentQueueKey(agentId);
		// One round trip: subscribers wake on any message and re-read the stream themselves.
		const [id] = await this.redis
			.pipeline()
			.xadd(key, '*', { command: JSON.stringify(command) })
			.pexpire(key, this.opts.queueTtlMs + 60_000)
			.sadd(ACTIVE_QUEUES_KEY, agentId)
			.publish(agentChannel(agentId), 'new')
			.exec<[string, number, number, number]>();
		return id;
	}

	/** Entries after `afterId` (exclusive), oldest first; malformed entries are dropped. */
	async read(agentId: string, afterId: string | null, count = 100): Promise<QueuedCommand[]> {
		const start = afterId ? `(${afterId}` : '-';
		const entries = (await this.redis.xrange(agentQueueKey(agentId), start, '+', count)) as Record<
			string,
			Record<string, unknown>
		>;
		const out: QueuedCommand[] = [];
		for (const [id, fields] of Object.entries(entries)) {
			const raw = fields.command;
			const parsed = agentCommand.safeParse(jsonField(raw));
			if (parsed.success) out.push({ id, command: parsed.data });
			else await this.redis.xdel(agentQueueKey(agentId), id);
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
	 * `signal` aborts. `stillValid` is asked on every wake-up; false ends the stream with
	 * AGENT_REVOKED. `admit` decides whether an entry is still wanted (not expired, not aborted
	 * before delivery); it removes and reports those that are not.
	 */
	async *stream(
		agentId: string,
		lastEventId: string | null,
		signal: AbortSignal,
		hooks: {
			stillValid: () => Promise<boolean>;
			admit: (entry: QueuedCommand) => Promise<boolean>;
		}
	): AsyncGenerator<QueuedCommand> {
		const entries = followStream(this.redis, {
			key: agentQueueKey(agentId),
			channel: agentChannel(agentId),
			lastId: lastEventId,
			signal,
			pollMs: this.pollMs,
			onWake: async () => {
				if (!(await hooks.stillValid())) throw new DomainError('AGENT_REVOKED');
			}
		});
		for await (const { id, fields } of entries) {
			const parsed = agentCommand.safeParse(jsonField(fields.command));
			if (!parsed.success) {
				await this.remove(agentId, id);
				continue;
			}
			const entry = { id, command: parsed.data };
			if (await hooks.admit(entry)) yield entry;
		}
	}
}
