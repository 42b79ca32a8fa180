/**
 * A pass-through in front of the Bot API stand-in that can hold one request: the test learns
 * the app is waiting on Telegram in the middle of delivering output, kills the app or Redis at
 * exactly that moment, and then lets the request through (or drops it). Without it, a kill
 * lands wherever the scheduler puts it and a bug in crash recovery shows up only sometimes.
 */
import { createServer, request, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface HeldRequest {
	method: string;
	/** The parsed JSON body (the app's grammY client sends JSON). */
	payload: Record<string, unknown>;
	/** Forward it to Telegram and hand the answer back to the app. */
	release(): Promise<void>;
	/** Telegram never sees it; the app's connection is cut. */
	drop(): void;
}

export interface TelegramGate {
	/** Bot API root to give the app instead of the stand-in's. */
	apiRoot: string;
	/**
	 * Resolves with the next request for which `match` is true, held until released or dropped;
	 * rejects when none came within `timeoutMs`.
	 */
	holdNext(
		match: (method: string, payload: Record<string, unknown>) => boolean,
		timeoutMs: number
	): Promise<HeldRequest>;
	close(): Promise<void>;
}

export async function startTelegramGate(target: string): Promise<TelegramGate> {
	const upstream = new URL(target);
	const waiting: {
		match: (m: string, p: Record<string, unknown>) => boolean;
		resolve: (held: HeldRequest) => void;
	}[] = [];

	const forward = (req: IncomingMessage, body: Buffer, res: ServerResponse) =>
		new Promise<void>((resolve) => {
			const out = request(
				{
					host: upstream.hostname,
					port: upstream.port,
					method: req.method,
					path: req.url,
					// The body was read whole: a chunked upload (a streamed document) goes on with its length.
					headers: {
						...withoutTransferEncoding(req.headers),
						host: upstream.host,
						'content-length': String(body.length)
					}
				},
				(answer) => {
					if (res.destroyed) return void (answer.resume(), resolve());
					res.writeHead(answer.statusCode ?? 502, answer.headers);
					answer.pipe(res);
					answer.on('end', resolve);
				}
			);
			out.on('error', () => {
				res.destroy();
				resolve();
			});
			out.end(body);
		});

	const server = createServer(async (req, res) => {
		const chunks: Buffer[] = [];
		for await (const chunk of req) chunks.push(chunk as Buffer);
		const body = Buffer.concat(chunks);
		const method = /\/([^/]+)$/.exec(new URL(req.url ?? '/', 'http://x').pathname)?.[1] ?? '';
		let payload: Record<string, unknown> = {};
		try {
			payload = JSON.parse(body.toString('utf8') || '{}');
		} catch {
			// not JSON (multipart, urlencoded): matched by method only
		}
		const waiter = waiting.findIndex((w) => w.match(method, payload));
		if (waiter === -1) return void (await forward(req, body, res));
		const [{ resolve }] = waiting.splice(waiter, 1) as [(typeof waiting)[number]];
		resolve({
			method,
			payload,
			release: () => forward(req, body, res),
			drop: () => res.destroy()
		});
	});
	await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
	return {
		apiRoot: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
		holdNext: (match, timeoutMs) =>
			new Promise((resolve, reject) => {
				const waiter = {
					match,
					resolve: (held: HeldRequest) => {
						clearTimeout(timer);
						resolve(held);
					}
				};
				const timer = setTimeout(() => {
					waiting.splice(waiting.indexOf(waiter), 1);
					reject(new Error(`e2e: no matching Bot API request within ${timeoutMs} ms`));
				}, timeoutMs);
				waiting.push(waiter);
			}),
		close: () =>
			new Promise((resolve) => {
				server.closeAllConnections();
				server.close(() => resolve());
			})
	};
}

function withoutTransferEncoding(headers: IncomingMessage['headers']): IncomingMessage['headers'] {
	const { 'transfer-encoding': _chunked, ...rest } = headers;
	return rest;
}
