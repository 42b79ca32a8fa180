import { spawn, type ChildProcess } from 'node:child_process';
import { accessSync, constants, mkdtempSync, rmSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { freePort } from './ports.ts';

export interface RedisServerHandle {
	/** `redis://127.0.0.1:<port>` */
	url: string;
	port: number;
	/** Kills the server and removes its temp dir. Safe to call twice. */
	stop(): Promise<void>;
}

const STARTUP_TIMEOUT_MS = 10_000;

// A test run that exits without calling stop() must not leave redis-servers behind.
// One listener for all of them (a listener each would trip MaxListenersExceededWarning).
const running = new Set<ChildProcess>();
process.once('exit', () => {
	for (const child of running) child.kill('SIGKILL');
});

/**
 * Starts a throwaway `redis-server` on a free loopback port: no persistence, its own temp
 * dir, killed by `stop()` (or, as a last resort, when this process exits).
 */
export async function startRedisServer(): Promise<RedisServerHandle> {
	const binary = findOnPath('redis-server');
	if (!binary)
		throw new Error('redis-server not found: install it (apt-get install -y redis-server)');

	const port = await freePort();
	const dir = mkdtempSync(join(tmpdir(), 'redis-harness-'));
	// No persistence: the data dies with the server.
	const config = { port: String(port), bind: '127.0.0.1', save: '', appendonly: 'no', dir };
	const args = Object.entries(config).flatMap(([key, value]) => [`--${key}`, value]);
	const child = spawn(binary, args, { stdio: ['ignore', 'pipe', 'pipe'] });
	// Keep the tail of the output so a failed start can say why.
	let output = '';
	const keep = (chunk: Buffer) => (output = (output + chunk.toString()).slice(-2000));
	child.stdout?.on('data', keep);
	child.stderr?.on('data', keep);

	running.add(child);

	let stopped = false;
	const stop = async () => {
		if (stopped) return;
		stopped = true;
		await terminate(child);
		running.delete(child);
		rmSync(dir, { recursive: true, force: true });
	};

	try {
		await waitForPing(port, child);
	} catch (error) {
		await stop();
		const tail = output.trim().split('\n').slice(-3).join(' | ');
		throw new Error(
			`redis-server did not start: ${(error as Error).message}${tail ? ` (${tail})` : ''}`
		);
	}
	return { url: `redis://127.0.0.1:${port}`, port, stop };
}

function findOnPath(name: string): string | undefined {
	for (const dir of (process.env.PATH ?? '').split(delimiter)) {
		if (!dir) continue;
		const candidate = join(dir, name);
		try {
			accessSync(candidate, constants.X_OK);
			return candidate;
		} catch {
			// not here; keep looking
		}
	}
	return undefined;
}

async function waitForPing(port: number, child: ChildProcess): Promise<void> {
	const deadline = Date.now() + STARTUP_TIMEOUT_MS;
	while (Date.now() < deadline) {
		if (child.exitCode !== null || child.signalCode !== null) {
			throw new Error(`exited early (code ${child.exitCode ?? child.signalCode})`);
		}
		if (await ping(port)) return;
		await new Promise((r) => setTimeout(r, 25));
	}
	throw new Error(`no PONG within ${STARTUP_TIMEOUT_MS} ms`);
}

/** One raw RESP `PING`; resolves true on `+PONG`, false on any failure. */
function ping(port: number): Promise<boolean> {
	return new Promise((resolve) => {
		const socket = connect({ port, host: '127.0.0.1' });
		let reply = '';
		const done = (ok: boolean) => {
			socket.destroy();
			resolve(ok);
		};
		socket.setTimeout(1000, () => done(false));
		socket.once('error', () => done(false));
		socket.once('connect', () => socket.write('PING\r\n'));
		socket.on('data', (chunk) => {
			reply += chunk.toString();
			if (reply.includes('\r\n')) done(reply.startsWith('+PONG'));
		});
	});
}

function terminate(child: ChildProcess): Promise<void> {
	if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
	return new Promise((resolve) => {
		const force = setTimeout(() => child.kill('SIGKILL'), 3000);
		child.once('exit', () => {
			clearTimeout(force);
			resolve();
		});
		child.kill('SIGTERM');
	});
}
