import type { IncomingMessage } from 'node:http';
import { sha256 } from './files.ts';

/**
 * Bot API requests carry parameters in the query string, or as a JSON, urlencoded or multipart
 * body (grammY sends JSON, and multipart when a file is uploaded). Non-JSON values arrive as
 * strings; `asInt`/`asObject` read them the way the Bot API does.
 */

export type Payload = Record<string, unknown>;

/** An uploaded file in a multipart body: recorded, not kept. */
export interface UploadedFile {
	filename: string;
	size: number;
	/** Hex SHA-256 of the content. */
	sha256: string;
}

const MAX_BODY = 60 * 1024 * 1024;

export async function readPayload(req: IncomingMessage, url: URL): Promise<Payload> {
	const payload: Payload = Object.fromEntries(url.searchParams);
	const chunks: Buffer[] = [];
	let size = 0;
	for await (const chunk of req as AsyncIterable<Buffer>) {
		size += chunk.length;
		if (size > MAX_BODY) throw new Error('request body too large');
		chunks.push(chunk);
	}
	const body = Buffer.concat(chunks);
	const type = (req.headers['content-type'] ?? '').toLowerCase();
	if (body.length === 0) return payload;
	if (type.startsWith('application/json')) {
		const json: unknown = JSON.parse(body.toString('utf8'));
		if (json && typeof json === 'object' && !Array.isArray(json)) Object.assign(payload, json);
	} else if (type.startsWith('application/x-www-form-urlencoded')) {
		Object.assign(payload, Object.fromEntries(new URLSearchParams(body.toString('utf8'))));
	} else if (type.startsWith('multipart/form-data')) {
		const boundary = /boundary=(?:"([^"]+)"|([^;]+))/i.exec(req.headers['content-type'] ?? '');
		if (boundary) Object.assign(payload, parseMultipart(body, boundary[1] ?? boundary[2]!));
	}
	return payload;
}

function parseMultipart(body: Buffer, boundary: string): Payload {
	const payload: Payload = {};
	const delimiter = Buffer.from(`--${boundary}`);
	let at = body.indexOf(delimiter);
	while (at !== -1) {
		const start = at + delimiter.length;
		if (body.subarray(start, start + 2).toString() === '--') break;
		const next = body.indexOf(delimiter, start);
		if (next === -1) break;
		const part = body.subarray(start + 2, next - 2); // CRLF after the delimiter and before the next
		const split = part.indexOf('\r\n\r\n');
		const headers = part.subarray(0, split).toString('utf8');
		const content = part.subarray(split + 4);
		const name = /(?:^|[;\s])name="([^"]*)"/i.exec(headers)?.[1];
		const file = /filename=(?:"([^"]*)"|([^;\r\n]*))/i.exec(headers); // grammY does not quote it
		const filename = file ? (file[1] ?? file[2]!) : undefined;
		if (name !== undefined) {
			payload[name] =
				filename !== undefined
					? ({ filename, size: content.length, sha256: sha256(content) } satisfies UploadedFile)
					: content.toString('utf8');
		}
		at = next;
	}
	return payload;
}

export function asInt(value: unknown): number | undefined {
	const n = typeof value === 'string' && value.trim() !== '' ? Number(value) : value;
	return typeof n === 'number' && Number.isInteger(n) ? n : undefined;
}

/** Objects and arrays may be sent as JSON strings (always, outside a JSON body). */
export function asObject(value: unknown): unknown {
	if (typeof value !== 'string') return value;
	try {
		return JSON.parse(value);
	} catch {
		return undefined;
	}
}

export function asBool(value: unknown): boolean {
	return value === true || value === 'true' || value === '1';
}
