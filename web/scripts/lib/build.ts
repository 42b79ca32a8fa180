/**
 * `pnpm start`'s build step: `vite build` only when the sources changed since the last build
 * (a content hash of what the bundle is made from, stamped into the build directory), its
 * output in a log file behind one progress line (or on the terminal with `--verbose`).
 */
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { createWriteStream, existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { dirname, join, relative } from 'node:path';

/** Written into the build directory after a successful build: the hash of its sources. */
export const STAMP_FILE = '.source-hash';

/** What the bundle is made from, relative to web/ (migrations are read at run time). */
const SOURCES = [
	'src',
	'static',
	'../shared/src',
	'svelte.config.js',
	'vite.config.ts',
	'package.json',
	'../pnpm-lock.yaml'
];

function files(path: string): string[] {
	const stat = statSync(path, { throwIfNoEntry: false });
	if (!stat) return [];
	if (!stat.isDirectory()) return [path];
	return readdirSync(path)
		.filter((entry) => entry !== 'node_modules' && !entry.endsWith('.test.ts'))
		.sort()
		.flatMap((entry) => files(join(path, entry)));
}

/** SHA-256 over every source file's path and content. */
export function sourceHash(webDir: string): string {
	const hash = createHash('sha256');
	for (const source of SOURCES) {
		for (const file of files(join(webDir, source))) {
			hash.update(relative(webDir, file)).update('\0').update(readFileSync(file)).update('\0');
		}
	}
	return hash.digest('hex');
}

/** True when the build directory holds a complete build of exactly these sources. */
export async function buildIsCurrent(buildDir: string, hash: string): Promise<boolean> {
	if (!existsSync(join(buildDir, 'handler.js'))) return false;
	const stamp = await readFile(join(buildDir, STAMP_FILE), 'utf8').catch(() => '');
	return stamp.trim() === hash;
}

export class BuildFailedError extends Error {
	override readonly name = 'BuildFailedError';
}

export interface BuildOptions {
	webDir: string;
	/** {@link sourceHash} of the sources, taken before the build: stamped when it succeeds. */
	hash: string;
	buildDir: string;
	/** Where the full output goes (appended to in verbose mode too). */
	logFile: string;
	/** Show vite's output as it comes instead of the progress line. */
	verbose: boolean;
	/** One progress line: called with the elapsed seconds, about once a second. */
	progress?: (seconds: number) => void;
}

/** Run `vite build`; on failure a `BuildFailedError` whose message ends with the log's tail. */
export async function build(opts: BuildOptions): Promise<void> {
	await mkdir(dirname(opts.logFile), { recursive: true });
	const log = createWriteStream(opts.logFile);
	const vite = join(opts.webDir, 'node_modules', '.bin', 'vite');
	const child = spawn(vite, ['build'], {
		cwd: opts.webDir,
		// Own process group: the terminal's Ctrl-C goes to `pnpm start`, which ends the build.
		detached: true,
		stdio: ['ignore', 'pipe', 'pipe'],
		env: { ...process.env, FORCE_COLOR: opts.verbose ? process.env.FORCE_COLOR : '0' }
	});
	const stop = () => {
		if (child.pid) process.kill(-child.pid, 'SIGTERM');
	};
	process.once('exit', stop);
	for (const stream of [child.stdout!, child.stderr!]) {
		stream.on('data', (chunk: Buffer) => {
			log.write(chunk);
			if (opts.verbose) process.stdout.write(chunk);
		});
	}
	const started = Date.now();
	const timer = opts.progress
		? setInterval(() => opts.progress!(Math.round((Date.now() - started) / 1000)), 1000)
		: undefined;
	const code = await new Promise<number | null>((resolve) => {
		child.once('error', () => resolve(-1));
		child.once('exit', (exitCode) => resolve(exitCode));
	});
	clearInterval(timer);
	process.off('exit', stop);
	await new Promise((resolve) => log.end(resolve));
	if (code !== 0) {
		const tail = (await readFile(opts.logFile, 'utf8')).trimEnd().split('\n').slice(-15);
		throw new BuildFailedError(
			`building the web app failed (vite build exited ${code}); full log: ${opts.logFile}\n${tail.join('\n')}`
		);
	}
	await writeFile(join(opts.buildDir, STAMP_FILE), opts.hash + '\n');
}
