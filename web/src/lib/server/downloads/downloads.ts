/**
 * The agent binaries offered on /download: what `deno task compile` leaves in DOWNLOADS_DIR
 * (`remoteagent-<target>[.exe]` plus `SHA256SUMS`). A file is offered only when SHA256SUMS lists
 * it with a well-formed checksum AND it is a regular file in the directory. Every name is checked
 * against one strict pattern before it touches the file system, so no URL reaches outside the
 * directory. The checksum served is the one SHA256SUMS records at build time (hashing 100 MB per
 * request would be wasteful); `sha256sum -c` on the user's side is what proves the bytes.
 */
import { readFileSync } from 'node:fs';
import { open, readFile, stat, type FileHandle } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Config } from '../config/schema.ts';

export const CHECKSUMS_FILE = 'SHA256SUMS';

/**
 * `remoteagent-` + a target triple (2–5 lower-case words joined by `-`) + optional `.exe`, or
 * the npm package `remoteagent-<version>.tgz` (`deno task pack`) for where no binary fits.
 */
const FILE_NAME =
	/^remoteagent-(?:[a-z0-9_]+(?:-[a-z0-9_]+){1,4}(?:\.exe)?|\d+\.\d+\.\d+(?:-[0-9a-z.]+)?\.tgz)$/;
const NPM_PACKAGE = /\.tgz$/;
/** `<sha256>  <name>` (text mode) or `<sha256> *<name>` (binary mode), as `sha256sum` writes them. */
const CHECKSUM_LINE = /^([0-9a-fA-F]{64}) [ *](\S+)$/;
const CHUNK_BYTES = 256 * 1024;

export type Os = 'linux' | 'macos' | 'windows' | 'npm' | 'other';

export interface Download {
	file: string;
	/** The target triple, e.g. `x86_64-unknown-linux-gnu`. */
	target: string;
	/** For people, e.g. `Linux x86_64`. */
	platform: string;
	os: Os;
	size: number;
	sha256: string;
}

export function isDownloadName(name: string): boolean {
	return FILE_NAME.test(name);
}

/** file name → lower-case checksum; malformed lines and names outside the pattern are skipped. */
export function parseChecksums(text: string): Map<string, string> {
	const sums = new Map<string, string>();
	for (const line of text.split(/\r?\n/)) {
		const match = CHECKSUM_LINE.exec(line.trim());
		if (match && isDownloadName(match[2]!)) sums.set(match[2]!, match[1]!.toLowerCase());
	}
	return sums;
}

const ARCHES: Record<string, string> = { x86_64: 'x86_64', aarch64: 'ARM64 (aarch64)' };

/** `Linux x86_64`, `macOS Apple silicon`, …; an unknown triple is shown as it is. */
export function platformOf(target: string): { platform: string; os: Os } {
	const [arch = '', ...rest] = target.split('-');
	const system = rest.join('-');
	const archLabel = ARCHES[arch] ?? arch;
	if (system.includes('linux')) return { platform: `Linux ${archLabel}`, os: 'linux' };
	if (system.includes('darwin')) {
		const mac =
			arch === 'aarch64'
				? 'Apple silicon (arm64)'
				: arch === 'x86_64'
					? 'Intel (x86_64)'
					: archLabel;
		return { platform: `macOS ${mac}`, os: 'macos' };
	}
	if (system.includes('windows')) return { platform: `Windows ${archLabel}`, os: 'windows' };
	return { platform: target, os: 'other' };
}

const OS_ORDER: Os[] = ['linux', 'macos', 'windows', 'npm', 'other'];

/** Every offered binary, Linux first, then macOS, then Windows. A missing directory offers nothing. */
export async function listDownloads(dir: string | null): Promise<Download[]> {
	const sums = await readChecksums(dir);
	if (!dir || sums.size === 0) return [];
	const found = await Promise.all(
		[...sums].map(async ([file, sha256]) => describe(file, sha256, await fileSize(join(dir, file))))
	);
	return found
		.filter((d): d is Download => d !== null)
		.sort(
			(a, b) =>
				OS_ORDER.indexOf(a.os) - OS_ORDER.indexOf(b.os) || a.platform.localeCompare(b.platform)
		);
}

