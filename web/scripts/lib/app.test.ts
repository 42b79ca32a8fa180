import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import type { Relay } from '../../src/lib/server/relay.ts';
import {
	deriveWebhookSecret,
	SECRET_HEADER
} from '../../src/lib/server/telegram/webhook-secret.ts';
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
			0,
			undefined
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

	it('answers forged webhook calls itself, before the handler', async () => {
		const secret = 'serve-app-webhook-secret';
		const seen: string[] = [];
		const server = await serveApp(
			(req, res) => {
				seen.push(`${req.method} ${req.url}`);
				res.end('app');
			},
			'127.0.0.1',
			0,
			secret
		);
		closers.push(() => server.close());
		const webhook = `http://127.0.0.1:${server.port}/api/telegram`;
		const post = (header: string) =>
			fetch(webhook, { method: 'POST', headers: { [SECRET_HEADER]: header }, body: '{}' });
		const forged = await post('forged');
		expect(forged.status).toBe(401);
		expect(await forged.text()).toBe('unauthorized');
		expect((await post(deriveWebhookSecret(secret))).status).toBe(200);
		expect(seen).toEqual(['POST /api/telegram']);
	});

	it('explains a port that is taken', async () => {
		const taken = createServer();
		await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', resolve));
		closers.push(() => new Promise((resolve) => taken.close(() => resolve())));
		const { port } = taken.address() as AddressInfo;
		await expect(serveApp(() => {}, '127.0.0.1', port, undefined)).rejects.toThrow(
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
