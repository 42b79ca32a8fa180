import { createServer, type Server, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { startWsProxy, type WsProxyMessage } from './ws-proxy.ts';

// Long enough that an undelayed loopback exchange is done well before it, even on a busy machine.
const RTT_MS = 400;

const cleanups: (() => unknown)[] = [];
afterEach(async () => {
	for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/** A TCP echo server that also tells which payloads it has received so far. */
async function echoServer(): Promise<{ port: number; received: string[] }> {
	const received: string[] = [];
	const sockets = new Set<Socket>();
	const server: Server = createServer((socket) => {
		sockets.add(socket);
		socket.on('close', () => sockets.delete(socket));
		socket.on('data', (data) => {
			received.push(data.toString());
			socket.write(data);
		});
	});
	await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
	cleanups.push(
		() =>
			new Promise<void>((resolve) => {
				for (const socket of sockets) socket.destroy();
				server.close(() => resolve());
			})
	);
	return { port: (server.address() as AddressInfo).port, received };
}

async function open(address: string): Promise<WebSocket> {
	const ws = new WebSocket(`ws://${address}`);
	cleanups.push(() => ws.terminate());
	await new Promise((resolve, reject) => ws.once('open', resolve).once('error', reject));
	return ws;
}

const nextMessage = (ws: WebSocket) =>
	new Promise<string>((resolve) => ws.once('message', (data) => resolve(String(data))));

describe('startWsProxy', () => {
	it('holds each message back in both directions when given a round trip time', async () => {
		const echo = await echoServer();
		const target = { host: '127.0.0.1', port: echo.port };
		const messages: WsProxyMessage[] = [];
		const slow = await startWsProxy(target, {
			rttMs: RTT_MS,
			onMessage: (m) => messages.push(m)
		});
		const fast = await startWsProxy(target);
		cleanups.push(
			() => slow.close(),
			() => fast.close()
		);
		const slowWs = await open(slow.address);
		const fastWs = await open(fast.address);

		const slowEcho = nextMessage(slowWs);
		const fastEcho = nextMessage(fastWs);
		slowWs.send('through the delayed proxy');
		fastWs.send('control');
		expect(await fastEcho).toBe('control');
		// The control went there and back; the delayed message has not even reached the target.
		expect(echo.received).toEqual(['control']);
		expect(await slowEcho).toBe('through the delayed proxy');
		expect(echo.received).toEqual(['control', 'through the delayed proxy']);
		expect(messages.map((m) => [m.connection, m.direction, m.data.toString()])).toEqual([
			[1, 'up', 'through the delayed proxy'],
			[1, 'down', 'through the delayed proxy']
		]);
	});

	it('keeps the order of messages sent in a burst', async () => {
		const echo = await echoServer();
		const proxy = await startWsProxy({ host: '127.0.0.1', port: echo.port }, { rttMs: 20 });
		cleanups.push(() => proxy.close());
		const ws = await open(proxy.address);
		let echoed = '';
		const all = new Promise<void>((resolve) =>
			ws.on('message', (data) => {
				echoed += String(data);
				if (echoed.length >= 50) resolve();
			})
		);
		for (let i = 0; i < 10; i++) ws.send(`m${String(i).padStart(3, '0')}|`);
		await all;
		expect(echoed).toBe(Array.from({ length: 10 }, (_, i) => `m00${i}|`).join(''));
	});
});
