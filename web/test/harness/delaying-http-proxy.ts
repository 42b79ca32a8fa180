/**
 * An HTTP reverse proxy that adds a round trip time, standing for the network between a
 * function and a hosted HTTP service (Upstash's Redis REST API): a request's head, body chunks
 * and end reach the target rttMs/2 after the client sent them; the response's head, every chunk
 * and its end reach the client rttMs/2 after the target sent them. Streamed responses (SSE) stay
 * streams, so a message published on the target arrives rttMs/2 later, as over a real network.
 * Connections are kept alive on both sides.
 */
import {
	Agent,
	createServer,
	request as httpRequest,
	type IncomingHttpHeaders,
	type OutgoingHttpHeaders
} from 'node:http';
import type { AddressInfo } from 'node:net';
import { DelayLine } from './delay-line.ts';

/** One request/response through the proxy, reported once the response has been forwarded. */
export interface HttpExchange {
	method: string;
	/** Path and query. */
	path: string;
	/** The request body as text (REST commands are small JSON arrays). */
	body: string;
	/** `performance.now()` when the request's head reached the proxy (the client sent it). */
	start: number;
	/** When the last of the response was handed to the client (for a stream: when it ended). */
	end: number;
	/** The response was an event stream (a subscription), not one answer. */
	streaming: boolean;
}

export interface DelayingHttpProxyOptions {
	/** `http://host:port` of the service behind. */
	target: string;
	/** Round trip time to add; half each way. */
	rttMs: number;
	onExchange?: (exchange: HttpExchange) => void;
}

export interface DelayingHttpProxy {
	url: string;
	close(): Promise<void>;
}

// Per connection, not per message: they must not be forwarded.
const HOP_BY_HOP = ['connection', 'keep-alive', 'transfer-encoding', 'upgrade', 'te', 'trailer'];

export async function startDelayingHttpProxy(
	options: DelayingHttpProxyOptions
): Promise<DelayingHttpProxy> {
	const target = new URL(options.target);
	const agent = new Agent({ keepAlive: true });
	const half = options.rttMs / 2;
	const server = createServer((req, res) => {
		const start = performance.now();
		const body: Buffer[] = [];
		// One line each way per exchange: everything keeps its order, whatever the chunking.
		const toTarget = new DelayLine(half);
		const toClient = new DelayLine(half);
		const upstream = httpRequest({
			agent,
			host: target.hostname,
			port: target.port,
			method: req.method,
			path: req.url,
			headers: { ...withoutHopByHop(req.headers), host: target.host }
		});
		let streaming = false;
		// The client has the whole answer with its last byte (it knows the length), maybe before
		// the end is forwarded: that is when the exchange ended.
		let lastWrite = start;
		upstream.on('response', (answer) => {
			streaming = String(answer.headers['content-type'] ?? '').startsWith('text/event-stream');
			toClient.push(() => {
				res.writeHead(
					answer.statusCode ?? 502,
					withoutHopByHop(answer.headers) as OutgoingHttpHeaders
				);
				if (streaming) res.flushHeaders();
				lastWrite = performance.now();
			});
			// Flush every chunk as it comes: SSE messages must not wait in a buffer.
			answer.on('data', (chunk: Buffer) =>
				toClient.push(() => {
					res.write(chunk);
					lastWrite = performance.now();
				})
			);
			answer.on('end', () =>
				toClient.push(() => {
					res.end();
					options.onExchange?.({
						method: req.method ?? 'GET',
						path: req.url ?? '/',
						body: Buffer.concat(body).toString('utf8'),
						start,
						end: streaming ? performance.now() : lastWrite,
						streaming
					});
				})
			);
			answer.on('error', () => toClient.push(() => res.destroy()));
		});
		upstream.on('error', () =>
			toClient.push(() => {
				if (res.headersSent) res.destroy();
				else res.writeHead(502).end('bad gateway');
			})
		);
		req.on('data', (chunk: Buffer) => {
			body.push(chunk);
			toTarget.push(() => upstream.write(chunk));
		});
		req.on('end', () => toTarget.push(() => upstream.end()));
		// The client went away (an SSE subscription ended): so does the request behind it.
		res.on('close', () => {
			if (!res.writableFinished) {
				toTarget.close();
				toClient.close();
				upstream.destroy();
			}
		});
	});
	// Longer than the clients' keep-alive, so the proxy never closes a socket a client is reusing.
	server.keepAliveTimeout = 65_000;
	await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
	const { port } = server.address() as AddressInfo;
	return {
		url: `http://127.0.0.1:${port}`,
		close: () =>
			new Promise<void>((resolve) => {
				server.closeAllConnections();
				agent.destroy();
				server.close(() => resolve());
			})
	};
}

function withoutHopByHop(headers: IncomingHttpHeaders): IncomingHttpHeaders {
	const copy = { ...headers };
	for (const name of HOP_BY_HOP) delete copy[name];
	return copy;
}
