/**
 * The real `remoteagent` program in the system tests: `deno run` of agent/main.ts with the
 * permission flags of agent/deno.json (or a compiled binary), its own REMOTEAGENT_HOME and
 * project directory, talking to the relay only through a recording proxy. Paired with a real
 * pairing code from the dashboard (`init`), then `start`ed as a long-lived process.
 */
import { execFile } from 'node:child_process';
import {
	createWriteStream,
	existsSync,
	readdirSync,
	readFileSync,
	readlinkSync,
	rmSync,
	type WriteStream
} from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { denoNetworkEnv } from '../../agent/test/deno_env.ts';
import { startRecordingProxy, type RecordingProxy } from './system-proxy.ts';
import { isRunning, killProcess, spawnTracked, stopProcess } from './system-services.ts';
import type { System } from './system.ts';
import type { TelegramUser } from './telegram-login.ts';

export const AGENT_DIR = join(import.meta.dirname, '..', '..', 'agent');
/**
 * The Deno executable itself. node_modules/.bin/deno is a shell script that runs a Node script
 * that runs Deno with spawnSync: signals sent to it never reach Deno, so a SIGTERM would stop
 * the wrapper and orphan the agent.
 */
export const DENO = [
	join(AGENT_DIR, 'node_modules', 'deno', 'deno'),
	join(AGENT_DIR, 'node_modules', '.bin', 'deno')
].find((p) => existsSync(p))!;
/** The fake runner CLIs (POSIX sh; the scenario is picked by words in the prompt). */
export const FAKE_BIN = join(AGENT_DIR, 'test', 'fixtures', 'bin');

/** `--allow-*` flags of the `dev` task: the ones `deno task compile` bakes into the binary. */
export function permissionFlags(): string[] {
	const config = JSON.parse(readFileSync(join(AGENT_DIR, 'deno.json'), 'utf8')) as {
		tasks: Record<string, string>;
	};
	const flags = config.tasks.dev?.match(/--allow-[a-z-]+(=\S+)?/g) ?? [];
	if (flags.length === 0)
		throw new Error('e2e: agent/deno.json has no --allow-* flags in its dev task');
	return flags;
}

/** How the agent is run: `deno run` of the entry point, or a `deno compile`d binary of it. */
export type AgentProgram = { kind: 'deno' } | { kind: 'binary'; path: string };

function commandLine(program: AgentProgram, args: string[]): [string, string[]] {
	if (program.kind === 'binary') return [program.path, args];
	return [
		DENO,
		[
			'run',
			'--config',
			join(AGENT_DIR, 'deno.json'),
			...permissionFlags(),
			join(AGENT_DIR, 'main.ts'),
			...args
		]
	];
}

/**
 * Environment of every agent process: no secrets, no colours, no update checks; only what
 * Deno needs to load npm: packages on an empty cache (cache, registry, certificates, proxy).
 */
function baseEnv(home: string): Record<string, string> {
	return {
		PATH: process.env.PATH ?? '/usr/bin:/bin',
		HOME: process.env.HOME ?? tmpdir(),
		...denoNetworkEnv(process.env),
		REMOTEAGENT_HOME: home,
		DENO_NO_PACKAGE_JSON: '1',
		DENO_NO_UPDATE_CHECK: '1',
		NO_COLOR: '1'
	};
}

export interface AgentOptions {
	system: System;
	user: TelegramUser;
	name: string;
	runner: string;
	runnerBin?: string;
	model?: string;
	baseUrl?: string;
	/**
	 * The runner's API key, given to `init` as a user would: in the environment variable
	 * `variable`, named with `--api-key-env` unless `viaFlag` is false (claude-sdk reads
	 * ANTHROPIC_API_KEY by itself). `start` never sees the variable: the key must come from
	 * the agent's config files.
	 */
	secret?: { variable: string; value: string; viaFlag: boolean };
	program?: AgentProgram;
	/** Files to put in the project directory first. */
	files?: Record<string, string>;
	/** `init --permission-mode` (a new agent asks by default: see README, Approvals). */
	permissionMode?: 'ask' | 'accept-edits' | 'auto';
}

