import { connect } from 'node:net';
import type { AddressInfo } from 'node:net';
import { WebSocketServer } from 'ws';

/**
 * A WebSocket-to-TCP proxy like the one in front of Neon, for tests: every WebSocket is piped
 * to `target`. It ignores the `?address=` the driver appends, so it can reach nothing else.
 * Listens on 127.0.0.1 on a port the OS picks; `address` is what `wsProxy` takes.
 */
export async function startWsProxy(target: {
	host: string;
	port: number;
}): Promise<{ address: string; close(): Promise<void> }> {
	const server = new WebSocketServer({ host: '127.0.0.1', port: 0 });
	server.on('connection', (ws) => {
		const tcp = connect(target.port, target.host);
		tcp.on('data', (chunk) => ws.send(chunk));
		// binaryType is 'nodebuffer' (the default), so every message arrives as one Buffer.
		ws.on('message', (data) => tcp.write(data as Buffer));
		tcp.on('close', () => ws.close());
		tcp.on('error', () => ws.terminate());
		ws.on('close', () => tcp.destroy());
		ws.on('error', () => tcp.destroy());
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
