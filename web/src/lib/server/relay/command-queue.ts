/**
 * Per-agent command delivery. Every command is appended to a short-lived Redis stream
 * `agent:{id}:queue`, the durable copy, and published whole on the agent's channel in the same
 * round trip (one script), so a connected agent gets it from the relay process's shared
 * subscriber (agent-channels.ts) without another read. The stream id is the tRPC tracked event
 * id: a reconnecting agent resumes after the last id it saw. Each published command names the
 * entry before it; a subscription that has not seen that one re-reads the stream, and so does
 * the periodic check, so a lost pub/sub message delays a command but never loses it.
 *
 * A prompt stays in the stream until its session leaves `queued` (started, aborted or expired):
 * an agent that dies with prompts waiting in its memory gets them again when it comes back,
 * because a new process reads the stream from the start. Other commands (abort) leave the
 * stream when the agent acknowledges them. The command itself is sealed (see crypto/seal.ts);
 * only its type and session id are readable in Redis.
 */
import type { Redis } from '@upstash/redis';
import {
	agentChannel,
	agentCommand,
	agentQueueKey,
	DomainError,
	type AgentCommand
} from '@remoteagent/shared';
import type { Sealer } from '../crypto/seal.ts';
import type { AgentChannels, AgentSignal } from './agent-channels.ts';
import type { Lease } from './subscription-leases.ts';
import { Wake } from './follow.ts';

/** Agents whose queue may hold entries; the sweeper walks this set. */
const ACTIVE_QUEUES_KEY = 'queues:active';

/** Set when an agent is deleted: the periodic check notices a revocation whose message was lost. */
export const revokedKey = (agentId: string) => `agent:${agentId}:revoked`;
const REVOKED_TTL_S = 86_400;

const READ_COUNT = 100;

export interface QueuedCommand {
	id: string;
	command: AgentCommand;
}

export interface CommandQueueOptions {
	/** Longest a command may wait; the stream key's TTL is refreshed to this on every append. */
	queueTtlMs: number;
	/**
	 * The periodic check of a subscription (re-read, lease renewal, revocation mark): the safety
	 * net against lost pub/sub messages. Delivery does not wait for it. Default 15 minutes.
	 */
	pollMs?: number;
}

/** Fields of one stream entry: only `sealed` carries the command's content. */
type EntryFields = {
	type: AgentCommand['type'];
	session: string;
	sealed: string;
};

/**
 * Append and publish (KEYS[1] stream, KEYS[2] active set, KEYS[3] channel; ARGV[1] TTL ms,
 * ARGV[2] agent id, ARGV[3] type, ARGV[4] session, ARGV[5] sealed). Returns the entry id.
 */
const ENQUEUE_SCRIPT = `
local last = redis.call('XREVRANGE', KEYS[1], '+', '-', 'COUNT', 1)
local id = redis.call('XADD', KEYS[1], '*', 'type', ARGV[3], 'session', ARGV[4], 'sealed', ARGV[5])
redis.call('PEXPIRE', KEYS[1], ARGV[1])
redis.call('SADD', KEYS[2], ARGV[2])
local prev = ''
if #last > 0 then prev = last[1][1] end
redis.call('PUBLISH', KEYS[3], cjson.encode({ kind = 'command', id = id, prev = prev, type = ARGV[3], session = ARGV[4], sealed = ARGV[5] }))
return id`;

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

/** Order of two stream ids (`<ms>-<seq>`). */
export function compareIds(a: string, b: string): number {
	const [am = '0', as = '0'] = a.split('-');
	const [bm = '0', bs = '0'] = b.split('-');
	const ms = BigInt(am) - BigInt(bm);
	if (ms !== 0n) return ms < 0n ? -1 : 1;
	const seq = BigInt(as) - BigInt(bs);
	return seq === 0n ? 0 : seq < 0n ? -1 : 1;
}

type RawEntries = Record<string, Record<string, unknown>>;

export class CommandQueue {
	/** How often a subscription checks on its own (see CommandQueueOptions.pollMs). */
	readonly pollMs: number;
	private readonly enqueueScript;
	private readonly releaseScript;
	private readonly ackScript;

	constructor(
		private readonly redis: Redis,
		private readonly sealer: Sealer,
		private readonly channels: AgentChannels,
		private readonly opts: CommandQueueOptions
	) {
		this.pollMs = opts.pollMs ?? 15 * 60_000;
		this.enqueueScript = redis.createScript<string>(ENQUEUE_SCRIPT);
		this.releaseScript = redis.createScript<number>(RELEASE_SCRIPT);
		this.ackScript = redis.createScript<number>(ACK_SCRIPT);
	}

