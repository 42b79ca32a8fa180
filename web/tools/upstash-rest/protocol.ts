/**
 * The wire format of the Upstash Redis REST API: turning HTTP requests into Redis commands
 * and Redis replies into the JSON bodies `@upstash/redis` expects.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';

/** One Redis command: name first, then arguments (Buffers carry raw binary from POST bodies). */
export type Command = [name: string, ...args: (string | Buffer)[]];

/** An error with the HTTP status it should be answered with; the message goes out as `{"error": message}`. */
export class HttpError extends Error {
	constructor(
		readonly status: number,
		message: string
	) {
		super(message);
		this.name = 'HttpError';
	}
}

/**
 * Reads the whole body, refusing more than `limit` bytes with 413. A too-large body is still
 * drained (not buffered) so the client gets to read the 413 instead of a reset connection.
 */
export function readBody(req: IncomingMessage, limit: number): Promise<Buffer> {
	return new Promise((resolve, reject) => {
		const chunks: Buffer[] = [];
		let size = 0;
		req.on('data', (chunk: Buffer) => {
			size += chunk.length;
			if (size <= limit) chunks.push(chunk);
			else chunks.length = 0;
		});
		req.once('end', () => {
			if (size > limit)
				reject(new HttpError(413, `ERR request body exceeds the limit of ${limit} bytes`));
			else resolve(Buffer.concat(chunks, size));
		});
		req.once('error', reject);
	});
}

export function parseJsonBody(body: Buffer): unknown {
	try {
		return JSON.parse(body.toString('utf8'));
	} catch (error) {
		throw new HttpError(400, `ERR failed to parse JSON body: ${(error as Error).message}`);
	}
}

/** Validates one JSON command (`["SET","k","v","EX",10]`); `where` prefixes errors inside a pipeline. */
export function toCommand(value: unknown, where = ''): Command {
	if (!Array.isArray(value)) throw new HttpError(400, `ERR ${where}command must be a JSON array`);
	if (value.length === 0) throw new HttpError(400, `ERR ${where}empty command`);
	const parts = value.map((part, i) => {
		// The client sends numbers and booleans unquoted (e.g. `["EXPIRE","k",10]`).
		if (typeof part === 'string') return part;
		if (typeof part === 'number' || typeof part === 'boolean') return String(part);
		throw new HttpError(400, `ERR ${where}argument ${i} must be a string or a number`);
	});
	const [name, ...args] = parts as [string, ...string[]];
	if (name === '') throw new HttpError(400, `ERR ${where}empty command name`);
	return [name, ...args];
}

/** Validates a `/pipeline` or `/multi-exec` body: a non-empty array of commands. */
export function toCommandList(value: unknown): Command[] {
	if (!Array.isArray(value)) throw new HttpError(400, 'ERR body must be a JSON array of commands');
	if (value.length === 0) throw new HttpError(400, 'ERR empty pipeline');
	return value.map((command, i) => toCommand(command, `command ${i}: `));
}

/**
 * Path style: `/set/foo/bar` is `SET foo bar`; a non-empty POST/PUT body is appended as the
 * last argument (raw bytes, so binary values survive), then query parameters as `key value`
 * pairs (`/set/foo?EX=100`), as Upstash documents it.
 */
export function pathCommand(segments: string[], body: Buffer, query: URLSearchParams): Command {
	const args: (string | Buffer)[] = [];
	for (const segment of segments) {
		try {
			args.push(decodeURIComponent(segment));
		} catch {
			throw new HttpError(400, 'ERR malformed percent-encoding in the URL path');
		}
	}
	if (body.length > 0) args.push(body);
	for (const [key, value] of query) {
		if (key === '_token') continue;
		args.push(key);
		if (value !== '') args.push(value);
	}
	const [name, ...rest] = args;
	if (typeof name !== 'string' || name === '') throw new HttpError(400, 'ERR empty command');
	return [name, ...rest];
}

/**
 * Converts an ioredis buffer reply to JSON. With `base64` (header `Upstash-Encoding: base64`,
 * which `@upstash/redis` always sends) every string is base64 except a top-level `OK`: the
 * client passes a top-level "OK" through untouched but base64-decodes every string inside an
 * array, so an "OK" there must be encoded too. (Status and bulk replies look the same from
 * `callBuffer`; a bulk value "OK" decodes to the same thing either way.)
 */
export function encodeResult(value: unknown, base64: boolean, topLevel = true): unknown {
	if (value === null || value === undefined) return null;
	if (typeof value === 'number') return value;
	if (Buffer.isBuffer(value)) {
		if (!base64) return value.toString('utf8');
		if (topLevel && value.length === 2 && value[0] === 0x4f && value[1] === 0x4b) return 'OK';
		return value.toString('base64');
	}
	if (Array.isArray(value)) return value.map((item) => encodeResult(item, base64, false));
	// Nested error replies (e.g. a Lua table holding redis.error_reply) become their message.
	const text = value instanceof Error ? value.message : String(value);
	return base64 ? Buffer.from(text).toString('base64') : text;
}

export function sendJson(res: ServerResponse, status: number, payload: unknown): void {
	const body = JSON.stringify(payload);
	res.writeHead(status, {
		'Content-Type': 'application/json',
		'Content-Length': Buffer.byteLength(body)
	});
	res.end(body);
}
