import { Agent, createServer, request, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { startDelayingHttpProxy, type HttpExchange } from './delaying-http-proxy.ts';
import { eventually } from './scripted-agent.ts';

// Long enough that an undelayed loopback exchange is done well before it, even on a busy machine.
const RTT_MS = 400;

const cleanups: (() => unknown)[] = [];
afterEach(async () => {
	for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/**
 * A target that echoes request bodies, counts requests and connections, and holds `/events`
 * open as an event stream that `publish` writes to.
 */
async function target() {
	const state = { requests: [] as string[], connections: 0, streams: [] as ServerResponse[] };
	const server = createServer((req, res) => {
		const chunks: Buffer[] = [];
		req.on('data', (chunk: Buffer) => chunks.push(chunk));
		req.on('end', () => {
			const body = Buffer.concat(chunks).toString();
			state.requests.push(`${req.method} ${req.url} ${body}`);
			if (req.url === '/events') {
				res.writeHead(200, { 'content-type': 'text/event-stream' });
				res.write(': open\n\n');
				state.streams.push(res);
				return;
			}
			res.writeHead(200, { 'content-type': 'application/json', 'x-target': 'yes' });
			res.end(JSON.stringify({ result: body }));
		});
	});
	server.on('connection', () => state.connections++);
	await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
	cleanups.push(
		() =>
			new Promise<void>((resolve) => {
				server.closeAllConnections();
				server.close(() => resolve());
			})
	);
	return {
		url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
		state,
		publish: (data: string) => {
			for (const res of state.streams) res.write(`data: ${data}\n\n`);
		}
	};
}

async function proxy(targetUrl: string, rttMs: number, exchanges: HttpExchange[] = []) {
	const p = await startDelayingHttpProxy({
		target: targetUrl,
		rttMs,
		onExchange: (e) => exchanges.push(e)
	});
	cleanups.push(() => p.close());
	return p;
}

/** Resolves with the first `data:` line of an event stream. */
async function firstEvent(url: string): Promise<{ next: Promise<string>; close(): void }> {
	const controller = new AbortController();
	cleanups.push(() => controller.abort());
	const response = await fetch(url, { signal: controller.signal });
	const reader = response.body!.pipeThrough(new TextDecoderStream()).getReader();
	const next = (async () => {
		let text = '';
		for (;;) {
			const { value, done } = await reader.read();
			if (done) throw new Error('stream ended');
			text += value;
			const match = /^data: (.*)$/m.exec(text);
			if (match) return match[1]!;
		}
	})();
	next.catch(() => {});
	return { next, close: () => controller.abort() };
}

describe('startDelayingHttpProxy', () => {
	it('delays a request and its answer, which arrive intact', async () => {
		const t = await target();
		const exchanges: HttpExchange[] = [];
		const slow = await proxy(t.url, RTT_MS, exchanges);

		const delayed = fetch(`${slow.url}/pipeline?x=1`, { method: 'POST', body: '["PING"]' });
		const control = await fetch(`${t.url}/`, { method: 'POST', body: 'control' });
		expect(await control.json()).toEqual({ result: 'control' });
		// The control went there and back; the delayed request has not reached the target yet.
		expect(t.state.requests).toEqual(['POST / control']);

		const response = await delayed;
		expect(response.status).toBe(200);
		expect(response.headers.get('x-target')).toBe('yes');
		expect(await response.json()).toEqual({ result: '["PING"]' });
		expect(t.state.requests).toEqual(['POST / control', 'POST /pipeline?x=1 ["PING"]']);
		// Reported once the end is forwarded, which can be just after the client has the whole body.
		await eventually(() => exchanges.length > 0);
		expect(exchanges).toMatchObject([
			{ method: 'POST', path: '/pipeline?x=1', body: '["PING"]', streaming: false }
		]);
		expect(exchanges[0]!.end).toBeGreaterThan(exchanges[0]!.start);
	});

	it('streams an event stream, each message delayed rather than buffered', async () => {
		const t = await target();
		const exchanges: HttpExchange[] = [];
		const slow = await proxy(t.url, RTT_MS, exchanges);
		const delayed = await firstEvent(`${slow.url}/events`);
		const control = await firstEvent(`${t.url}/events`);
		expect(t.state.streams).toHaveLength(2);

		let delayedArrived = false;
		void delayed.next.then(() => (delayedArrived = true));
		t.publish('hello');
		expect(await control.next).toBe('hello');
		expect(delayedArrived).toBe(false);
		// Arrives while the stream is still open: the proxy forwards chunks, not whole responses.
		expect(await delayed.next).toBe('hello');
		expect(exchanges).toEqual([]);
	});

	it('keeps connections alive on both sides', async () => {
		const t = await target();
		const p = await proxy(t.url, 2);
		const agent = new Agent({ keepAlive: true, maxSockets: 1 });
		cleanups.push(() => agent.destroy());
		const post = (body: string) =>
			new Promise<{ body: string; reused: boolean }>((resolve, reject) => {
				const req = request(`${p.url}/`, { method: 'POST', agent }, (res) => {
					let text = '';
					res.on('data', (chunk: Buffer) => (text += chunk.toString()));
					res.on('end', () => resolve({ body: text, reused: req.reusedSocket }));
				});
				req.on('error', reject);
				req.end(body);
			});
		const answers = [];
		for (const body of ['one', 'two', 'three']) answers.push(await post(body));
		expect(answers.map((a) => a.body)).toEqual(
			['one', 'two', 'three'].map((r) => `{"result":"${r}"}`)
		);
		expect(answers.map((a) => a.reused)).toEqual([false, true, true]);
		expect(t.state.connections).toBe(1);
	});
});