	/** Append a command for an agent and push it to its subscriptions. Returns the event id. */
	async enqueue(agentId: string, command: AgentCommand): Promise<string> {
		const fields: EntryFields = {
			type: command.type,
			session: ('sessionId' in command ? command.sessionId : null) ?? '',
			sealed: await this.sealer.seal('command', agentId, JSON.stringify(command))
		};
		return this.enqueueScript.exec(
			[agentQueueKey(agentId), ACTIVE_QUEUES_KEY, agentChannel(agentId)],
			[String(this.opts.queueTtlMs + 60_000), agentId, fields.type, fields.session, fields.sealed]
		);
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

	/** Tell every instance that what it cached about this agent (its name) changed. */
	async changed(agentId: string): Promise<void> {
		await this.redis.publish(agentChannel(agentId), JSON.stringify({ kind: 'changed' }));
	}

	/** Tell an agent's subscriptions on every instance to re-read their stream. */
	async wake(agentId: string): Promise<void> {
		await this.redis.publish(agentChannel(agentId), JSON.stringify({ kind: 'wake' }));
	}

	async activeAgents(): Promise<string[]> {
		return this.redis.smembers(ACTIVE_QUEUES_KEY);
	}

	async forgetIfEmpty(agentId: string): Promise<void> {
		if ((await this.redis.xlen(agentQueueKey(agentId))) === 0) {
			await this.redis.srem(ACTIVE_QUEUES_KEY, agentId);
		}
	}

	/** The agent was deleted: its queue goes, and its subscriptions everywhere are told to end. */
	async revoke(agentId: string): Promise<void> {
		await this.redis
			.pipeline()
			.del(agentQueueKey(agentId))
			.srem(ACTIVE_QUEUES_KEY, agentId)
			.set(revokedKey(agentId), '1', { ex: REVOKED_TTL_S })
			.publish(agentChannel(agentId), JSON.stringify({ kind: 'revoked' }))
			.exec();
	}

	/**
	 * Commands for one agent: backlog after `lastEventId`, then new ones as they are pushed, until
	 * `signal` aborts. `admit` decides whether an entry is still wanted (not expired, not aborted
	 * before delivery; `pushed` entries were published a moment ago); it removes and reports those
	 * that are not. `stillValid` confirms a revocation heard on the channel or found by the
	 * periodic check; the stream then ends with AGENT_REVOKED. An evicted lease ends it with
	 * TOO_MANY_CONNECTIONS.
	 *
	 * Idle, a subscription costs one pipeline per `pollMs` (re-read, lease renewal, revocation
	 * mark) and nothing else: pushes arrive on the process's shared subscriber.
	 */
	async *stream(
		agentId: string,
		lastEventId: string | null,
		signal: AbortSignal,
		hooks: {
			lease: Lease;
			stillValid: () => Promise<boolean>;
			admit: (entry: QueuedCommand, pushed: boolean) => Promise<boolean>;
		}
	): AsyncGenerator<QueuedCommand> {
		const wake = new Wake();
		const pushed: Extract<AgentSignal, { kind: 'command' }>[] = [];
		let reread = true;
		let revoked = false;
		let evicted = false;
		const stopListening = await this.channels.listen(agentId, (event) => {
			if (event.kind === 'gap') reread = true;
			else if (event.message.kind === 'command') pushed.push(event.message);
			else if (event.message.kind === 'revoked') revoked = true;
			else if (event.message.kind === 'evicted') {
				evicted ||= event.message.lease === hooks.lease.member;
			} else reread = true;
			wake.fire();
		});
		const onAbort = () => wake.fire();
		signal.addEventListener('abort', onAbort);
		let cursor = lastEventId;
		let checkAt = Date.now() + this.pollMs;
		try {
			while (!signal.aborted) {
				if (evicted) throw new DomainError('TOO_MANY_CONNECTIONS');
				if (revoked) {
					if (!(await hooks.stillValid())) throw new DomainError('AGENT_REVOKED');
					revoked = false;
				}
				let entries: RawEntries | null = null;
				if (Date.now() >= checkAt) {
					checkAt = Date.now() + this.pollMs;
					const check = await this.check(agentId, cursor, hooks.lease);
					if (!check.leaseHeld) throw new DomainError('TOO_MANY_CONNECTIONS');
					revoked = check.revoked;
					entries = check.entries;
				} else if (reread) {
					entries = await this.readRaw(agentId, cursor);
				}
				if (entries) {
					reread = Object.keys(entries).length === READ_COUNT;
					for (const [id, fields] of Object.entries(entries)) {
						cursor = id;
						const entry = await this.entryOf(agentId, id, fields);
						if (entry && (await hooks.admit(entry, false))) yield entry;
						if (signal.aborted) return;
					}
					continue;
				}
				while (pushed.length > 0) {
					const push = pushed.shift()!;
					if (cursor && compareIds(push.id, cursor) <= 0) continue;
					if (push.prev && (!cursor || compareIds(push.prev, cursor) > 0)) {
						// An entry before this one never reached us: read them in order.
						reread = true;
						pushed.length = 0;
						break;
					}
					cursor = push.id;
					const entry = await this.entryOf(agentId, push.id, push);
					if (entry && (await hooks.admit(entry, true))) yield entry;
					if (signal.aborted) return;
				}
				if (!reread && !revoked && !evicted) {
					await wake.wait(Math.max(0, checkAt - Date.now()));
				}
			}
		} finally {
			signal.removeEventListener('abort', onAbort);
			stopListening();
		}
	}

	/** The periodic check, in one pipeline. */
	private async check(agentId: string, cursor: string | null, lease: Lease) {
		const [entries, renewed, , revoked] = await this.redis
			.pipeline()
			.xrange(agentQueueKey(agentId), cursor ? `(${cursor}` : '-', '+', READ_COUNT)
			.zadd(
				lease.key,
				{ xx: true, ch: true },
				{ score: Date.now() + lease.ms, member: lease.member }
			)
			.pexpire(lease.key, lease.ms)
			.exists(revokedKey(agentId))
			.exec<[RawEntries, number | null, number, number]>();
		return { entries, leaseHeld: renewed === 1, revoked: revoked === 1 };
	}

	private async readRaw(agentId: string, cursor: string | null): Promise<RawEntries> {
		return (await this.redis.xrange(
			agentQueueKey(agentId),
			cursor ? `(${cursor}` : '-',
			'+',
			READ_COUNT
		)) as RawEntries;
	}

	/** The entry as a command, or null (then removed) when it does not open. */
	private async entryOf(
		agentId: string,
		id: string,
		fields: Record<string, unknown>
	): Promise<QueuedCommand | null> {
		const command = await this.decode(agentId, fields);
		if (command) return { id, command };
		await this.remove(agentId, id);
		return null;
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