/**
 * The binary named `name`, opened for streaming, or null when it is not offered. Size comes from
 * the open handle, so the Content-Length matches the bytes streamed even if the file is replaced.
 */
export async function openDownload(
	dir: string | null,
	name: string
): Promise<{ download: Download; body: ReadableStream<Uint8Array> } | null> {
	if (!dir || !isDownloadName(name)) return null;
	const sha256 = (await readChecksums(dir)).get(name);
	if (!sha256) return null;
	let handle: FileHandle;
	try {
		handle = await open(join(dir, name), 'r');
	} catch {
		return null;
	}
	const info = await handle.stat().catch(() => null);
	const download = info?.isFile() ? describe(name, sha256, info.size) : null;
	if (!download) {
		await handle.close();
		return null;
	}
	return { download, body: streamFile(handle, download.size) };
}

/** DOWNLOADS_DIR (relative to the working directory, like DATA_DIR), else the repository's agent/dist. */
export function downloadsDir(config: Pick<Config, 'DOWNLOADS_DIR'>): string | null {
	return config.DOWNLOADS_DIR ? resolve(config.DOWNLOADS_DIR) : defaultDownloadsDir();
}

/**
 * `<repo>/agent/dist`, found by walking up from this module to the web package: works from the
 * sources (vite, vitest) and from the adapter-node build (web/build/server/chunks/…). Null when
 * the web package is not found, e.g. in a serverless bundle, which then offers no downloads.
 */
export function defaultDownloadsDir(from: string | URL = import.meta.url): string | null {
	let dir = dirname(fileURLToPath(from));
	for (;;) {
		if (isWebPackage(dir)) return join(dir, '..', 'agent', 'dist');
		const parent = dirname(dir);
		if (parent === dir) return null;
		dir = parent;
	}
}

function isWebPackage(dir: string): boolean {
	try {
		return JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')).name === '@remoteagent/web';
	} catch {
		return false;
	}
}

async function readChecksums(dir: string | null): Promise<Map<string, string>> {
	if (!dir) return new Map();
	try {
		return parseChecksums(await readFile(join(dir, CHECKSUMS_FILE), 'utf8'));
	} catch {
		return new Map();
	}
}

async function fileSize(path: string): Promise<number | null> {
	const info = await stat(path).catch(() => null);
	return info?.isFile() ? info.size : null;
}

function describe(file: string, sha256: string, size: number | null): Download | null {
	if (size === null) return null;
	if (NPM_PACKAGE.test(file)) {
		const platform = 'npm package (any OS with Node.js 20.19+)';
		return { file, target: 'npm', platform, os: 'npm', size, sha256 };
	}
	const target = file.replace(/^remoteagent-/, '').replace(/\.exe$/, '');
	return { file, target, ...platformOf(target), size, sha256 };
}

/** At most `size` bytes of the file, read on demand; the handle closes at the end or on cancel. */
function streamFile(handle: FileHandle, size: number): ReadableStream<Uint8Array> {
	let position = 0;
	let closed = false;
	const close = async () => {
		if (closed) return;
		closed = true;
		await handle.close().catch(() => {});
	};
	return new ReadableStream<Uint8Array>({
		async pull(controller) {
			try {
				const want = Math.min(CHUNK_BYTES, size - position);
				const { bytesRead, buffer } =
					want > 0
						? await handle.read(new Uint8Array(want), 0, want, position)
						: { bytesRead: 0, buffer: new Uint8Array(0) };
				if (bytesRead === 0) {
					await close();
					controller.close();
					return;
				}
				position += bytesRead;
				controller.enqueue(buffer.subarray(0, bytesRead));
			} catch (error) {
				await close();
				controller.error(error);
			}
		},
		cancel: close
	});
}
