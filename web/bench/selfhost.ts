/**
 * Benchmark (not a test): the memory of the self-hosted relay, `pnpm start`, with 0 and 20 idle
 * agents connected. The real start path (`node --import tsx scripts/start.ts`, the built app,
 * PGlite, the REST server and a redis-server child) in a temp data directory; agents paired the
 * supported way (the local sign-in link, a pairing code from the dashboard, `pairing.redeem`) and
 * connected like the Deno agent (the tRPC subscription over SSE, heartbeats). Then PGlite alone,
 * on a copy of the same database, in a bare Node process. Linux only (/proc). What every number
 * means: bench/README.md.
 *
 *   cd web && pnpm bench:selfhost        (or: npx tsx bench/selfhost.ts)
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { cp, mkdtemp, rm } from 'node:fs/promises';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { pgliteOptions } from '../src/lib/server/db/index.ts';
import { SETTING_NAMES } from '../scripts/lib/settings.ts';
import { ensureBuild, waitForOutput, watch, type Started } from '../test/harness/start-script.ts';
import { freePort } from '../tools/local-redis.ts';
import { median, runCleanups } from './support.ts';
import { rssMiB, sampleRss, v8MemoryOf, type Samples } from './process-memory.ts';
import { connectAgents, pairAgents, signIn, onlineAgents } from './selfhost-agents.ts';

const AGENTS = 20;
const SETTLE_MS = 10_000; // before each idle window: start-up or pairing work winds down
const IDLE_MS = 30_000; // each idle window, sampled every second
const BARE_MS = 10_000; // each bare process (Node alone, Node + PGlite), sampled every 0.5 s
const GOAL_MIB = 300; // issue 12: idle RSS with 20 agents
const DEADLINE_MS = 240_000;

const webDir = fileURLToPath(new URL('../', import.meta.url));

async function main(): Promise<void> {
	const cleanups: (() => unknown)[] = [];
	const deadline = setTimeout(() => {
		console.error(`error: the benchmark ran over ${DEADLINE_MS / 1000} s; stopping`);
		void runCleanups(cleanups).finally(() => process.exit(1));
	}, DEADLINE_MS);
	deadline.unref();
	try {
		console.log(`machine: ${availableParallelism()} cores, load ${loadavg()[0]!.toFixed(2)}`);
		await ensureBuild();
		const dataDir = await mkdtemp(join(tmpdir(), 'bench-selfhost-'));
		cleanups.push(() => rm(dataDir, { recursive: true, force: true }));
		const [port, inspectPort] = [await freePort(), await freePort()];
		const server = startServer(dataDir, port, inspectPort);
		cleanups.push(() => stop(server.child));
		await waitForOutput(server, 'Ctrl-C stops everything.');
		const pid = server.child.pid!;
		const justAfterStart = rssMiB(pid)!;
		const url = `http://127.0.0.1:${port}`;

		await sleep(SETTLE_MS);
		const idle0 = await sampleRss(pid, IDLE_MS);

		const cookie = await signIn(url, server.stdout());
		const tokens = await pairAgents(url, cookie, AGENTS);
		const agents = connectAgents(url, tokens);
		cleanups.push(() => agents.stop());
		await agents.started;
		const online = await onlineAgents(url, cookie, AGENTS);
		await sleep(SETTLE_MS);
		const idle20 = await sampleRss(pid, IDLE_MS);
		if (agents.errors.length > 0) throw new Error(`agent errors: ${String(agents.errors[0])}`);
		const v8 = await v8MemoryOf(pid, inspectPort);
		agents.stop();
		if ((await stop(server.child)) !== 0) throw new Error(`pnpm start exited badly`);

		// PGlite alone: a copy of the database the server just used, opened as the app opens it.
		const pgDir = await mkdtemp(join(tmpdir(), 'bench-selfhost-pglite-'));
		cleanups.push(() => rm(pgDir, { recursive: true, force: true }));
		await cp(join(dataDir, 'pglite'), pgDir, { recursive: true });
		const flags = nodeFlags();
		const bareNode = await bare(BARE_NODE, flags, {});
		const asApp = await bare(BARE_PGLITE, flags, { PGLITE_DIR: pgDir, PGLITE_OPTIONS: json() });
		const defaults = await bare(BARE_PGLITE, [], { PGLITE_DIR: pgDir, PGLITE_OPTIONS: '{}' });

		report({ justAfterStart, idle0, idle20, online, v8, bareNode, asApp, defaults });
	} finally {
		clearTimeout(deadline);
		await runCleanups(cleanups);
	}
}

/**
 * The node command of package.json's `start` script (`exec node <args>`), so the flags it sets
 * are measured too, without pnpm in between (its pid is the server's).
 */
function startCommandArgs(): string[] {
	const script =
		(JSON.parse(readFileSync(join(webDir, 'package.json'), 'utf8')) as PackageJson).scripts.start ??
		'';
	const match = /^exec node (.+)$/.exec(script);
	if (!match) throw new Error(`package.json's start script is not "exec node …": ${script}`);
	return match[1]!.split(/\s+/);
}
/** The start script's own node flags (those before `--import tsx`). */
function nodeFlags(): string[] {
	const args = startCommandArgs();
	return args.slice(0, Math.max(0, args.indexOf('--import')));
}
interface PackageJson {
	scripts: Record<string, string>;
}

/** `pnpm start` as its script runs it, with none of the developer's settings and no bot. */
function startServer(dataDir: string, port: number, inspectPort: number): Started {
	const unset = Object.fromEntries([...SETTING_NAMES, 'REDIS_URL'].map((name) => [name, '']));
	// --inspect-port only names the port SIGUSR1 opens the inspector on, after the samples.
	const args = [`--inspect-port=127.0.0.1:${inspectPort}`, ...startCommandArgs()];
	return watch(
		spawn(process.execPath, args, {
			cwd: webDir,
			env: { ...process.env, ...unset, DATA_DIR: dataDir, PORT: String(port), LOG_LEVEL: 'warn' },
			stdio: ['ignore', 'pipe', 'pipe']
		})
	);
}

