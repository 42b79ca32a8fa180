import { createHash, randomBytes } from 'node:crypto';
import type { Payload } from './body.ts';
import { badRequest, ok, type ApiResponse } from './responses.ts';

/**
 * Files users "sent" to the bot: a test adds bytes and gets the `file_id` to put in a photo or
 * document update; `getFile` answers its `file_path`, and `GET /file/bot<token>/<file_path>`
 * serves the bytes, as the Bot API does (download limit 20 MB).
 */
export interface StoredFile {
	file_id: string;
	file_unique_id: string;
	file_size: number;
	file_path: string;
}

const DOWNLOAD_LIMIT = 20 * 1024 * 1024;

export class Files {
	private readonly byId = new Map<string, { file: StoredFile; bytes: Buffer }>();
	private readonly byPath = new Map<string, Buffer>();
	/** file_ids whose getFile was called, in order. */
	readonly fetched: string[] = [];

	add(bytes: Uint8Array, name = 'file.bin'): StoredFile {
		const unique = randomBytes(8).toString('hex');
		const file: StoredFile = {
			file_id: `BQAC${randomBytes(24).toString('base64url')}`,
			file_unique_id: unique,
			file_size: bytes.byteLength,
			file_path: `documents/${unique}_${name}`
		};
		const buffer = Buffer.from(bytes);
		this.byId.set(file.file_id, { file, bytes: buffer });
		this.byPath.set(file.file_path, buffer);
		return file;
	}

	getFile(payload: Payload): ApiResponse {
		const id = typeof payload.file_id === 'string' ? payload.file_id : '';
		const found = this.byId.get(id);
		if (!found) return badRequest('invalid file_id');
		this.fetched.push(id);
		if (found.file.file_size > DOWNLOAD_LIMIT) return badRequest('file is too big');
		return ok({ ...found.file });
	}

	download(path: string): Buffer | undefined {
		return this.byPath.get(path);
	}
}

/** Hex SHA-256, to compare uploaded bytes without keeping them. */
export function sha256(bytes: Uint8Array): string {
	return createHash('sha256').update(bytes).digest('hex');
}
