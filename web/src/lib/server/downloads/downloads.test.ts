import { createHash } from 'node:crypto';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
	defaultDownloadsDir,
	downloadsDir,
	isDownloadName,
	listDownloads,
	openDownload,
	parseChecksums,
	platformOf
} from './downloads.ts';

const sha = (data: string | Uint8Array) => createHash('sha256').update(data).digest('hex');
const LINUX = 'remoteagent-x86_64-unknown-linux-gnu';
const MAC = 'remoteagent-aarch64-apple-darwin';
const WINDOWS = 'remoteagent-x86_64-pc-windows-msvc.exe';
const TRAVERSALS = [
	'../../etc/passwd',
	'remoteagent-x/../..',
	`${LINUX}/..`,
	`../${LINUX}`,
	`..%2F${LINUX}`,
	`remoteagent-x86_64\\..\\..\\secret`,
	`${LINUX}\0`,
	'/etc/passwd',
	'.',
	'..',
	'',
	'SHA256SUMS',
	'remoteagent-',
	'remoteagent-linux',
	'REMOTEAGENT-X86_64-UNKNOWN-LINUX-GNU',
	`${LINUX}.sh`,
	`${LINUX}.exe.sh`
];

let root: string;
let dist: string;
beforeEach(async () => {
	root = await mkdtemp(join(tmpdir(), 'downloads-test-'));
	dist = join(root, 'dist');
	await mkdir(dist);
});
afterEach(async () => {
	await rm(root, { recursive: true, force: true });
});

async function put(name: string, content: string): Promise<string> {
	await writeFile(join(dist, name), content);
	return sha(content);
}

async function readAll(stream: ReadableStream<Uint8Array>): Promise<Buffer> {
	const chunks: Uint8Array[] = [];
	for await (const chunk of stream) chunks.push(chunk);
	return Buffer.concat(chunks);
}

describe('file names', () => {
	it('accepts the names deno task compile writes', () => {
		for (const name of [LINUX, MAC, WINDOWS, 'remoteagent-aarch64-unknown-linux-gnu']) {
			expect(isDownloadName(name), name).toBe(true);
		}
	});

	it('accepts the npm package deno task pack writes, and nothing else ending in .tgz', () => {
		expect(isDownloadName('remoteagent-0.1.0.tgz')).toBe(true);
		expect(isDownloadName('remoteagent-1.2.3-rc.1.tgz')).toBe(true);
		for (const name of ['remoteagent-x.tgz', 'remoteagent-0.1.0.tgz/..', 'other-0.1.0.tgz']) {
			expect(isDownloadName(name), name).toBe(false);
		}
	});

	it.each(TRAVERSALS)('refuses %j', (name) => {
		expect(isDownloadName(name)).toBe(false);
	});
});

describe('parseChecksums', () => {
	it('reads text- and binary-mode lines and lower-cases the digest', () => {
		const a = 'a'.repeat(64);
		const b = 'B'.repeat(64);
		const sums = parseChecksums(`${a}  ${LINUX}\r\n${b} *${WINDOWS}\n\n`);
		expect([...sums]).toEqual([
			[LINUX, a],
			[WINDOWS, 'b'.repeat(64)]
		]);
	});

	it('skips malformed lines and names that are not binaries', () => {
		const good = 'c'.repeat(64);
		const text = [
			`${'c'.repeat(63)}  ${LINUX}`,
			`${'g'.repeat(64)}  ${LINUX}`,
			`${good} ${LINUX}`,
			`${good}  ../../etc/passwd`,
			`${good}  remoteagent-x/../..`,
			`${good}  ${MAC} trailing`,
			'# comment',
			`${good}  ${MAC}`
		].join('\n');
		expect([...parseChecksums(text)]).toEqual([[MAC, good]]);
	});
});

describe('platformOf', () => {
	it('labels every target the agent ships for', () => {
		expect(platformOf('x86_64-unknown-linux-gnu')).toEqual({
			platform: 'Linux x86_64',
			os: 'linux'
		});
		expect(platformOf('aarch64-unknown-linux-gnu')).toEqual({
			platform: 'Linux ARM64 (aarch64)',
			os: 'linux'
		});
		expect(platformOf('x86_64-apple-darwin')).toEqual({
			platform: 'macOS Intel (x86_64)',
			os: 'macos'
		});
		expect(platformOf('aarch64-apple-darwin')).toEqual({
			platform: 'macOS Apple silicon (arm64)',
			os: 'macos'
		});
		expect(platformOf('x86_64-pc-windows-msvc')).toEqual({
			platform: 'Windows x86_64',
			os: 'windows'
		});
		expect(platformOf('riscv64-unknown-freebsd')).toEqual({
			platform: 'riscv64-unknown-freebsd',
			os: 'other'
		});
	});
});

