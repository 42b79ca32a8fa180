/**
 * Which commands make sense over stateless HTTP. Every request shares one Redis connection,
 * so anything that changes connection state, switches protocol or holds the connection
 * would leak into other requests: those are refused with 400, like Upstash does.
 */
import type { Command } from './protocol.ts';

const use = (alternative: string) => `use ${alternative} instead`;

const UNSUPPORTED: Record<string, string> = {
	SUBSCRIBE: use('POST /subscribe/<channel> (SSE)'),
	PSUBSCRIBE: use('POST /psubscribe/<pattern> (SSE)'),
	SSUBSCRIBE: 'sharded pub/sub is not supported',
	UNSUBSCRIBE: 'close the /subscribe request to unsubscribe',
	PUNSUBSCRIBE: 'close the /psubscribe request to unsubscribe',
	SUNSUBSCRIBE: 'sharded pub/sub is not supported',
	MONITOR: 'it streams forever',
	MULTI: use('POST /multi-exec'),
	EXEC: use('POST /multi-exec'),
	DISCARD: use('POST /multi-exec'),
	WATCH: 'WATCH needs a connection of its own',
	UNWATCH: 'WATCH needs a connection of its own',
	SELECT: 'the connection is shared; only database 0 is served',
	AUTH: 'authenticate with the REST token',
	HELLO: 'the connection is shared and speaks RESP2',
	RESET: 'the connection is shared',
	QUIT: 'the connection is shared',
	CLIENT: 'the connection is shared',
	READONLY: 'cluster mode is not supported',
	READWRITE: 'cluster mode is not supported',
	SYNC: 'replication is not supported',
	PSYNC: 'replication is not supported',
	REPLCONF: 'replication is not supported',
	SHUTDOWN: 'the server is not stopped over REST',
	DEBUG: 'DEBUG can stall or crash the shared server'
};

/** Why `command` is refused everywhere (single, pipeline, multi-exec), or undefined if allowed. */
export function unsupportedReason(command: Command): string | undefined {
	const name = command[0].toUpperCase();
	const reason = UNSUPPORTED[name];
	return reason === undefined
		? undefined
		: `ERR command '${name}' is not supported over REST: ${reason}`;
}

/**
 * For a blocking command, its timeout argument as a number (0 = block forever);
 * undefined for commands that never block. A non-numeric timeout comes back as NaN and
 * is left to Redis to reject.
 */
export function blockingTimeout(command: Command): number | undefined {
	const [name, ...args] = command;
	const arg = (i: number) => Number(String(args.at(i) ?? ''));
	switch (name.toUpperCase()) {
		case 'BLPOP':
		case 'BRPOP':
		case 'BZPOPMIN':
		case 'BZPOPMAX':
		case 'BRPOPLPUSH':
		case 'BLMOVE':
		case 'WAIT':
		case 'WAITAOF':
			return arg(-1);
		case 'BLMPOP':
		case 'BZMPOP':
			return arg(0);
		case 'XREAD':
		case 'XREADGROUP': {
			// BLOCK <ms> may appear anywhere before STREAMS.
			for (let i = 0; i < args.length; i++) {
				const word = String(args[i]).toUpperCase();
				if (word === 'STREAMS') return undefined;
				if (word === 'BLOCK') return arg(i + 1);
			}
			return undefined;
		}
		default:
			return undefined;
	}
}