async function stop(child: ChildProcess): Promise<number | null> {
	if (child.exitCode !== null) return child.exitCode;
	const exit = new Promise<number | null>((resolve) => child.once('exit', resolve));
	child.kill('SIGINT');
	const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
	try {
		return await exit;
	} finally {
		clearTimeout(timer);
	}
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

const json = () => JSON.stringify(pgliteOptions());

const BARE_NODE = `console.log('ready'); setInterval(() => {}, 1 << 30);`;
/** Opens the database, reads what an idle relay reads, then idles. */
const BARE_PGLITE = `
import { PGlite } from '@electric-sql/pglite';
const db = await PGlite.create(process.env.PGLITE_DIR, JSON.parse(process.env.PGLITE_OPTIONS));
for (const table of ['users', 'agents', 'web_sessions', 'sessions']) {
	await db.query('select * from ' + table + ' limit 50');
}
console.log('ready');
setInterval(() => {}, 1 << 30);
`;

/** A plain `node` (ES module from the command line, in web/): its median RSS once it is ready. */
async function bare(script: string, flags: string[], env: Record<string, string>): Promise<number> {
	const child = spawn(process.execPath, [...flags, '--input-type=module', '-e', script], {
		cwd: webDir,
		env: { ...process.env, ...env },
		stdio: ['ignore', 'pipe', 'inherit']
	});
	try {
		await new Promise<void>((resolve, reject) => {
			child.stdout!.on('data', (chunk: Buffer) => chunk.toString().includes('ready') && resolve());
			child.once('exit', (code) => reject(new Error(`bare process exited ${code}`)));
		});
		const samples = await sampleRss(child.pid!, BARE_MS, 500);
		return median(samples.byName.get('main')!);
	} finally {
		child.kill('SIGKILL');
	}
}

interface Results {
	justAfterStart: number;
	idle0: Samples;
	idle20: Samples;
	online: number;
	v8: Awaited<ReturnType<typeof v8MemoryOf>>;
	bareNode: number;
	asApp: number;
	defaults: number;
}

const mib = (value: number | undefined) =>
	value === undefined ? '–' : `${value.toFixed(0).padStart(4)} MiB`;
const range = (values: number[] | undefined) =>
	values
		? `${mib(median(values))} (${Math.min(...values).toFixed(0)}–${Math.max(...values).toFixed(0)})`
		: '–';

function report(r: Results): void {
	const idle0 = median(r.idle0.byName.get('main')!);
	const idle20 = median(r.idle20.byName.get('main')!);
	// Children apart: redis-server, and esbuild when tsx had to transform a changed file.
	const row = (label: string, s: Samples) =>
		console.log(
			`  ${label.padEnd(26)} ${range(s.byName.get('main')).padEnd(22)} ` +
				[...s.byName]
					.filter(([name]) => name !== 'main')
					.map(([name, values]) => `${name} ${range(values)}`)
					.join('  ')
		);
	console.log(
		`\npnpm start, RSS (VmRSS; idle: median of ${IDLE_MS / 1000} samples after ${SETTLE_MS / 1000} s, min–max):`
	);
	console.log(`  ${'just after start'.padEnd(26)} ${mib(r.justAfterStart)}`);
	row(`idle, 0 agents`, r.idle0);
	row(`idle, ${AGENTS} agents`, r.idle20);
	console.log(`  ${'per agent'.padEnd(26)} ${((idle20 - idle0) / AGENTS).toFixed(2)} MiB`);
	console.log(`  (${r.online} of ${AGENTS} agents shown online on the dashboard)`);

	const line = (label: string, m: Results['v8']['before']) =>
		console.log(
			`  ${label.padEnd(26)} rss ${mib(m.rss)}, V8 heap used ${mib(m.heapUsed)} of ${mib(m.heapTotal)}, ` +
				`external ${mib(m.external)} (ArrayBuffers ${mib(m.arrayBuffers)})`
		);
	console.log(
		`\nV8, ${AGENTS} agents, after the samples (process.memoryUsage() via the inspector):`
	);
	line('as it was', r.v8.before);
	line('after a full GC', r.v8.afterGc);

	console.log(`\nPGlite's share (bare node processes, the same database copied):`);
	console.log(`  ${'node alone'.padEnd(30)} ${mib(r.bareNode)}`);
	console.log(
		`  ${'+ PGlite as pnpm start runs it'.padEnd(30)} ${mib(r.asApp)}  → PGlite ≈ ${mib(r.asApp - r.bareNode)} ` +
			`(${((100 * (r.asApp - r.bareNode)) / idle20).toFixed(0)}% of the relay's idle RSS with ${AGENTS} agents)`
	);
	console.log(
		`  ${'+ PGlite, all defaults'.padEnd(30)} ${mib(r.defaults)}  → PGlite ≈ ${mib(r.defaults - r.bareNode)}`
	);
	console.log(`  app options: ${json()}`);
	console.log(`  node flags of pnpm start: ${nodeFlags().join(' ') || '(none)'}`);

	const met = idle20 <= GOAL_MIB;
	console.log(
		`\ngoal (issue 12): idle RSS with ${AGENTS} agents ≤ ${GOAL_MIB} MiB: ${mib(idle20)} → ${met ? 'met' : 'NOT met'}`
	);
}

main().catch((error: unknown) => {
	console.error(
		`error: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`
	);
	process.exit(1);
});
