import { execFile, execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, rmSync } from 'node:fs';
import { chown, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { freePort } from './ports.ts';
import { startWsProxy, type WsProxyOptions } from './ws-proxy.ts';

const run = promisify(execFile);

const NOT_FOUND = 'PostgreSQL server not found: install it (apt-get install -y postgresql)';

export interface TestPostgres {
	/** `postgres://remoteagent:<password>@127.0.0.1:<port>/remoteagent_test` */
	databaseUrl: string;
	/** For `createDb({ neon: { wsProxy, insecure: true } })`. */
	wsProxy: string;
	stop(): Promise<void>;
}

/**
 * A throwaway PostgreSQL cluster in a temp dir, listening on 127.0.0.1 only, with a password
 * (SCRAM) for TCP so the URL carries a secret, plus the WebSocket proxy the Neon driver needs.
 * As root, initdb/pg_ctl run as the `postgres` user (they refuse to run as root). `proxyOptions` can
 * delay the proxy's messages (a network round trip) and report them.
 */
export async function startPostgres(proxyOptions: WsProxyOptions = {}): Promise<TestPostgres> {
	const bin = await findPostgresBinDir();
	const asRoot = process.getuid?.() === 0;
	const dir = await mkdtemp(join(tmpdir(), 'remoteagent-pg-'));
	const dataDir = join(dir, 'data');
	const log = join(dir, 'postgres.log');
	const pg = (tool: string, args: string[]) =>
		asRoot
			? run('runuser', ['-u', 'postgres', '--', join(bin, tool), ...args], {
					cwd: dir,
					timeout: 60_000
				})
			: run(join(bin, tool), args, { cwd: dir, timeout: 60_000 });

	let started = false;
	let proxy: Awaited<ReturnType<typeof startWsProxy>> | undefined;
	// pg_ctl daemonises the server: if the test process exits without stop() (a crash, a
	// forgotten afterAll), take the cluster down synchronously rather than leak it.
	const onExit = () => {
		if (started) {
			const stopArgs = [join(bin, 'pg_ctl'), 'stop', '-D', dataDir, '-m', 'immediate', '-w'];
			try {
				if (asRoot)
					execFileSync('runuser', ['-u', 'postgres', '--', ...stopArgs], {
						stdio: 'ignore',
						cwd: dir
					});
				else execFileSync(stopArgs[0]!, stopArgs.slice(1), { stdio: 'ignore', cwd: dir });
			} catch {
				// already stopped
			}
		}
		rmSync(dir, { recursive: true, force: true });
	};
	process.once('exit', onExit);
	const stop = async () => {
		process.off('exit', onExit);
		await proxy?.close();
		if (started) await pg('pg_ctl', ['stop', '-D', dataDir, '-m', 'fast', '-w']).catch(() => {});
		started = false;
		await rm(dir, { recursive: true, force: true });
	};

	try {
		const superPassword = randomBytes(16).toString('hex');
		const password = randomBytes(16).toString('hex');
		await writeFile(join(dir, 'pwfile'), superPassword + '\n', { mode: 0o600 });
		if (asRoot) {
			const uid = Number((await run('id', ['-u', 'postgres'])).stdout.trim());
			const gid = Number((await run('id', ['-g', 'postgres'])).stdout.trim());
			await chown(dir, uid, gid);
			await chown(join(dir, 'pwfile'), uid, gid);
		}
		await pg('initdb', [
			'-D',
			dataDir,
			'-U',
			'postgres',
			'--pwfile',
			join(dir, 'pwfile'),
			'--auth-local=trust',
			'--auth-host=scram-sha-256',
			'--no-locale',
			'-E',
			'UTF8',
			'--no-sync'
		]);

		const port = await freePort();
		// Durability off: a throwaway cluster only has to be fast.
		const options = `-c listen_addresses=127.0.0.1 -p ${port} -k ${dir} -c fsync=off -c synchronous_commit=off -c full_page_writes=off`;
		await pg('pg_ctl', ['start', '-D', dataDir, '-l', log, '-w', '-t', '30', '-o', options]);
		started = true;

		// Over the Unix socket (trust): a non-superuser owning its own database, like production.
		await pg('psql', [
			'-X',
			'-q',
			'-v',
			'ON_ERROR_STOP=1',
			'-h',
			dir,
			'-p',
			String(port),
			'-U',
			'postgres',
			'-d',
			'postgres',
			'-c',
			`create role remoteagent login password '${password}'`,
			'-c',
			'create database remoteagent_test owner remoteagent'
		]);

		proxy = await startWsProxy({ host: '127.0.0.1', port }, proxyOptions);
		return {
			databaseUrl: `postgres://remoteagent:${password}@127.0.0.1:${port}/remoteagent_test`,
			wsProxy: proxy.address,
			stop
		};
	} catch (error) {
		const tail = await readFile(log, 'utf8').then(
			(text) => text.split('\n').slice(-15).join('\n'),
			() => ''
		);
		await stop();
		throw new Error(
			`could not start the test PostgreSQL: ${(error as Error).message}${tail ? `\n${tail}` : ''}`,
			{
				cause: error
			}
		);
	}
}

/** The newest /usr/lib/postgresql/<version>/bin (Debian), else `pg_config --bindir`. */
export async function findPostgresBinDir(
	root = '/usr/lib/postgresql',
	pgConfig = 'pg_config'
): Promise<string> {
	const versions = await readdir(root).catch(() => [] as string[]);
	versions.sort((a, b) => Number.parseFloat(b) - Number.parseFloat(a));
	for (const version of versions) {
		const bin = join(root, version, 'bin');
		if (existsSync(join(bin, 'initdb')) && existsSync(join(bin, 'pg_ctl'))) return bin;
	}
	const bindir = await run(pgConfig, ['--bindir']).then(
		({ stdout }) => stdout.trim(),
		() => ''
	);
	if (bindir && existsSync(join(bindir, 'initdb')) && existsSync(join(bindir, 'pg_ctl')))
		return bindir;
	throw new Error(NOT_FOUND);
}
