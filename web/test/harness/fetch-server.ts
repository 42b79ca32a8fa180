/**
 * Serve a Fetch-API handler over Node's http, streaming response bodies (SSE) and aborting the
 * request's signal when the client goes away — what SvelteKit's adapter-node does, for tests
 * that drive the relay's handlers without building the app.
 */
import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Readable } from 'node:stream';

export interface FetchServer {
	url: string;
	close(): Promise<void>;
}

export async function serveFetch(
	handler: (request: Request, clientAddress: string) => Promise<Response>
): Promise<FetchServer> {
	const server = createServer(async (req, res) => {
		const controller = new AbortController();
		res.on('close', () => controller.abort());
		try {
			const response = await handler(
				toRequest(req, controller.signal),
				req.socket.remoteAddress ?? ''
			);
			res.writeHead(response.status, Object.fromEntries(response.headers));
			if (!response.body) return void res.end();
			const body = Readable.fromWeb(response.body as import('node:stream/web').ReadableStream);
			body.on('error', () => res.destroy());
			body.pipe(res);
		} catch (error) {
			res.writeHead(500).end(String(error));
		}
	});
	await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
	const { port } = server.address() as AddressInfo;
	return {
		url: `http://127.0.0.1:${port}`,
		close: () =>
			new Promise<void>((resolve) => {
				server.closeAllConnections();
				server.close(() => resolve());
			})
	};
}

function toRequest(req: IncomingMessage, signal: AbortSignal): Request {
	const headers = new Headers();
	for (const [key, value] of Object.entries(req.headers)) {
		if (Array.isArray(value)) for (const v of value) headers.append(key, v);
		else if (value !== undefined) headers.set(key, value);
	}
	const hasBody = req.method !== 'GET' && req.method !== 'HEAD';
	return new Request(`http://${req.headers.host ?? 'localhost'}${req.url ?? '/'}`, {
		method: req.method,
		headers,
		signal,
		...(hasBody ? { body: Readable.toWeb(req) as ReadableStream, duplex: 'half' } : {})
	} as RequestInit);
}
