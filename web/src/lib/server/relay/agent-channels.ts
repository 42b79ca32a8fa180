/**
 * One Redis subscriber per relay process for every agent's channel (`agent:<id>`), fanned out in
 * memory to the subscriptions this process holds. An idle agent then costs its relay no Redis
 * connection and no command of its own: one pattern subscription (`PSUBSCRIBE agent:*`) carries
 * the commands pushed to any agent and the signals (revoked, evicted) that end a subscription.
 *
 * It speaks Upstash's SSE wire format itself (`POST /psubscribe/<pattern>`, lines
 * `data: pmessage,<pattern>,<channel>,<message>`; see tools/upstash-rest/pubsub.ts) rather than
 * through `@upstash/redis`'s `Subscriber`, which cannot tell that its stream ended: a stream that
 * ends or fails here is reported to every listener as a gap (they re-read what they may have
 * missed) and opened again with backoff.
 *
 * A stream can also hang without ending (a half-open connection, a NAT that forgot it). Every
 * agent's heartbeat publishes {@link BEAT_MESSAGE} on its channel (presence.ts), so a process
 * holding any subscription hears something at least every heartbeat interval; silence for
 * `silenceMs` means the stream is dead, and it is treated as dropped. The beats also keep an
 * idle stream's connection warm, and cost no command of their own (they ride in the heartbeat's
 * script).
 */
import { HEARTBEAT_INTERVAL_MS } from '@remoteagent/shared';
import type { Logger } from '../log.ts';

/** Published on an agent's channel by each heartbeat: a sign of life, not passed on. */
export const BEAT_MESSAGE = '{"kind":"beat"}';

/** Two missed heartbeats of every agent and a margin: the stream, not the agents, went quiet. */
export const DEFAULT_SILENCE_MS = 2 * HEARTBEAT_INTERVAL_MS + 30_000;

/** What a listener hears: a message on its agent's channel, or that messages may have been lost. */
export type ChannelEvent = { kind: 'message'; message: AgentSignal } | { kind: 'gap' };

/** Messages on an agent's channel (JSON). */
export type AgentSignal =
	/** A command was appended to the agent's stream; carried whole, so no read is needed. */
	| {
			kind: 'command';
			id: string;
			/** The stream's newest entry before this one ('' if none): a gap check. */
			prev: string;
			type: string;
			session: string;
			sealed: string;
	  }
	/** The agent was deleted: end its subscriptions. */
	| { kind: 'revoked' }
	/** The agent was renamed: forget what was cached about it. */
	| { kind: 'changed' }
	/** Newer subscriptions took this lease's place (see subscription-leases.ts). */
	| { kind: 'evicted'; lease: string }
	/** Something changed: re-read the stream (older relays, tests). */
	| { kind: 'wake' };

export type ChannelListener = (event: ChannelEvent) => void;

export interface AgentChannelsOptions {
	/** Upstash REST URL and token (the same as the relay's Redis client). */
	url: string;
	token: string;
	log: Logger;
	/** Channel prefix; a channel is `<prefix><agentId>` (default `agent:`). */
	prefix?: string;
	/** First reconnect delay after a dropped stream (doubles up to 30 s). */
	retryMs?: number;
	/** Every signal heard for any agent, listened to here or not. */
	onSignal?: (agentId: string, signal: AgentSignal) => void;
	/** Signals may have been missed (the stream dropped). */
	onGap?: () => void;
	/** A stream that carried nothing for this long is taken for dead (default {@link DEFAULT_SILENCE_MS}). */
	silenceMs?: number;
}

export class AgentChannels {
	private readonly listeners = new Map<string, Set<ChannelListener>>();
	private readonly prefix: string;
	private stream: { abort: AbortController; ready: Promise<void> } | null = null;
	private failures = 0;
	private subscribed = false;
	private retryTimer: ReturnType<typeof setTimeout> | null = null;
	/** Streams opened since the process started: for tests and the benchmark. */
	opened = 0;
	/** Streams given up as silent: for tests. */
	silenced = 0;

