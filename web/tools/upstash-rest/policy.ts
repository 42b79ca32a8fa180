/**
 * Which commands the REST server passes to Redis. Two kinds are refused with 400:
 * - Connection state, streaming or blocking on the shared connection: every request shares one
 *   Redis connection, so these would leak into other requests (Upstash refuses them too).
 * - The server itself: replication, configuration, modules, persistence, users, diagnostics.
 *   The REST token is for data; these would let its holder take over or read out the server
 *   (`REPLICAOF`/`MODULE LOAD` run foreign code, `CONFIG SET dir` writes files, `MIGRATE`
 *   connects elsewhere, `INFO`/`SLOWLOG` show paths and other requests' arguments).
 * What `@upstash/redis` and `@upstash/ratelimit` send (data commands, EVAL/EVALSHA,
 * SCRIPT LOAD/EXISTS/FLUSH, FUNCTION LOAD/LIST/…) stays allowed.
 */
import type { Command } from './protocol.ts';

const use = (alternative: string) => `use ${alternative} instead`;
const SHARED = 'the connection is shared';
const REPLICATION = 'replication is not served over REST';
const ADMIN = 'server administration is not served over REST';
const PERSISTENCE = 'persistence is the server’s business, not served over REST';
const DIAGNOSTICS = 'server diagnostics are not served over REST';
const CLUSTER = 'cluster mode is not supported';
const DATABASE_0 = 'the connection is shared; only database 0 is served';

const UNSUPPORTED: Record<string, string> = {
	SUBSCRIBE: use('POST /subscribe/<channel> (SSE)'),
	PSUBSCRIBE: use('POST /psubscribe/<pattern> (SSE)'),
	SSUBSCRIBE: 'sharded pub/sub is not supported',
	UNSUBSCRIBE: 'close the /subscribe request to unsubscribe',
	PUNSUBSCRIBE: 'close the /psubscribe request to unsubscribe',
	SUNSUBSCRIBE: 'sharded pub/sub is not supported',
	MONITOR: 'it streams forever, and every other request’s commands with it',
	MULTI: use('POST /multi-exec'),
	EXEC: use('POST /multi-exec'),
	DISCARD: use('POST /multi-exec'),
	WATCH: 'WATCH needs a connection of its own',
	UNWATCH: 'WATCH needs a connection of its own',
	SELECT: DATABASE_0,
	SWAPDB: DATABASE_0,
	MOVE: DATABASE_0,
	AUTH: 'authenticate with the REST token',
	HELLO: 'the connection is shared and speaks RESP2',
	RESET: SHARED,
	QUIT: SHARED,
	CLIENT: SHARED,
	READONLY: CLUSTER,
	READWRITE: CLUSTER,
	ASKING: CLUSTER,
	CLUSTER: CLUSTER,
	'RESTORE-ASKING': CLUSTER,
	REPLICAOF: REPLICATION,
	SLAVEOF: REPLICATION,
	SYNC: REPLICATION,
	PSYNC: REPLICATION,
	REPLCONF: REPLICATION,
	FAILOVER: REPLICATION,
	SENTINEL: REPLICATION,
	MIGRATE: 'it connects to another server',
	MODULE: 'loading code into the server is not served over REST',
	CONFIG: ADMIN,
	ACL: ADMIN,
	SHUTDOWN: 'the server is not stopped over REST',
	SAVE: PERSISTENCE,
	BGSAVE: PERSISTENCE,
	BGREWRITEAOF: PERSISTENCE,
	DEBUG: 'DEBUG can stall or crash the shared server',
	PFDEBUG: DIAGNOSTICS,
	PFSELFTEST: DIAGNOSTICS,
	INFO: DIAGNOSTICS,
	SLOWLOG: 'it shows other requests’ arguments',
	LATENCY: DIAGNOSTICS
};

/** Commands refused only for some of their arguments; `words` are upper-cased, name excluded. */
const UNSUPPORTED_USES: Record<
	string,
	(words: string[]) => [what: string, why: string] | undefined
> = {
	SCRIPT: ([sub = '']) =>
		sub === 'KILL'
			? ['SCRIPT KILL', 'it would kill another request’s script']
			: sub === 'DEBUG'
				? ['SCRIPT DEBUG', SHARED]
				: undefined,
	FUNCTION: ([sub = '']) =>
		sub === 'KILL' ? ['FUNCTION KILL', 'it would kill another request’s function'] : undefined,
	// MEMORY USAGE <key> is about data; the rest is about the server.
	MEMORY: ([sub = '']) => (sub === 'USAGE' ? undefined : [`MEMORY ${sub}`.trim(), DIAGNOSTICS]),
	// COPY src dst [DB n] [REPLACE]: options come after the two keys.
	COPY: (words) => (words.slice(2).includes('DB') ? ['COPY', DATABASE_0] : undefined)
};

/** Why `command` is refused everywhere (single, pipeline, multi-exec), or undefined if allowed. */
export function unsupportedReason(command: Command): string | undefined {
	const [name, ...args] = command;
	const upper = name.toUpperCase();
	const reason = UNSUPPORTED[upper];
	if (reason !== undefined) return refusal(upper, reason);
	const refused = UNSUPPORTED_USES[upper]?.(args.map((arg) => arg.toString().toUpperCase()));
	return refused && refusal(...refused);
}

const refusal = (what: string, why: string) =>
	`ERR command '${what}' is not supported over REST: ${why}`;

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