describe('listDownloads', () => {
	it('offers the files SHA256SUMS lists that exist, with size and checksum, Linux first', async () => {
		const sums = {
			[WINDOWS]: await put(WINDOWS, 'MZ windows'),
			[LINUX]: await put(LINUX, 'ELF linux binary'),
			[MAC]: await put(MAC, 'macho')
		};
		await put('remoteagent-aarch64-unknown-linux-gnu', 'present but not listed');
		await mkdir(join(dist, 'remoteagent-x86_64-apple-darwin'));
		const lines = [
			...Object.entries(sums).map(([file, digest]) => `${digest}  ${file}`),
			`${'d'.repeat(64)}  remoteagent-x86_64-apple-darwin`, // a directory, not a file
			`${'e'.repeat(64)}  remoteagent-riscv64-unknown-linux-gnu` // listed, not built
		];
		await writeFile(join(dist, 'SHA256SUMS'), lines.join('\n') + '\n');

		const list = await listDownloads(dist);
		expect(list.map((d) => d.file)).toEqual([LINUX, MAC, WINDOWS]);
		expect(list[0]).toEqual({
			file: LINUX,
			target: 'x86_64-unknown-linux-gnu',
			platform: 'Linux x86_64',
			os: 'linux',
			size: 'ELF linux binary'.length,
			sha256: sums[LINUX]
		});
		expect(list[2]).toMatchObject({
			target: 'x86_64-pc-windows-msvc',
			os: 'windows',
			sha256: sums[WINDOWS]
		});
	});

	it('offers the npm package after the binaries', async () => {
		const npm = 'remoteagent-0.1.0.tgz';
		const lines = [`${await put(npm, 'gzip')}  ${npm}`, `${await put(LINUX, 'ELF')}  ${LINUX}`];
		await writeFile(join(dist, 'SHA256SUMS'), lines.join('\n') + '\n');
		const list = await listDownloads(dist);
		expect(list.map((d) => d.file)).toEqual([LINUX, npm]);
		expect(list[1]).toMatchObject({ target: 'npm', os: 'npm', size: 4 });
		expect(list[1]!.platform).toContain('npm package');
	});

	it('offers nothing for a missing directory, a missing SHA256SUMS or no directory at all', async () => {
		await put(LINUX, 'binary without sums');
		expect(await listDownloads(dist)).toEqual([]);
		expect(await listDownloads(join(root, 'does-not-exist'))).toEqual([]);
		expect(await listDownloads(null)).toEqual([]);
	});

	it('never lists a traversal name, even when SHA256SUMS does', async () => {
		await writeFile(join(root, 'secret'), 'top secret');
		await writeFile(
			join(dist, 'SHA256SUMS'),
			`${sha('top secret')}  ../secret\n${sha('top secret')}  remoteagent-x/../../secret\n`
		);
		expect(await listDownloads(dist)).toEqual([]);
	});
});

describe('openDownload', () => {
	it('streams exactly the listed file', async () => {
		const content = 'x'.repeat(600_000); // more than one read chunk
		const digest = await put(LINUX, content);
		await writeFile(join(dist, 'SHA256SUMS'), `${digest}  ${LINUX}\n`);

		const opened = await openDownload(dist, LINUX);
		expect(opened?.download).toMatchObject({ file: LINUX, size: content.length, sha256: digest });
		const bytes = await readAll(opened!.body);
		expect(bytes.length).toBe(content.length);
		expect(sha(bytes)).toBe(digest);
	});

	it('refuses unlisted, missing and traversal names', async () => {
		const digest = await put(LINUX, 'linux');
		await put(MAC, 'not listed');
		await writeFile(join(root, 'secret'), 'top secret');
		await mkdir(join(root, 'remoteagent-x'));
		await writeFile(
			join(dist, 'SHA256SUMS'),
			`${digest}  ${LINUX}\n${'f'.repeat(64)}  ${WINDOWS}\n${sha('top secret')}  ../secret\n`
		);
		expect(await openDownload(dist, MAC)).toBeNull();
		expect(await openDownload(dist, WINDOWS)).toBeNull();
		for (const name of [...TRAVERSALS, '../secret', 'remoteagent-x/../../secret']) {
			expect(await openDownload(dist, name), name).toBeNull();
		}
		expect(await openDownload(join(root, 'nowhere'), LINUX)).toBeNull();
		expect(await openDownload(null, LINUX)).toBeNull();
	});

	it('lets the reader cancel part-way', async () => {
		const digest = await put(LINUX, 'y'.repeat(1_000_000));
		await writeFile(join(dist, 'SHA256SUMS'), `${digest}  ${LINUX}\n`);
		const opened = await openDownload(dist, LINUX);
		const reader = opened!.body.getReader();
		const first = await reader.read();
		expect(first.value?.length).toBeGreaterThan(0);
		await expect(reader.cancel()).resolves.toBeUndefined();
	});
});

describe('where the binaries are looked for', () => {
	it('defaults to agent/dist next to the web package', () => {
		const webPackage = fileURLToPath(new URL('../../../../', import.meta.url));
		expect(defaultDownloadsDir()).toBe(resolve(webPackage, '..', 'agent', 'dist'));
		// As from the adapter-node build, whose chunks live under web/build/server/chunks/.
		const chunk = pathToFileURL(join(webPackage, 'build', 'server', 'chunks', 'x.js'));
		expect(defaultDownloadsDir(chunk)).toBe(resolve(webPackage, '..', 'agent', 'dist'));
	});

	it('finds nothing outside the web package', () => {
		expect(defaultDownloadsDir(pathToFileURL(join(tmpdir(), 'bundle', 'index.js')))).toBeNull();
	});

	it('resolves DOWNLOADS_DIR against the working directory', () => {
		expect(downloadsDir({ DOWNLOADS_DIR: 'bin/dist' })).toBe(resolve(process.cwd(), 'bin/dist'));
		expect(downloadsDir({ DOWNLOADS_DIR: dist })).toBe(dist);
		expect(downloadsDir({ DOWNLOADS_DIR: undefined })).toBe(defaultDownloadsDir());
	});
});