	constructor(private readonly opts: AgentChannelsOptions) {
		this.prefix = opts.prefix ?? 'agent:';
	}

	/**
	 * Listen to one agent's channel. Resolves once the process's subscription is live, so a read
	 * made after it cannot miss a message published after that read.
	 */
	async listen(agentId: string, listener: ChannelListener): Promise<() => void> {
		let set = this.listeners.get(agentId);
		if (!set) this.listeners.set(agentId, (set = new Set()));
		set.add(listener);
		const stop = () => {
			const current = this.listeners.get(agentId);
			current?.delete(listener);
			if (current?.size === 0) this.listeners.delete(agentId);
			if (this.listeners.size === 0) this.close();
		};
		try {
			await this.open().ready;
		} catch (error) {
			stop();
			throw error;
		}
		return stop;
	}

	/**
	 * Whether this process hears every agent's channel right now (subscribed, not between a drop
	 * and the reconnect): what it caches about agents is only trusted while it does.
	 */
	get live(): boolean {
		return this.subscribed;
	}

	/** How many subscriptions of this process listen (for the benchmark). */
	get size(): number {
		let n = 0;
		for (const set of this.listeners.values()) n += set.size;
		return n;
	}

	close(): void {
		if (this.retryTimer) clearTimeout(this.retryTimer);
		this.retryTimer = null;
		this.stream?.abort.abort();
		this.stream = null;
		this.failures = 0;
		this.subscribed = false;
	}

	private open(): { abort: AbortController; ready: Promise<void> } {
		if (this.stream) return this.stream;
		const abort = new AbortController();
		const ready = this.run(abort);
		// A failed first connect is the caller's error; later ones are handled in run().
		ready.catch(() => {});
		this.stream = { abort, ready };
		this.opened++;
		return this.stream;
	}

	/** Resolves when subscribed; keeps reading in the background until aborted or dropped. */
	private run(abort: AbortController): Promise<void> {
		return new Promise<void>((resolve, reject) => {
			let subscribed = false;
			// Aborted by the watchdog: unlike `abort` (closed on purpose), a drop like any other.
			const silent = new AbortController();
			let heardAt = performance.now();
			const silenceMs = this.opts.silenceMs ?? DEFAULT_SILENCE_MS;
			const watchdog = setInterval(
				() => {
					if (performance.now() - heardAt <= silenceMs) return;
					this.silenced++;
					silent.abort(new Error(`nothing heard for ${Math.round(silenceMs / 1000)} s`));
				},
				Math.max(50, silenceMs / 4)
			);
			watchdog.unref?.();
			const dropped = (error: unknown) => {
				clearInterval(watchdog);
				this.subscribed = false;
				if (abort.signal.aborted) return;
				if (!subscribed) {
					if (this.stream?.abort === abort) this.stream = null;
					reject(error instanceof Error ? error : new Error(String(error)));
					return;
				}
				this.opts.log.warn('relay.agent_channels_dropped', {
					error: silent.signal.aborted ? 'silent' : error instanceof Error ? error.name : 'ended'
				});
				if (this.stream?.abort === abort) this.stream = null;
				this.broadcastGap();
				this.scheduleReopen();
			};
			const signal = AbortSignal.any([abort.signal, silent.signal]);
			const heard = () => (heardAt = performance.now());
			const onSubscribed = () => {
				subscribed = true;
				this.subscribed = true;
				this.failures = 0;
				resolve();
			};
			this.read(signal, heard, onSubscribed).then(
				() => dropped(new Error('the subscription stream ended')),
				(error: unknown) => dropped(error)
			);
		});
	}

