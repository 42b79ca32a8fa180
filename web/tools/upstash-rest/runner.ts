/**
 * Executes REST commands on Redis through ioredis: one shared connection for everything,
 * plus a short-lived dedicated connection per blocking command so it cannot stall others.
 */
import { Redis, type RedisOptions } from 'ioredis';
import { blockingTimeout, unsupportedReason } from './policy.ts';
import { HttpError, type Command } from './protocol.ts';
import { ScriptTranslator } from './scripts.ts';

/** One entry of a `/pipeline` or `/multi-exec` answer (still raw; the server encodes it). */
export type Outcome = { result: unknown } | { error: string };

const noop = () => {};

export class CommandRunner {
	private readonly shared: Redis;
	private readonly dedicated = new Set<Redis>();
	private readonly scripts = new ScriptTranslator();

	constructor(private readonly redisUrl: string) {
		this.shared = this.connection({ maxRetriesPerRequest: 3 });
	}

	/** Resolves once Redis answers, so a bad `redisUrl` fails at startup, not on the first request. */
	async connect(): Promise<void> {
		let lastError: Error | undefined;
		const remember = (error: Error) => (lastError = error);
		this.shared.on('error', remember);
		try {
			await this.shared.connect();
			await this.shared.ping();
		} catch (error) {
			this.shared.disconnect();
			// ioredis rejects with a bare "Connection is closed."; the socket error says why.
			const reason = (lastError ?? (error as Error)).message;
			throw new Error(`cannot reach Redis at ${redactUrl(this.redisUrl)}: ${reason}`, {
				cause: error
			});
		} finally {
			this.shared.off('error', remember);
		}
	}

	/** A single command (`POST /` or path style). Throws HttpError for refused commands, ReplyError for Redis errors. */
	async run(command: Command, signal?: AbortSignal): Promise<unknown> {
		const refused = unsupportedReason(command);
		if (refused) throw new HttpError(400, refused);
		const timeout = blockingTimeout(command);
		if (timeout === 0) {
			throw new HttpError(
				400,
				`ERR '${command[0].toUpperCase()}' with timeout 0 would block forever: not supported over REST, pass a timeout`
			);
		}
		if (timeout !== undefined) return this.runBlocking(command, signal);
		const { command: translated, reply = same } = this.scripts.translate(command);
		return reply(await call(this.shared, translated));
	}

	/** `/pipeline`: in order, not atomic; one failing or refused command does not affect the others. */
	async pipeline(commands: Command[]): Promise<Outcome[]> {
		const refused = commands.map(
			(command) =>
				unsupportedReason(command) ??
				// Inside a plain pipeline a blocking command would hold the shared connection.
				(blockingTimeout(command) === undefined
					? undefined
					: 'ERR blocking commands are not supported in /pipeline')
		);
		const pipe = this.shared.pipeline();
		const fixes: ((result: unknown) => unknown)[] = [];
		commands.forEach((command, i) => {
			if (refused[i] !== undefined) return;
			const { command: translated, reply = same } = this.scripts.translate(command);
			pipe.callBuffer(...wire(translated));
			fixes.push(reply);
		});
		const replies = pipe.length > 0 ? ((await pipe.exec()) ?? []) : [];
		let next = 0;
		return refused.map((reason) => {
			if (reason !== undefined) return { error: reason };
			const i = next++;
			return outcome(replies[i], fixes[i]);
		});
	}

	/**
	 * `/multi-exec`: MULTI … EXEC, atomic. A refused command or one Redis rejects while queueing
	 * (unknown command, wrong arity) discards the whole transaction with a single 400 error, as
	 * Upstash documents; errors while executing (WRONGTYPE …) are reported per command.
	 * Blocking commands never block inside MULTI, so they are allowed here.
	 */
	async multiExec(commands: Command[]): Promise<Outcome[]> {
		for (const command of commands) {
			const refused = unsupportedReason(command);
			if (refused) throw new HttpError(400, refused);
		}
		const multi = this.shared.multi();
		const fixes = commands.map((command) => {
			const { command: translated, reply = same } = this.scripts.translate(command);
			multi.callBuffer(...wire(translated));
			return reply;
		});
		try {
			const replies = await multi.exec();
			if (replies === null) throw new HttpError(400, 'ERR transaction aborted');
			return replies.map((reply, i) => outcome(reply, fixes[i]));
		} catch (error) {
			const previous = (error as { previousErrors?: Error[] }).previousErrors;
			if (previous?.length) {
				const causes = previous.map((e) => e.message).join('; ');
				throw new HttpError(400, `${(error as Error).message.replace(/\.$/, '')}: ${causes}`);
			}
			throw error;
		}
	}

	async close(): Promise<void> {
		for (const connection of this.dedicated) connection.disconnect();
		this.dedicated.clear();
		this.shared.disconnect();
	}

	private async runBlocking(command: Command, signal?: AbortSignal): Promise<unknown> {
		const connection = this.connection({ maxRetriesPerRequest: 0, retryStrategy: () => null });
		this.dedicated.add(connection);
		// The HTTP client went away: stop waiting on Redis's side too.
		const abort = () => connection.disconnect();
		signal?.addEventListener('abort', abort, { once: true });
		try {
			await connection.connect();
			return await call(connection, command);
		} finally {
			signal?.removeEventListener('abort', abort);
			this.dedicated.delete(connection);
			connection.disconnect();
		}
	}

	private connection(extra: RedisOptions): Redis {
		const connection = new Redis(this.redisUrl, { lazyConnect: true, ...extra });
		// Connection errors surface on the commands that hit them; without a listener
		// ioredis would print every reconnect attempt.
		connection.on('error', noop);
		return connection;
	}
}

/**
 * The command as ioredis should send it. The name is upper-cased on purpose: ioredis applies its
 * own argument/reply transformers (hgetall → object, hset with an object → flattened) keyed by
 * the lower-case name, and a pass-through must not reshape anything.
 */
function wire([name, ...args]: Command): [string, ...(string | Buffer)[]] {
	return [name.toUpperCase(), ...args];
}

/** Sends a command and returns the raw reply (Buffers, numbers, nulls, arrays). */
function call(redis: Redis, command: Command): Promise<unknown> {
	return redis.callBuffer(...wire(command));
}

function outcome(reply: [Error | null, unknown] | undefined, fix = same): Outcome {
	if (!reply) return { error: 'ERR no reply' };
	const [error, result] = reply;
	return error ? { error: error.message } : { result: fix(result) };
}

const same = (result: unknown) => result;

/** The URL without its password, for messages. */
export function redactUrl(url: string): string {
	try {
		const parsed = new URL(url);
		if (parsed.password) parsed.password = '***';
		return parsed.toString();
	} catch {
		return '<invalid URL>';
	}
}
