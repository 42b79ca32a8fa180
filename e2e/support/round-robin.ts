/**
 * A load balancer in front of several app instances, as a serverless platform is: every HTTP
 * request (not connection) goes to the next instance in turn, so consecutive calls of one agent
 * or one dashboard land on different processes. A dead instance is skipped (connection refused
 * → the next one); a stream cut by a dying instance is cut for the client too.
 */
import { createServer, request, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

export interface RoundRobin {
	baseURL: string;
	port: number;
	/** Requests each backend answered, in backend order. */
	readonly served: number[];
	close(): Promise<void>;
}

export async function startRoundRobin(backends: number[]): Promise<RoundRobin> {
	let next = 0;
	const served = backends.map(() => 0);
	const sockets = new Set<Socket>();

	const forward = (
		client: IncomingMessage,
		body: Buffer,
		response: ServerResponse,
		tries: number
	): void => {
		const index = next++ % backends.length;
		const upstream = request(
			{
				host: '127.0.0.1',
				port: backends[index],
				method: client.method,
				path: client.url,
				headers: client.headers
			},
			(answer) => {
				served[index]!++;
				response.writeHead(answer.statusCode ?? 502, answer.headers);
				response.flushHeaders();
				answer.pipe(response);
				// The instance died mid-answer: the client must see the stream break, not end.
				answer.on('aborted', () => response.destroy());
				answer.on('error', () => response.destroy());
			}
		);
		upstream.on('error', (error: NodeJS.ErrnoException) => {
			if (response.headersSent) return void response.destroy();
			if (error.code === 'ECONNREFUSED' && tries + 1 < backends.length) {
				forward(client, body, response, tries + 1);
				return;
			}
			response.writeHead(502, { 'content-type': 'text/plain' }).end('no instance answered');
		});
		response.on('close', () => upstream.destroy());
		upstream.end(body);
	};

	const server = createServer((client, response) => {
		const chunks: Buffer[] = [];
		client.on('data', (chunk: Buffer) => chunks.push(chunk));
		client.on('end', () => forward(client, Buffer.concat(chunks), response, 0));
	});
	server.on('connection', (socket) => {
		sockets.add(socket);
		socket.on('close', () => sockets.delete(socket));
	});
	await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
	const { port } = server.address() as AddressInfo;
	return {
		baseURL: `http://127.0.0.1:${port}`,
		port,
		served,
		close: () =>
			new Promise<void>((resolve) => {
				for (const socket of sockets) socket.destroy();
				server.close(() => resolve());
			})
	};
}
