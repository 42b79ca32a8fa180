import { connect } from 'node:net';
import type { AddressInfo } from 'node:net';
import { WebSocketServer } from 'ws';
import { DelayLine } from './delay-line.ts';

/** One WebSocket message through the proxy, for traces. */
export interface WsProxyMessage {
	/** Numbered per proxy, from 1, in the order clients connected. */
	connection: number;
	/** `up`: client → target; `down`: target → client. */
	direction: 'up' | 'down';
	/**
	 * `performance.now()` as the client sees it: when the client sent an `up` message, when a
	 * `down` message was handed to the client (after the delay).
	 */
	at: number;
	data: Buffer;
}

export interface WsProxyOptions {
	/** Round trip time to simulate: every message is held back rttMs/2 in each direction. Default 0. */
	rttMs?: number;
	/** Told about every message, e.g. to count round trips. */
	onMessage?: (message: WsProxyMessage) => void;
}

/**
 * A WebSocket-to-TCP proxy like the one in front of Neon, for tests: every WebSocket is piped
 * to `target`. It ignores the `?address=` the driver appends, so it can reach nothing else.
 * Listens on 127.0.0.1 on a port the OS picks; `address` is what `wsProxy` takes. With `rttMs`
 * it stands for the network between a function and its database.
 */
export async function startWsProxy(
	target: { host: string; port: number },
	options: WsProxyOptions = {}
): Promise<{ address: string; close(): Promise<void> }> {
	const server = new WebSocketServer({ host: '127.0.0.1', port: 0 });
	const { onMessage } = options;
	let connections = 0;
	server.on('connection', (ws) => {
		const connection = ++connections;
		// One line per direction and connection: messages keep their order, and closing follows them.
		const toTarget = new DelayLine((options.rttMs ?? 0) / 2);
		const toClient = new DelayLine((options.rttMs ?? 0) / 2);
		const tcp = connect(target.port, target.host);
		tcp.on('data', (chunk) =>
			toClient.push(() => {
				onMessage?.({ connection, direction: 'down', at: performance.now(), data: chunk });
				ws.send(chunk);
			})
		);
		// binaryType is 'nodebuffer' (the default), so every message arrives as one Buffer.
		ws.on('message', (data) => {
			onMessage?.({ connection, direction: 'up', at: performance.now(), data: data as Buffer });
			toTarget.push(() => tcp.write(data as Buffer));
		});
		tcp.on('close', () => toClient.push(() => ws.close()));
		tcp.on('error', () => ws.terminate());
		ws.on('close', () => toTarget.push(() => tcp.destroy()));
		ws.on('error', () => tcp.destroy());
		tcp.on('close', () => toTarget.close());
		ws.on('close', () => toClient.close());
	});
	await new Promise<void>((resolve, reject) => {
		server.once('listening', resolve);
		server.once('error', reject);
	});
	const { port } = server.address() as AddressInfo;
	return {
		address: `127.0.0.1:${port}/v1`,
		close: () =>
			new Promise<void>((resolve) => {
				for (const client of server.clients) client.terminate();
				server.close(() => resolve());
			})
	};
}
