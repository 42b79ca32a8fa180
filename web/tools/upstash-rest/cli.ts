/**
 * Runs the Upstash-compatible REST server from the command line:
 *
 *   tsx web/tools/upstash-rest/cli.ts --redis-url redis://127.0.0.1:6379 --port 8079 --token <t>
 *
 * Exit codes: 0 after SIGINT/SIGTERM, 1 when it cannot start, 2 for bad usage.
 */
import { parseArgs } from 'node:util';
import { redactUrl } from './runner.ts';
import { createUpstashRestServer } from './server.ts';

const HELP = `Usage: tsx web/tools/upstash-rest/cli.ts [options]

Serves the Upstash Redis REST API (as used by @upstash/redis and @upstash/ratelimit)
in front of a real redis-server.

Options:
  --redis-url <url>       Redis to serve (default redis://127.0.0.1:6379)
  --port <n>              HTTP port (default 8079; 0 picks a free one)
  --host <address>        address to bind (default 127.0.0.1)
  --token <token>         bearer token clients must send
                          (default: $UPSTASH_REDIS_REST_TOKEN)
  --max-body-bytes <n>    larger request bodies get 413 (default 10485760)
  -h, --help              show this help
`;

class UsageError extends Error {}

interface CliOptions {
	redisUrl: string;
	port: number;
	host: string;
	token: string;
	maxBodyBytes: number;
}

function parse(argv: string[], env: NodeJS.ProcessEnv): CliOptions | 'help' {
	let values;
	try {
		({ values } = parseArgs({
			args: argv,
			options: {
				'redis-url': { type: 'string' },
				port: { type: 'string' },
				host: { type: 'string' },
				token: { type: 'string' },
				'max-body-bytes': { type: 'string' },
				help: { type: 'boolean', short: 'h' }
			},
			strict: true,
			allowPositionals: false
		}));
	} catch (error) {
		// Node's messages run on with advice about `--`; keep the first sentence.
		throw new UsageError((error as Error).message.split('. ')[0]!);
	}
	if (values.help) return 'help';
	const redisUrl = values['redis-url'] ?? 'redis://127.0.0.1:6379';
	if (!/^rediss?:\/\//.test(redisUrl))
		throw new UsageError('--redis-url must start with redis:// or rediss://');
	const token = values.token ?? env.UPSTASH_REDIS_REST_TOKEN ?? '';
	if (!token) throw new UsageError('a token is required (--token or UPSTASH_REDIS_REST_TOKEN)');
	return {
		redisUrl,
		token,
		host: values.host ?? '127.0.0.1',
		port: integer('--port', values.port ?? '8079', 0, 65535),
		maxBodyBytes: integer(
			'--max-body-bytes',
			values['max-body-bytes'] ?? String(10 * 1024 * 1024),
			1
		)
	};
}

function integer(flag: string, text: string, min: number, max = Number.MAX_SAFE_INTEGER): number {
	const value = Number(text);
	if (!/^\d+$/.test(text) || value < min || value > max) {
		throw new UsageError(`${flag} must be an integer from ${min} to ${max}, got '${text}'`);
	}
	return value;
}

async function main(): Promise<void> {
	const options = parse(process.argv.slice(2), process.env);
	if (options === 'help') {
		process.stdout.write(HELP);
		return;
	}
	const server = await createUpstashRestServer(options);
	// The token is never printed: it is a credential.
	console.log(`upstash-rest listening on ${server.url} (redis ${redactUrl(options.redisUrl)})`);
	const stop = () => {
		server.close().then(
			() => process.exit(0),
			() => process.exit(1)
		);
	};
	process.once('SIGINT', stop);
	process.once('SIGTERM', stop);
}

main().catch((error: unknown) => {
	const usage = error instanceof UsageError;
	const message = (error instanceof Error ? error.message : String(error)).split('\n')[0];
	process.stderr.write(`error: ${message}${usage ? ' (see --help)' : ''}\n`);
	process.exit(usage ? 2 : 1);
});
