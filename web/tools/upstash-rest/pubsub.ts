/**
 * `POST /subscribe/<channel>` and `POST /psubscribe/<pattern>` as Server-Sent Events, in the
 * line format `@upstash/redis`'s `Subscriber` parses:
 *
 *   data: subscribe,<channel>,<count>
 *   data: message,<channel>,<payload>
 *   data: psubscribe,<pattern>,<count>
 *   data: pmessage,<pattern>,<channel>,<payload>
 *
 * Each stream owns a dedicated Redis subscriber connection, so Redis's own bookkeeping
 * (`PUBSUB NUMSUB`, counts) is per HTTP client, and closing the request frees it at once.
 */
import type { ServerResponse } from 'node:http';
import { Redis } from 'ioredis';

export type SubscribeKind = 'subscribe' | 'psubscribe';

export interface PubSubOptions {
	redisUrl: string;
	/** Comment line sent on quiet streams so dead clients are noticed (default 15 s). */
	heartbeatMs?: number;
	/** A client that lets more than this many bytes pile up unread is dropped (default 8 MiB). */
	maxBufferedBytes?: number;
}

export class PubSubStreams {
	private readonly open = new Set<() => void>();

	constructor(private readonly options: PubSubOptions) {}

	/** Number of live SSE streams (each holds one Redis connection). */
	get size(): number {
		return this.open.size;
	}

	/**
	 * Subscribes, then answers 200 and streams until the client goes away, Redis drops the
	 * connection or `closeAll()` runs. Throws (before any byte is written) if Redis is unreachable.
	 */
	async serve(res: ServerResponse, kind: SubscribeKind, targets: string[]): Promise<void> {
		const { heartbeatMs = 15_000, maxBufferedBytes = 8 * 1024 * 1024 } = this.options;
		const subscriber = new Redis(this.options.redisUrl, {
			lazyConnect: true,
			maxRetriesPerRequest: 0,
			// A reconnect would silently lose messages; ending the stream is honest.
			retryStrategy: () => null
		});
		subscriber.on('error', () => {});

		let ready = false;
		const pending: string[] = [];
		let heartbeat: NodeJS.Timeout | undefined;
		let closed = false;
		const close = () => {
			if (closed) return;
			closed = true;
			clearInterval(heartbeat);
			this.open.delete(close);
			subscriber.disconnect();
			if (!res.writableEnded) res.end();
		};
		const send = (data: string) => {
			if (closed) return;
			if (!ready) return void pending.push(data);
			res.write(`data: ${data}\n\n`);
			if (res.writableLength > maxBufferedBytes) close();
		};

		this.open.add(close);
		res.once('close', close);
		subscriber.on('messageBuffer', (channel: Buffer, message: Buffer) =>
			send(`message,${channel},${ssePayload(message)}`)
		);
		subscriber.on('pmessageBuffer', (pattern: string, channel: Buffer, message: Buffer) =>
			send(`pmessage,${pattern},${channel},${ssePayload(message)}`)
		);

		try {
			await subscriber.connect();
			await (kind === 'subscribe'
				? subscriber.subscribe(...targets)
				: subscriber.psubscribe(...targets));
		} catch (error) {
			const wasClosed = closed;
			close();
			if (wasClosed) return; // the client left while we were connecting
			throw error;
		}
		if (closed) return;
		// From here on a lost Redis connection simply ends the stream.
		subscriber.once('end', close);

		res.writeHead(200, {
			'Content-Type': 'text/event-stream',
			'Cache-Control': 'no-cache',
			Connection: 'keep-alive',
			'X-Accel-Buffering': 'no'
		});
		// Redis counts distinct subscriptions of this connection; repeat that count per target.
		const seen = new Set<string>();
		for (const target of targets) {
			seen.add(target);
			res.write(`data: ${kind},${target},${seen.size}\n\n`);
		}
		ready = true;
		for (const data of pending.splice(0)) send(data);
		heartbeat = setInterval(() => res.write(': ping\n\n'), heartbeatMs);
		heartbeat.unref();
	}

	/** Ends every stream and frees its Redis connection (server shutdown). */
	closeAll(): void {
		for (const close of [...this.open]) close();
	}
}

/**
 * The client splits the stream on "\n" and JSON-parses each payload (falling back to the raw
 * string). A payload with a line break therefore cannot go out raw; it is sent as the JSON the
 * client would have parsed it to: valid JSON is re-serialised compactly, anything else becomes
 * a JSON string literal. Either way the client ends up with exactly the value it would get from
 * the original payload. Payloads without line breaks go out untouched.
 */
export function ssePayload(message: Buffer): string {
	const text = message.toString('utf8');
	if (!/[\r\n]/.test(text)) return text;
	try {
		return JSON.stringify(JSON.parse(text));
	} catch {
		return JSON.stringify(text);
	}
}
