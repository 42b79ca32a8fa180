/**
 * Lua scripts written for Upstash can carry shebang flags real Redis rejects:
 * `@upstash/ratelimit` starts every script with `#!lua flags=allow-key-locking`, and
 * redis-server 7 answers "ERR Unexpected flag in script shebang". Such flags are dropped
 * before the script reaches Redis.
 *
 * Dropping a flag changes the script's SHA-1, while clients keep using the SHA of the text
 * they sent (ratelimit even ships precomputed hashes). So the translator remembers
 * "client SHA → Redis SHA" and rewrites EVALSHA / SCRIPT EXISTS, and SCRIPT LOAD answers
 * with the client's SHA. The map lives in this process only: another server instance that
 * has not seen the script answers NOSCRIPT, and clients then fall back to EVAL, which
 * teaches it the mapping.
 */
import { createHash } from 'node:crypto';
import type { Command } from './protocol.ts';

/** Flags Upstash accepts in a shebang and redis-server does not. */
const UPSTASH_ONLY_FLAGS = new Set(['allow-key-locking']);
const MAX_ENTRIES = 10_000;

type Arg = string | Buffer;

export class ScriptTranslator {
	private readonly shas = new Map<string, string>();

	/**
	 * Returns the command to send to Redis and, for SCRIPT LOAD of a rewritten script,
	 * a function that turns Redis's reply back into the client's SHA.
	 */
	translate(command: Command): { command: Command; reply?: (result: unknown) => unknown } {
		const [name, ...args] = command;
		const upper = name.toUpperCase();
		if ((upper === 'EVAL' || upper === 'EVAL_RO') && args[0] !== undefined) {
			return { command: [name, this.rewrite(args[0]).script, ...args.slice(1)] };
		}
		if ((upper === 'EVALSHA' || upper === 'EVALSHA_RO') && args[0] !== undefined) {
			return { command: [name, this.redisSha(args[0]), ...args.slice(1)] };
		}
		const sub = String(args[0] ?? '').toUpperCase();
		if (upper === 'SCRIPT' && sub === 'LOAD' && args[1] !== undefined) {
			const { script, clientSha } = this.rewrite(args[1]);
			const reply = clientSha === undefined ? undefined : () => Buffer.from(clientSha);
			return { command: [name, args[0]!, script, ...args.slice(2)], reply };
		}
		if (upper === 'SCRIPT' && sub === 'EXISTS') {
			return { command: [name, args[0]!, ...args.slice(1).map((sha) => this.redisSha(sha))] };
		}
		return { command };
	}

	/** Drops Upstash-only shebang flags; records the SHA mapping when the text changed. */
	private rewrite(original: Arg): { script: Arg; clientSha?: string } {
		const text = original.toString();
		if (!text.startsWith('#!')) return { script: original };
		const newline = text.indexOf('\n');
		const shebang = newline === -1 ? text : text.slice(0, newline);
		const rest = newline === -1 ? '' : text.slice(newline);
		const kept = shebang.split(/\s+/).map((word) => {
			if (!word.startsWith('flags=')) return word;
			const flags = word.slice('flags='.length).split(',');
			const known = flags.filter((flag) => !UPSTASH_ONLY_FLAGS.has(flag));
			return known.length === flags.length ? word : known.length ? `flags=${known.join(',')}` : '';
		});
		const rewritten = kept.filter(Boolean).join(' ') + rest;
		if (rewritten === text) return { script: original };
		const clientSha = sha1(original);
		if (this.shas.size >= MAX_ENTRIES) this.shas.clear();
		this.shas.set(clientSha, sha1(rewritten));
		return { script: rewritten, clientSha };
	}

	private redisSha(sha: Arg): Arg {
		return this.shas.get(sha.toString().toLowerCase()) ?? sha;
	}
}

function sha1(script: Arg): string {
	return createHash('sha1').update(script).digest('hex');
}
