import { Agent, createServer, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { connect } from 'node:net';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DISCARDED_BODY_MAX, refuseForgedWebhook } from './webhook-guard.ts';
import { deriveWebhookSecret, SECRET_HEADER } from './webhook-secret.ts';

const SECRET = 'guard-test-secret-0123456789';
const GOOD = deriveWebhookSecret(SECRET);
const UPDATE = JSON.stringify({ update_id: 1, message: { text: 'hello' } });

interface Answer {
	status: number;
	headers: Record<string, string | string[] | undefined>;
	body: string;
}

describe('refuseForgedWebhook', () => {
	let server: Server;
	let port: number;
	/** What reached the app behind the guard: "METHOD url body". */
	let passed: string[];
	let connections: number;

	async function listen(secret: string | undefined): Promise<void> {
		server = createServer((req, res) => {
			if (refuseForgedWebhook(req, res, secret)) return;
			const chunks: Buffer[] = [];
			req.on('data', (chunk: Buffer) => chunks.push(chunk));
			req.on('end', () => {
				const body = Buffer.concat(chunks).toString();
				passed.push(`${req.method} ${req.url} ${body}`.trim());
				res.end(`app: ${body}`);
			});
		});
		server.on('connection', () => connections++);
		await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
		port = (server.address() as AddressInfo).port;
	}

	function send(
		method: string,
		path: string,
		headers: Record<string, string>,
		body?: string,
		agent?: Agent
	): Promise<Answer> {
		return new Promise((resolve, reject) => {
			const req = request(
				{ host: '127.0.0.1', port, method, path, headers, agent: agent ?? false },
				(res) => {
					let text = '';
					res.setEncoding('utf8');
					res.on('data', (chunk: string) => (text += chunk));
					res.on('end', () =>
						resolve({ status: res.statusCode ?? 0, headers: res.headers, body: text })
					);
				}
			);
			req.on('error', reject);
			req.end(body);
		});
	}

	/** Raw bytes in; everything the server sent until it closed the connection. */
	function rawUntilClosed(bytes: string): Promise<string> {
		return new Promise((resolve, reject) => {
			const socket = connect(port, '127.0.0.1');
			let text = '';
			socket.setEncoding('utf8');
			socket.on('data', (chunk: string) => (text += chunk));
			socket.on('error', reject);
			socket.on('close', () => resolve(text));
			socket.write(bytes);
		});
	}

	beforeEach(() => {
		passed = [];
		connections = 0;
	});
	afterEach(async () => {
		server.closeAllConnections();
		await new Promise((resolve) => server.close(resolve));
	});

	it('answers 401 for a wrong or missing secret, like handleWebhook, and the app never sees it', async () => {
		await listen(SECRET);
		// A wrong one, none, and the configured secret itself (only its derivation is accepted).
		const tries: Record<string, string>[] = [
			{ [SECRET_HEADER]: 'forged' },
			{},
			{ [SECRET_HEADER]: SECRET }
		];
		for (const headers of tries) {
			const answer = await send('POST', '/api/telegram', headers, UPDATE);
			expect(answer).toMatchObject({
				status: 401,
				body: 'unauthorized',
				headers: {
					'content-type': 'text/plain',
					'x-content-type-options': 'nosniff',
					'referrer-policy': 'same-origin',
					'x-frame-options': 'DENY'
				}
			});
		}
		const withQuery = await send(
			'POST',
			'/api/telegram?x=1',
			{ [SECRET_HEADER]: 'forged' },
			UPDATE
		);
		expect(withQuery.status).toBe(401);
		expect(passed).toEqual([]);
	});

	it('passes on the right secret, other paths and other methods, bodies intact', async () => {
		await listen(SECRET);
		const good = await send('POST', '/api/telegram', { [SECRET_HEADER]: GOOD }, UPDATE);
		expect(good).toMatchObject({ status: 200, body: `app: ${UPDATE}` });
		await send('POST', '/api/telegram?x=1', { [SECRET_HEADER]: GOOD }, 'q');
		await send('GET', '/api/telegram', {});
		await send('POST', '/api/telegram/', {}, 'slash');
		await send('POST', '/api/telegramx', {}, 'longer');
		await send('POST', '/api/trpc/x', {}, 'other');
		expect(passed).toEqual([
			`POST /api/telegram ${UPDATE}`,
			'POST /api/telegram?x=1 q',
			'GET /api/telegram',
			'POST /api/telegram/ slash',
			'POST /api/telegramx longer',
			'POST /api/trpc/x other'
		]);
	});

	it('refuses every webhook call when no secret is configured', async () => {
		await listen(undefined);
		for (const secret of [GOOD, deriveWebhookSecret(''), '']) {
			const answer = await send('POST', '/api/telegram', { [SECRET_HEADER]: secret }, UPDATE);
			expect(answer.status).toBe(401);
		}
		expect((await send('GET', '/healthz', {})).status).toBe(200);
		expect(passed).toEqual(['GET /healthz']);
	});

	it('keeps the connection: wrong-secret requests with bodies, one after another, then a good one', async () => {
		await listen(SECRET);
		const agent = new Agent({ keepAlive: true, maxSockets: 1 });
		try {
			for (let i = 0; i < 5; i++) {
				const answer = await send(
					'POST',
					'/api/telegram',
					{ [SECRET_HEADER]: 'forged' },
					UPDATE,
					agent
				);
				expect(answer.status).toBe(401);
				expect(answer.headers.connection).toBe('keep-alive');
			}
			// The discarded bodies did not leak into the next request on the connection.
			const good = await send('POST', '/api/telegram', { [SECRET_HEADER]: GOOD }, 'last', agent);
			expect(good.body).toBe('app: last');
		} finally {
			agent.destroy();
		}
		expect(connections).toBe(1);
		expect(passed).toEqual(['POST /api/telegram last']);
	});

	it('answers a body that never ends, then closes the connection', async () => {
		await listen(SECRET);
		const head = `POST /api/telegram HTTP/1.1\r\nhost: x\r\n${SECRET_HEADER}: forged\r\n`;
		const chunked = await rawUntilClosed(`${head}transfer-encoding: chunked\r\n\r\n5\r\nhello\r\n`);
		expect(chunked).toMatch(/^HTTP\/1\.1 401 Unauthorized\r\n/);
		expect(chunked).toContain('\r\nconnection: close\r\n');
		expect(chunked).toMatch(/\r\n\r\nunauthorized$/);
		const declared = await rawUntilClosed(
			`${head}content-length: ${DISCARDED_BODY_MAX + 1}\r\n\r\n{"update_id":`
		);
		expect(declared).toMatch(/^HTTP\/1\.1 401 Unauthorized\r\n/);
		expect(declared).toContain('\r\nconnection: close\r\n');
		expect(passed).toEqual([]);
	});
});