	private async read(
		signal: AbortSignal,
		heard: () => void,
		onSubscribed: () => void
	): Promise<void> {
		const pattern = `${this.prefix}*`;
		const response = await fetch(`${this.opts.url}/psubscribe/${encodeURIComponent(pattern)}`, {
			method: 'POST',
			headers: {
				authorization: `Bearer ${this.opts.token}`,
				accept: 'text/event-stream',
				'cache-control': 'no-cache'
			},
			signal
		});
		if (!response.ok || !response.body) {
			throw new Error(`psubscribe answered ${response.status}`);
		}
		const decoder = new TextDecoder();
		let buffered = '';
		for await (const chunk of response.body as unknown as AsyncIterable<Uint8Array>) {
			heard();
			buffered += decoder.decode(chunk, { stream: true });
			let newline: number;
			while ((newline = buffered.indexOf('\n')) !== -1) {
				const line = buffered.slice(0, newline).replace(/\r$/, '');
				buffered = buffered.slice(newline + 1);
				if (line.startsWith('data:')) this.onData(line.slice(5).trimStart(), onSubscribed);
			}
		}
	}

	private onData(data: string, onSubscribed: () => void): void {
		// psubscribe,<pattern>,<count> | pmessage,<pattern>,<channel>,<message>
		const first = data.indexOf(',');
		const kind = data.slice(0, first);
		if (kind === 'psubscribe') return onSubscribed();
		if (kind !== 'pmessage') return;
		const second = data.indexOf(',', first + 1);
		const third = data.indexOf(',', second + 1);
		if (second === -1 || third === -1) return;
		const channel = data.slice(second + 1, third);
		if (!channel.startsWith(this.prefix)) return;
		const agentId = channel.slice(this.prefix.length);
		// Beats (and anything else not ours) parse to null: heard, not passed on.
		const message = parseSignal(data.slice(third + 1));
		if (!message) return;
		this.opts.onSignal?.(agentId, message);
		const listeners = this.listeners.get(agentId);
		if (!listeners) return;
		for (const listener of [...listeners]) listener({ kind: 'message', message });
	}

	private broadcastGap(): void {
		this.opts.onGap?.();
		for (const set of this.listeners.values()) {
			for (const listener of [...set]) listener({ kind: 'gap' });
		}
	}

	private scheduleReopen(): void {
		if (this.listeners.size === 0 || this.retryTimer) return;
		const delay = Math.min(30_000, (this.opts.retryMs ?? 500) * 2 ** this.failures);
		this.failures++;
		this.retryTimer = setTimeout(() => {
			this.retryTimer = null;
			if (this.listeners.size === 0) return;
			// Anything published while the stream was down is found by the gap re-read that
			// follows the reconnect.
			this.open().ready.then(
				() => this.broadcastGap(),
				() => this.scheduleReopen()
			);
		}, delay);
		this.retryTimer.unref?.();
	}
}

/** A channel message, or null for anything that is not one of ours. */
export function parseSignal(raw: string): AgentSignal | null {
	let value: unknown;
	try {
		value = JSON.parse(raw);
	} catch {
		// Relays before the shared subscriber published bare words.
		return raw === 'revoked' ? { kind: 'revoked' } : raw === 'new' ? { kind: 'wake' } : null;
	}
	if (typeof value !== 'object' || value === null) return null;
	const v = value as Record<string, unknown>;
	switch (v.kind) {
		case 'command':
			return typeof v.id === 'string' &&
				typeof v.prev === 'string' &&
				typeof v.type === 'string' &&
				typeof v.session === 'string' &&
				typeof v.sealed === 'string'
				? {
						kind: 'command',
						id: v.id,
						prev: v.prev,
						type: v.type,
						session: v.session,
						sealed: v.sealed
					}
				: null;
		case 'revoked':
			return { kind: 'revoked' };
		case 'changed':
			return { kind: 'changed' };
		case 'evicted':
			return typeof v.lease === 'string' ? { kind: 'evicted', lease: v.lease } : null;
		case 'wake':
			return { kind: 'wake' };
		default:
			return null;
	}
}
