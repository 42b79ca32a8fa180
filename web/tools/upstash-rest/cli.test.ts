// The CLI as a separate process: flags, exit codes, and that it never prints the token.
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { Redis } from '@upstash/redis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startRedisServer, type RedisServerHandle } from '../../test/harness/redis.ts';

const CLI = fileURLToPath(new URL('./cli.ts', import.meta.url));
const WEB = fileURLToPath(new URL('../../', import.meta.url));
const SECRET = 'cli-secret-token-4b1d';

function start(args: string[], env: Record<string, string | undefined> = {}): ChildProcess {
	const childEnv = { ...process.env, ...env };
	for (const key of Object.keys(env)) if (env[key] === undefined) delete childEnv[key];
	return spawn(process.execPath, ['--import', 'tsx', CLI, ...args], { cwd: WEB, env: childEnv });
}

async function run(args: string[], env: Record<string, string | undefined> = {}) {
	const child = start(args, env);
	let stdout = '';
	let stderr = '';
	child.stdout!.on('data', (chunk) => (stdout += chunk));
	child.stderr!.on('data', (chunk) => (stderr += chunk));
	const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
	return { code, stdout, stderr };
}

describe('cli', () => {
	let redisServer: RedisServerHandle;
	beforeAll(async () => {
		redisServer = await startRedisServer();
	});
	afterAll(async () => {
		await redisServer?.stop();
	});

	it('--help prints usage and exits 0', async () => {
		const { code, stdout } = await run(['--help']);
		expect(code).toBe(0);
		expect(stdout).toMatch(/^Usage: /);
		expect(stdout).toContain('--redis-url');
		expect(stdout).toContain('UPSTASH_REDIS_REST_TOKEN');
	});

	it.each([
		[['--bogus'], /^error: Unknown option '--bogus'/],
		[['--port', 'http', '--token', 't'], /^error: --port must be an integer/],
		[['--redis-url', 'http://x', '--token', 't'], /^error: --redis-url must start with redis:\/\//],
		[['positional', '--token', 't'], /^error: Unexpected argument 'positional'/],
		[[], /^error: a token is required/]
	])('bad usage %j → one error line, exit 2', async (args, message) => {
		const { code, stderr } = await run(args, { UPSTASH_REDIS_REST_TOKEN: undefined });
		expect(code).toBe(2);
		expect(stderr).toMatch(message);
		expect(stderr.trimEnd().split('\n')).toHaveLength(1);
	});

	it('an unreachable Redis → one error line, exit 1, token not printed', async () => {
		const { code, stderr, stdout } = await run([
			'--redis-url',
			'redis://127.0.0.1:1',
			'--token',
			SECRET
		]);
		expect(code).toBe(1);
		expect(stderr).toMatch(/^error: cannot reach Redis at redis:\/\/127\.0\.0\.1:1/);
		expect(stderr + stdout).not.toContain(SECRET);
	});

	it('serves with the token from the environment and stops cleanly on SIGTERM', async () => {
		const child = start(['--redis-url', redisServer.url, '--port', '0'], {
			UPSTASH_REDIS_REST_TOKEN: SECRET
		});
		let output = '';
		child.stderr!.on('data', (chunk) => (output += chunk));
		const url = await new Promise<string>((resolve, reject) => {
			child.stdout!.on('data', (chunk) => {
				output += chunk;
				const match = /listening on (http:\/\/\S+)/.exec(output);
				if (match) resolve(match[1]!);
			});
			child.once('exit', () => reject(new Error(`cli exited: ${output}`)));
		});
		const redis = new Redis({ url, token: SECRET, enableTelemetry: false });
		expect(await redis.set('cli:k', { ok: true })).toBe('OK');
		expect(await redis.get('cli:k')).toEqual({ ok: true });
		const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
		child.kill('SIGTERM');
		expect(await exited).toBe(0);
		expect(output).not.toContain(SECRET);
	});
});