export interface Agent {
	name: string;
	home: string;
	projectDir: string;
	proxy: RecordingProxy;
	logFile: string;
	/** What `init` printed. */
	initOutput: string;
	/**
	 * `remoteagent start`; resolves once it reports being connected (or at once with
	 * `{ waitConnected: false }`, e.g. while the relay is down).
	 */
	start(opts?: { waitConnected?: boolean }): Promise<void>;
	/** SIGKILL, as a crash or an OOM kill would end it: no goodbye, nothing reported. */
	kill(): Promise<void>;
	/** Everything the running agent printed so far. */
	output(): string;
	/** Waits until the agent printed a line matching `pattern` (after character `from`). */
	waitForOutput(pattern: RegExp, timeoutMs?: number, from?: number): Promise<void>;
	/** SIGTERM (graceful: a running task is aborted and reported), SIGKILL after 10 s. */
	stop(): Promise<void>;
	/** Pids of the processes working in the project directory (the runner's tree), not the agent. */
	runnerProcesses(): number[];
	/** Stops everything and deletes the temp dirs. */
	dispose(): Promise<void>;
}

// A test process that ends without dispose() must not leave runner trees or files behind.
const live = new Set<string>();
process.once('exit', () => {
	for (const dir of live) {
		killLeftovers(dir);
		rmSync(dir, { recursive: true, force: true });
	}
});

/** Each agent reaches the relay from its own loopback address: 127.0.0.10, .11, … */
let agentAddress = 9;

export async function pairAgent(opts: AgentOptions): Promise<Agent> {
	const program = opts.program ?? { kind: 'deno' };
	const home = await mkdtemp(join(tmpdir(), 'e2e-agent-home-'));
	const projectDir = await mkdtemp(join(tmpdir(), `e2e-project-${opts.runner}-`));
	live.add(home).add(projectDir);
	for (const [file, content] of Object.entries(opts.files ?? {}))
		await writeFile(join(projectDir, file), content);
	const proxy = await startRecordingProxy({
		host: '127.0.0.1',
		port: opts.system.entry.port,
		localAddress: `127.0.0.${++agentAddress}`
	});
	const logFile = join(opts.system.logDir, `agent-${opts.name}.log`);
	let running: ReturnType<typeof spawnTracked> | null = null;
	let log: WriteStream | null = null;
	let printed = '';

	const dispose = async () => {
		if (running) await stopProcess(running, 10_000).catch(() => {});
		log?.end();
		killLeftovers(projectDir);
		await proxy.close();
		await rm(home, { recursive: true, force: true });
		await rm(projectDir, { recursive: true, force: true });
		live.delete(home);
		live.delete(projectDir);
	};

	try {
		const code = await opts.system.pairingCode(opts.user);
		const args = [
			'init',
			'--server',
			proxy.url,
			'--code',
			code,
			'--name',
			opts.name,
			'--runner',
			opts.runner
		];
		if (opts.runnerBin) args.push('--runner-bin', opts.runnerBin);
		if (opts.model) args.push('--model', opts.model);
		if (opts.baseUrl) args.push('--base-url', opts.baseUrl);
		if (opts.permissionMode) args.push('--permission-mode', opts.permissionMode);
		const env = baseEnv(home);
		if (opts.secret) {
			env[opts.secret.variable] = opts.secret.value;
			if (opts.secret.viaFlag) args.push('--api-key-env', opts.secret.variable);
		}
		const [cmd, cmdArgs] = commandLine(program, args);
		const initOutput = await promisify(execFile)(cmd, cmdArgs, {
			cwd: projectDir,
			env,
			timeout: 60_000
		}).then(
			({ stdout, stderr }) => stdout + stderr,
			(error: { stdout?: string; stderr?: string; message: string }) => {
				throw new Error(
					`e2e: \`remoteagent init\` failed: ${error.message}\n${error.stdout ?? ''}${error.stderr ?? ''}`
				);
			}
		);

		const agent: Agent = {
			name: opts.name,
			home,
			projectDir,
			proxy,
			logFile,
			initOutput,
			async start({ waitConnected = true } = {}) {
				if (running && isRunning(running.child))
					throw new Error('e2e: the agent is already running');
				const from = printed.length;
				log ??= createWriteStream(logFile, { flags: 'a' });
				const [startCmd, startArgs] = commandLine(program, ['start']);
				// No secret in this environment: the key has to come from the config files.
				running = spawnTracked(startCmd, startArgs, {
					cwd: projectDir,
					env: baseEnv(home),
					stdio: ['ignore', 'pipe', 'pipe']
				});
				const keep = (chunk: Buffer) => {
					printed += chunk.toString();
					log?.write(chunk);
				};
				running.child.stdout!.on('data', keep);
				running.child.stderr!.on('data', keep);
				if (waitConnected) {
					await agent.waitForOutput(/connected: waiting for prompts/, 30_000, from);
				}
			},
			async kill() {
				if (running) await killProcess(running);
			},
			output: () => printed,
			async waitForOutput(pattern, timeoutMs = 15_000, from = 0) {
				const deadline = Date.now() + timeoutMs;
				while (!pattern.test(printed.slice(from))) {
					if (running && !isRunning(running.child)) {
						throw new Error(
							`e2e: agent ${opts.name} exited (${running.child.exitCode ?? running.child.signalCode}) before printing ${pattern}:\n${printed}`
						);
					}
					if (Date.now() > deadline)
						throw new Error(
							`e2e: agent ${opts.name} did not print ${pattern} within ${timeoutMs} ms:\n${printed}`
						);
					await new Promise((resolve) => setTimeout(resolve, 50));
				}
			},
			async stop() {
				if (running) await stopProcess(running, 10_000);
			},
			runnerProcesses: () => processesIn(projectDir).filter((pid) => pid !== running?.child.pid),
			dispose
		};
		return agent;
	} catch (error) {
		await dispose();
		throw error;
	}
}

