/**
 * A `redis-server` child process on a loopback port: the Redis behind the Upstash-compatible
 * REST server for `pnpm start` (persistent, under the data directory) and for tests (throwaway).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { accessSync, constants, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { connect, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';

export interface SpawnRedisOptions {
	/** Default: a free port. */
	port?: number;
	/** Working directory (AOF files). Default: a temp dir, removed by `stop()`; a given dir is kept. */
	dir?: string;
	/**
	 * `appendonly yes` with `appendfsync everysec`, so data survives a restart (even a `kill -9`
	 * of redis-server; a crash of the machine can lose the last second). Default false: the data
	 * dies with the server. Never RDB snapshots: the AOF already starts from one.
	 */
	persist?: boolean;
	/** redis-server writes its pid here and removes the file when it shuts down cleanly. */
	pidfile?: string;
}

/** How a redis-server ended, for log lines: `code 1` / `signal SIGKILL`, and its last output. */
export interface RedisExit {
	reason: string;
	output: string;
}

export interface RedisServerHandle {
	/** `redis://127.0.0.1:<port>` */
	url: string;
	port: number;
	dir: string;
	/** Settles when the process has ended, whether through `stop()` or not. */
	exited: Promise<RedisExit>;
	/** Stops the server (and removes a temp dir). Safe to call twice. */
	stop(): Promise<void>;
}

export class RedisNotFoundError extends Error {
	override readonly name = 'RedisNotFoundError';
	constructor() {
		super('redis-server not found: install it (apt-get install -y redis-server)');
	}
}

const STARTUP_TIMEOUT_MS = 10_000;

// A process that exits without calling stop() must not leave redis-servers behind.
// One listener for all of them (a listener each would trip MaxListenersExceededWarning).
const running = new Set<ChildProcess>();
process.once('exit', () => {
	for (const child of running) child.kill('SIGKILL');
});

export async function spawnRedisServer(
	options: SpawnRedisOptions = {}
): Promise<RedisServerHandle> {
	const binary = findOnPath('redis-server');
	if (!binary) throw new RedisNotFoundError();

	const port = options.port ?? (await freePort());
	const temporary = options.dir === undefined;
	const dir = options.dir ?? mkdtempSync(join(tmpdir(), 'redis-'));
	if (!temporary) mkdirSync(dir, { recursive: true, mode: 0o700 });
	const config = {
		port: String(port),
		bind: '127.0.0.1',
		save: '',
		appendonly: options.persist ? 'yes' : 'no',
		appendfsync: 'everysec',
		dir,
		...(options.pidfile === undefined ? {} : { pidfile: options.pidfile })
	};
	const args = Object.entries(config).flatMap(([key, value]) => [`--${key}`, value]);
	const child = spawn(binary, args, { stdio: ['ignore', 'pipe', 'pipe'] });
	// Keep the tail of the output so a failed start can say why.
	let output = '';
	const keep = (chunk: Buffer) => (output = (output + chunk.toString()).slice(-2000));
	child.stdout?.on('data', keep);
	child.stderr?.on('data', keep);
	running.add(child);
	const exited = new Promise<RedisExit>((resolve) =>
		child.once('exit', (code, signal) => {
			running.delete(child);
			resolve({ reason: signal ? `signal ${signal}` : `code ${code}`, output: tail(output) });
		})
	);

	let stopped = false;
	const stop = async () => {
		if (stopped) return;
		stopped = true;
		await terminate(child);
		if (temporary) rmSync(dir, { recursive: true, force: true });
	};

	try {
		await waitForPing(port, child);
	} catch (error) {
		await stop();
		const last = tail(output);
		throw new Error(
			`redis-server did not start: ${(error as Error).message}${last ? ` (${last})` : ''}`
		);
	}
	return { url: `redis://127.0.0.1:${port}`, port, dir, exited, stop };
}

/** The last three lines of redis-server's output on one line. */
function tail(output: string): string {
	return output.trim().split('\n').slice(-3).join(' | ');
}

/**
 * A free TCP port on 127.0.0.1 (bind port 0, close again). Another process could take it in
 * between; a clash then fails loudly at startup rather than silently.
 */
export function freePort(): Promise<number> {
	return new Promise((resolve, reject) => {
		const server = createServer();
		server.unref();
		server.once('error', reject);
		server.listen(0, '127.0.0.1', () => {
			const address = server.address();
			if (address === null || typeof address === 'string') {
				server.close();
				reject(new Error('could not determine a free port'));
				return;
			}
			server.close(() => resolve(address.port));
		});
	});
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
export function ping(port: number): Promise<boolean> {
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

/** SIGTERM: redis-server flushes its AOF and exits; SIGKILL if it has not within 5 s. */
function terminate(child: ChildProcess): Promise<void> {
	if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
	return new Promise((resolve) => {
		const force = setTimeout(() => child.kill('SIGKILL'), 5000);
		child.once('exit', () => {
			clearTimeout(force);
			resolve();
		});
		child.kill('SIGTERM');
	});
}
