import { chmod, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { build, BuildFailedError, buildIsCurrent, sourceHash, STAMP_FILE } from './build.ts';

/** A web/ with sources and a `vite` that prints many lines (the real one takes ~20 s). */
async function fakeWeb(exitCode: number): Promise<string> {
	const web = await mkdtemp(join(tmpdir(), 'build-test-'));
	await mkdir(join(web, 'src'), { recursive: true });
	await mkdir(join(web, 'node_modules', '.bin'), { recursive: true });
	await mkdir(join(web, 'build'));
	await writeFile(join(web, 'src', 'app.ts'), 'export const a = 1;\n');
	await writeFile(join(web, 'package.json'), '{}\n');
	const vite = join(web, 'node_modules', '.bin', 'vite');
	await writeFile(
		vite,
		`#!/bin/sh\nfor i in $(seq 1 130); do echo "vite line $i"; done\ntouch build/handler.js\nexit ${exitCode}\n`
	);
	await chmod(vite, 0o755);
	return web;
}

describe('the build step of pnpm start', () => {
	let web = '';
	afterEach(() => rm(web, { recursive: true, force: true }));

	it('hashes the sources: a changed or added file changes the hash, test files do not', async () => {
		web = await fakeWeb(0);
		const first = sourceHash(web);
		expect(sourceHash(web)).toBe(first);
		await writeFile(join(web, 'src', 'app.test.ts'), 'test\n');
		expect(sourceHash(web)).toBe(first);
		await writeFile(join(web, 'src', 'app.ts'), 'export const a = 2;\n');
		expect(sourceHash(web)).not.toBe(first);
	});

	it("keeps vite's output in the log, off the terminal, and stamps the build", async () => {
		web = await fakeWeb(0);
		const buildDir = join(web, 'build');
		const hash = sourceHash(web);
		expect(await buildIsCurrent(buildDir, hash)).toBe(false);
		const logFile = join(web, 'data', 'build.log');
		const written: string[] = [];
		const write = process.stdout.write.bind(process.stdout);
		process.stdout.write = ((chunk: string) => (written.push(String(chunk)), true)) as never;
		try {
			await build({ webDir: web, buildDir, hash, logFile, verbose: false });
		} finally {
			process.stdout.write = write;
		}
		expect(written.join('')).not.toContain('vite line');
		const log = await readFile(logFile, 'utf8');
		expect(log.split('\n').filter((l) => l.startsWith('vite line'))).toHaveLength(130);
		expect((await readFile(join(buildDir, STAMP_FILE), 'utf8')).trim()).toBe(hash);
		expect(await buildIsCurrent(buildDir, hash)).toBe(true);
		await writeFile(join(web, 'src', 'app.ts'), 'changed\n');
		expect(await buildIsCurrent(buildDir, sourceHash(web))).toBe(false);
	});

	it('a failed build says where the full log is and shows its tail; no stamp', async () => {
		web = await fakeWeb(1);
		const buildDir = join(web, 'build');
		const logFile = join(web, 'build.log');
		const error = await build({
			webDir: web,
			buildDir,
			hash: sourceHash(web),
			logFile,
			verbose: false
		}).catch((e: unknown) => e);
		expect(error).toBeInstanceOf(BuildFailedError);
		const message = (error as Error).message;
		expect(message).toContain(`vite build exited 1); full log: ${logFile}`);
		expect(message).toContain('vite line 130');
		expect(message).not.toContain('vite line 100\n');
		expect(await buildIsCurrent(buildDir, sourceHash(web))).toBe(false);
	});
});
