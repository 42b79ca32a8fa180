import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import type { Relay } from '../../src/lib/server/relay.ts';
import { BuildMissingError, handlerFile, handOverRelay, RELAY_HANDOFF, serveApp } from './app.ts';

describe('handlerFile', () => {
	it('says how to build when there is no build', () => {
		expect(() => handlerFile('/nonexistent/build')).toThrow(BuildMissingError);
		expect(() => handlerFile('/nonexistent/build')).toThrow(
			'/nonexistent/build/handler.js not found: run `pnpm --filter @remoteagent/web build` first'
		);
	});
});

describe('serveApp', () => {
	const closers: (() => Promise<void>)[] = [];
	afterEach(async () => {
		for (const close of closers.splice(0)) await close();
	});

	it('serves the handler, 404s what it passes on, and closes open streams', async () => {
		const server = await serveApp(
			(req, res, next) => {
				if (req.url === '/stream') {
					res.writeHead(200, { 'content-type': 'text/event-stream' });
					res.write(': open\n\n');
				} else if (req.url === '/hello') res.end('hi');
				else next?.();
			},
			'127.0.0.1',
			0
		);
		const base = `http://127.0.0.1:${server.port}`;
		expect(await (await fetch(`${base}/hello`)).text()).toBe('hi');
		expect((await fetch(`${base}/other`)).status).toBe(404);
		const stream = await fetch(`${base}/stream`);
		expect(stream.status).toBe(200);
		// An open SSE response must not keep close() waiting.
		await server.close();
		await expect(stream.text()).rejects.toThrow();
	});

	it('explains a port that is taken', async () => {
		const taken = createServer();
		await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', resolve));
		closers.push(() => new Promise((resolve) => taken.close(() => resolve())));
		const { port } = taken.address() as AddressInfo;
		await expect(serveApp(() => {}, '127.0.0.1', port)).rejects.toThrow(
			`cannot listen on 127.0.0.1:${port}: the address is in use (set PORT or HOST)`
		);
	});
});

describe('handOverRelay', () => {
	it('publishes the relay under a registry symbol the bundled app can read', () => {
		const relay = { marker: true } as unknown as Relay;
		handOverRelay(relay);
		expect((globalThis as Record<symbol, unknown>)[Symbol.for('remoteagent.relay')]).toBe(relay);
		expect(RELAY_HANDOFF).toBe(Symbol.for('remoteagent.relay'));
		delete (globalThis as Record<symbol, unknown>)[RELAY_HANDOFF];
	});
});
