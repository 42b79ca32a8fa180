/**
 * Follow a Redis stream the way a tRPC subscription needs it: entries after `lastId`, then new
 * ones as they come, until `signal` aborts. Subscribes to the wake-up channel BEFORE reading the
 * backlog, so nothing can fall in between, and re-reads every `pollMs` anyway because pub/sub
 * messages can be lost.
 */
import type { Redis } from '@upstash/redis';

export interface StreamEntry {
	id: string;
	fields: Record<string, unknown>;
}

export interface FollowOptions {
	key: string;
	channel: string;
	lastId: string | null;
	signal: AbortSignal;
	pollMs: number;
	/** Called after every wake-up; throw to end the stream with that error. */
	onWake?: () => Promise<void>;
}

export async function* followStream(
	redis: Redis,
	opts: FollowOptions
): AsyncGenerator<StreamEntry> {
	const wake = new Wake();
	const subscriber = redis.subscribe<string>(opts.channel);
	subscriber.on('message', () => wake.fire());
	subscriber.on('error', () => wake.fire());
	const onAbort = () => wake.fire();
	opts.signal.addEventListener('abort', onAbort);
	let cursor = opts.lastId;
	try {
		while (!opts.signal.aborted) {
			const start = cursor ? `(${cursor}` : '-';
			const entries = (await redis.xrange(opts.key, start, '+', 100)) as Record<
				string,
				Record<string, unknown>
			>;
			for (const [id, fields] of Object.entries(entries)) {
				cursor = id;
				yield { id, fields };
				if (opts.signal.aborted) return;
			}
			if (Object.keys(entries).length === 100) continue;
			await wake.wait(opts.pollMs);
			if (!opts.signal.aborted) await opts.onWake?.();
		}
	} finally {
		opts.signal.removeEventListener('abort', onAbort);
		await subscriber.unsubscribe().catch(() => {});
	}
}

/** A resettable "something happened" flag that can be awaited with a timeout. */
export class Wake {
	private pending = false;
	private resolve: (() => void) | null = null;

	fire(): void {
		this.pending = true;
		this.resolve?.();
	}

	async wait(timeoutMs: number): Promise<void> {
		if (!this.pending) {
			await new Promise<void>((resolve) => {
				const timer = setTimeout(resolve, timeoutMs);
				this.resolve = () => {
					clearTimeout(timer);
					resolve();
				};
			});
		}
		this.resolve = null;
		this.pending = false;
	}
}