/** Pids whose working directory is `dir` or below (Linux /proc). */
export function processesIn(dir: string): number[] {
	const pids: number[] = [];
	for (const entry of readdirSync('/proc')) {
		if (!/^\d+$/.test(entry)) continue;
		try {
			const cwd = readlinkSync(`/proc/${entry}/cwd`);
			if (cwd === dir || cwd.startsWith(dir + '/')) pids.push(Number(entry));
		} catch {
			// gone, or not ours to read
		}
	}
	return pids;
}

/** SIGKILL whatever still works in `dir` (a runner tree orphaned by a killed agent). */
export function killLeftovers(dir: string): void {
	for (const pid of processesIn(dir)) {
		try {
			process.kill(pid, 'SIGKILL');
		} catch {
			// already gone
		}
	}
}

export function isAlive(pid: number): boolean {
	try {
		process.kill(pid, 0);
		return !readFileSync(`/proc/${pid}/stat`, 'utf8').includes(') Z ');
	} catch {
		return false;
	}
}

/** The files under the agent's home, concatenated (to check where a key was stored). */
export async function configFiles(agent: Agent): Promise<{ global: string; agents: string }> {
	const global = await readFile(join(agent.home, 'config.json'), 'utf8').catch(() => '');
	const dir = join(agent.home, 'agents');
	const names = (() => {
		try {
			return readdirSync(dir).filter((f) => f.endsWith('.json') && !f.endsWith('.sessions.json'));
		} catch {
			return [];
		}
	})();
	const agents = (await Promise.all(names.map((n) => readFile(join(dir, n), 'utf8')))).join('\n');
	return { global, agents };
}

/**
 * `deno task compile` for this machine into `outDir`: the binary's path, or the one-line
 * reason it could not be built (here: no denort runtime). `E2E_AGENT_BINARY` names a binary
 * built elsewhere (e.g. with DENORT_BIN) to use instead.
 */
export async function buildAgentBinary(
	outDir: string
): Promise<{ path: string } | { reason: string }> {
	const given = process.env.E2E_AGENT_BINARY;
	if (given)
		return existsSync(given)
			? { path: given }
			: { reason: `E2E_AGENT_BINARY=${given} does not exist` };
	return promisify(execFile)(DENO, ['task', 'compile', '--out', outDir], {
		cwd: AGENT_DIR,
		env: { ...process.env, DENO_NO_PACKAGE_JSON: '1', NO_COLOR: '1' },
		timeout: 180_000
	}).then(
		({ stdout }) => {
			const path = /^built (.+)$/m.exec(stdout)?.[1]?.trim();
			return path && existsSync(path)
				? { path }
				: { reason: `deno task compile made no binary:\n${stdout}` };
		},
		(error: { stderr?: string; message: string }) => {
			const lines = (error.stderr ?? error.message).split('\n').map((l) => l.trim());
			return { reason: lines.filter((l) => /error/i.test(l)).at(-1) ?? error.message };
		}
	);
}
