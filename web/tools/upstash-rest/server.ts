/**
 * An Upstash-compatible Redis REST/SSE server backed by a real redis-server, for local runs
 * and tests. `@upstash/redis` and `@upstash/ratelimit` work against it unmodified.
 *
 *   POST /               ["SET","k","v"]                → {"result":"OK"}
 *   POST /pipeline       [["SET","k","v"],["GET","k"]]  → [{"result":…},{"error":…}]
 *   POST /multi-exec     same, atomic                   → same, or one {"error":…} if discarded
 *   GET|POST /set/k/v    path style (POST body = last argument, ?EX=10 appended)
 *   POST /subscribe/ch, /psubscribe/pat                 → text/event-stream (see pubsub.ts)
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { PubSubStreams } from './pubsub.ts';
import {
	HttpError,
	encodeResult,
	parseJsonBody,
	pathCommand,
	readBody,
	sendJson,
	toCommand,
	toCommandList
} from './protocol.ts';
import { CommandRunner, type Outcome } from './runner.ts';

export interface UpstashRestServerOptions {
	/** e.g. `redis://127.0.0.1:6379` */
	redisUrl: string;
	/** Bearer token clients must send (`Authorization: Bearer …` or `?_token=`). */
	token: string;
	/** Default 0: any free port. */
	port?: number;
	/** Default 127.0.0.1. */
	host?: string;
	/** Larger request bodies get 413 (default 10 MiB). */
	maxBodyBytes?: number;
	/** SSE keep-alive comment interval (default 15 s). */
	sseHeartbeatMs?: number;
}

export interface UpstashRestServer {
	/** Base URL for `new Redis({ url, token })`. */
	url: string;
	port: number;
	/** Ends SSE streams, closes HTTP connections and Redis connections. */
	close(): Promise<void>;
}

const ALLOWED_METHODS = ['GET', 'HEAD', 'POST', 'PUT'];
const DEFAULT_MAX_BODY = 10 * 1024 * 1024;

export async function createUpstashRestServer(
	options: UpstashRestServerOptions
): Promise<UpstashRestServer> {
	if (!options.token) throw new Error('upstash-rest: a non-empty token is required');
	const host = options.host ?? '127.0.0.1';
	const maxBody = options.maxBodyBytes ?? DEFAULT_MAX_BODY;
	const expectedToken = digest(options.token);

	const runner = new CommandRunner(options.redisUrl);
	await runner.connect();
	const streams = new PubSubStreams({
		redisUrl: options.redisUrl,
		heartbeatMs: options.sseHeartbeatMs
	});

	const isAuthorized = (req: IncomingMessage, url: URL): boolean => {
		const header = req.headers.authorization ?? '';
		const match = /^Bearer\s+(.+)$/i.exec(header.trim());
		const given = match?.[1] ?? url.searchParams.get('_token');
		// Compare digests: constant time, and no length leak.
		return given !== null && given !== undefined && timingSafeEqual(digest(given), expectedToken);
	};

	const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
		const method = req.method ?? 'GET';
		if (!ALLOWED_METHODS.includes(method)) {
			res.setHeader('Allow', ALLOWED_METHODS.join(', '));
			throw new HttpError(405, 'Method Not Allowed');
		}
		const url = new URL(req.url ?? '/', 'http://localhost');
		if (!isAuthorized(req, url)) throw new HttpError(401, 'Unauthorized');
		const format = header(req, 'upstash-response-format');
		if (format !== undefined && format.toLowerCase() !== 'json') {
			throw new HttpError(
				400,
				`ERR Upstash-Response-Format '${format}' is not supported by this server`
			);
		}
		const base64 = header(req, 'upstash-encoding')?.toLowerCase() === 'base64';
		const segments = url.pathname.split('/').slice(1);
		const route = segments.length === 1 ? segments[0] : undefined;
		const body = await readBody(req, maxBody);

		if (route === 'pipeline' || route === 'multi-exec') {
			const commands = toCommandList(parseJsonBody(body));
			const outcomes =
				route === 'pipeline' ? await runner.pipeline(commands) : await runner.multiExec(commands);
			sendJson(
				res,
				200,
				outcomes.map((o) => encodeOutcome(o, base64))
			);
			return;
		}
		const kind = segments[0]?.toLowerCase();
		if (kind === 'subscribe' || kind === 'psubscribe') {
			const targets = pathCommand(segments, Buffer.alloc(0), new URLSearchParams())
				.slice(1)
				.map(String)
				.filter((target) => target !== '');
			if (targets.length === 0)
				throw new HttpError(400, `ERR wrong number of arguments for '${kind}' command`);
			await streams.serve(res, kind, targets);
			return;
		}
		let command;
		if (route === '') {
			if (body.length === 0) throw new HttpError(400, 'ERR empty command');
			command = toCommand(parseJsonBody(body));
		} else {
			command = pathCommand(segments, body, url.searchParams);
		}
		// A blocking command waits on its own connection; stop it if the client leaves.
		const gone = new AbortController();
		res.once('close', () => gone.abort());
		const result = await runner.run(command, gone.signal);
		sendJson(res, 200, { result: encodeResult(result, base64) });
	};

	const server = createServer((req, res) => {
		handle(req, res).catch((error: unknown) => respondWithError(res, error));
	});
	// Unparseable HTTP: answer 400 and drop the socket instead of emitting an error.
	server.on('clientError', (_error, socket) => {
		if (socket.writable) socket.end('HTTP/1.1 400 Bad Request\r\nConnection: close\r\n\r\n');
		else socket.destroy();
	});

	try {
		await new Promise<void>((resolve, reject) => {
			server.once('error', reject);
			server.listen(options.port ?? 0, host, () => {
				server.off('error', reject);
				resolve();
			});
		});
	} catch (error) {
		await runner.close(); // e.g. EADDRINUSE: do not leave a Redis connection behind
		throw error;
	}
	const port = (server.address() as AddressInfo).port;
	const printableHost = host.includes(':') ? `[${host}]` : host;

	let closing: Promise<void> | undefined;
	return {
		url: `http://${printableHost}:${port}`,
		port,
		close: () =>
			(closing ??= (async () => {
				streams.closeAll();
				const closed = new Promise<void>((resolve) => server.close(() => resolve()));
				server.closeAllConnections();
				await closed;
				await runner.close();
			})())
	};
}

/** Redis replies (ReplyError) and our own refusals are the client's fault: 400, message as is. */
function respondWithError(res: ServerResponse, error: unknown): void {
	if (res.headersSent) {
		res.destroy();
		return;
	}
	if (error instanceof HttpError) return sendJson(res, error.status, { error: error.message });
	if (error instanceof Error && error.name === 'ReplyError')
		return sendJson(res, 400, { error: error.message });
	// Anything else is ours or the connection's (Redis down): 500, without a stack.
	const message = error instanceof Error ? error.message : String(error);
	sendJson(res, 500, { error: `ERR internal error: ${message}` });
}

function encodeOutcome(outcome: Outcome, base64: boolean): Outcome {
	return 'error' in outcome ? outcome : { result: encodeResult(outcome.result, base64) };
}

function header(req: IncomingMessage, name: string): string | undefined {
	const value = req.headers[name];
	return Array.isArray(value) ? value[0] : value;
}

function digest(text: string): Buffer {
	return createHash('sha256').update(text).digest();
}
