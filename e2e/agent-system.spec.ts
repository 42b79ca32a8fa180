/**
 * The agent issue's "done when", end to end: the built relay + redis-server (persistent) behind
 * the Upstash-compatible REST server + the Bot API stand-in + fake model APIs + the real agent
 * (`deno run` of agent/main.ts, and the compiled binary when one can be built). A Telegram
 * update with a prompt ends up as edited Telegram messages; `abort` stops the runner's whole
 * process tree; `continue` resumes; killing the app or Redis mid-task loses nothing; and no
 * configured API key is ever among the bytes an agent sends to the relay.
 * No browser: the dashboard steps (sign-in, pairing code) are its form posts (system.ts).
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, test } from '@playwright/test';
import {
	buildAgentBinary,
	FAKE_BIN,
	configFiles,
	isAlive,
	pairAgent,
	type Agent,
	type AgentOptions,
	type AgentProgram
} from './support/system-agent.ts';
import {
	describeChat,
	isAborted,
	isDone,
	isFailed,
	isNotice,
	isWorking,
	outputText,
	textUpdate,
	waitForChat,
	waitForEnds
} from './support/system-chat.ts';
import { lastUserText } from './support/system-fakes.ts';
import { expectNoSecrets } from './support/system-proxy.ts';
import {
	anthropicScript,
	NOTES,
	openaiScript,
	runnerCases,
	writeCountingRunner
} from './support/system-scripts.ts';
import { SECRETS, startSystem, type System } from './support/system.ts';
import { newTelegramUser, type TelegramUser } from './support/telegram-login.ts';

let system: System;
const agents: Agent[] = [];
const tempDirs: string[] = [];

test.describe.configure({ timeout: 90_000 });

test.beforeAll(async () => {
	test.setTimeout(60_000);
	system = await startSystem({
		databaseTemplate: process.env.E2E_DATABASE_TEMPLATE,
		anthropicReply: anthropicScript,
		openaiReply: openaiScript
	});
});

test.afterAll(async () => {
	await Promise.all(agents.splice(0).map((agent) => agent.dispose()));
	await system?.stop();
	for (const dir of tempDirs.splice(0)) await rm(dir, { recursive: true, force: true });
});

/** A failed test gets the logs of the app, Redis and the agents with it. */
test.afterEach(async () => {
	const testInfo = test.info();
	if (testInfo.status === testInfo.expectedStatus || !system) return;
	for (const file of readdirSync(system.logDir)) {
		await testInfo.attach(file, { path: join(system.logDir, file), contentType: 'text/plain' });
	}
});

async function agentFor(opts: Omit<AgentOptions, 'system'>): Promise<Agent> {
	const agent = await pairAgent({ ...opts, system });
	agents.push(agent);
	return agent;
}

async function say(user: TelegramUser, text: string): Promise<void> {
	const response = await system.postUpdate(textUpdate(user, text));
	expect(response.status, `webhook answer to "${text}"`).toBe(200);
}

const ends = (user: TelegramUser, count: number, timeoutMs?: number) =>
	waitForEnds(system.telegram, user, count, timeoutMs);
const chatOf = (user: TelegramUser) => describeChat(system.telegram, user);

test('a Telegram prompt runs claude-sdk (deno run) with a tool call; the answer arrives as an edited message; continue resumes the conversation', async () => {
	const user = newTelegramUser('Sdk');
	const agent = await agentFor({
		user,
		name: 'sdk-box',
		runner: 'claude-sdk',
		baseUrl: system.anthropic.url,
		model: 'claude-test-model',
		secret: { variable: 'ANTHROPIC_API_KEY', value: SECRETS.anthropic, viaFlag: false },
		files: NOTES
	});
	expect(agent.initOutput).toContain("Paired: agent 'sdk-box'");
	expect((await configFiles(agent)).global, 'the key is in config.json').toContain(
		SECRETS.anthropic
	);
	expect(statSync(join(agent.home, 'config.json')).mode & 0o777).toBe(0o600);
	await agent.start();

	const callsBefore = system.anthropic.requests.length;
	const started = Date.now();
	await say(user, 'Please read the notes and tell me what they say.');
	const chat = await ends(user, 1);
	const elapsed = Date.now() - started;
	const working = chat.findIndex(isWorking('sdk-box'));
	const done = chat.findIndex(isDone);
	expect(working, `"▶ sdk-box: working…" in the chat:\n${chatOf(user)}`).toBeGreaterThanOrEqual(0);
	expect(done, `"✅ Done in …" after it:\n${chatOf(user)}`).toBeGreaterThan(working);
	const output = chat.slice(working + 1, done).filter((m) => !isNotice(m));
	const text = outputText(output);
	expect(text).toContain('Let me read the notes.');
	expect(text).toMatch(/📖 read .*NOTES\.md/);
	expect(text).toContain('The notes mention octopus-4711. That is all I found.');
	expect(elapsed, 'the streamed answer takes more than a second').toBeGreaterThan(1_000);
	const edits = output.reduce((n, m) => n + m.edits, 0);
	expect(edits, 'the output message is edited as the answer grows').toBeGreaterThanOrEqual(1);
	expect(system.anthropic.unauthorised, 'every model call carried the configured key').toBe(0);
	const calls = system.anthropic.requests.length;
	expect(calls - callsBefore, 'a tool round trip: two model calls').toBe(2);

	await say(user, 'continue and tell me more');
	expect(outputText(await ends(user, 2))).toContain('More about the octopus.');
	const resumed = system.anthropic.requests[calls];
	expect(resumed, 'the continued task called the model').toBeDefined();
	const history = JSON.stringify(resumed!.messages);
	expect(history, 'the earlier prompt is in the continued conversation').toContain(
		'Please read the notes'
	);
	expect(history, 'the earlier answer is in the continued conversation').toContain(
		'octopus-4711. That is all I found.'
	);
	expect(lastUserText(resumed!.messages)).toContain('tell me more');

	await agent.stop();
	expect(agent.output()).toMatch(/done .*Please read the notes/);
	expectNoSecrets(agent.proxy, agent.name, [SECRETS.anthropic], 'octopus-4711');
});

test('claude-code: continue passes --resume; abort stops the task and its whole process tree', async () => {
	const user = newTelegramUser('Code');
	const secret = 'sk-ant-TEST-SECRET-claude-code-71c3a9e4';
	const agent = await agentFor({
		user,
		name: 'code-box',
		runner: 'claude-code',
		runnerBin: join(FAKE_BIN, 'claude'),
		secret: { variable: 'E2E_CLAUDE_CODE_KEY', value: secret, viaFlag: true }
	});
	await agent.start();
	// The fake CLI leaves its argv, key and grandchild's pid in .fake/ of the project.
	const fake = (file: string) => readFileSync(join(agent.projectDir, '.fake', file), 'utf8');

	await say(user, 'hello');
	expect(outputText(await ends(user, 1))).toContain('the tests pass now');
	expect(fake('key'), 'the runner got the configured key, locally').toBe(secret);
	expect(fake('argv').split('\0')).not.toContain('--resume');

	await say(user, 'continue and more');
	await ends(user, 2);
	const argv = fake('argv').split('\0');
	expect(argv.slice(argv.indexOf('-p'), argv.indexOf('-p') + 2)).toEqual(['-p', 'and more']);
	expect(argv[argv.indexOf('--resume') + 1], `argv: ${argv.join(' ')}`).toBe(
		'5b2a3f0e-9c1d-4e8a-b7f6-1a2b3c4d5e6f' // the session_id of the fake's first run
	);

	await say(user, 'please spawn-child and wait');
	await waitForChat(system.telegram, user, 'the runner output "Working on it…"', (ms) =>
		ms.some((m) => m.visible.includes('Working on it'))
	);
	const grandchild = Number(fake('child.pid').trim());
	expect(isAlive(grandchild), "the runner's grandchild runs before the abort").toBe(true);
	expect(agent.runnerProcesses().length, 'runner processes').toBeGreaterThanOrEqual(2);

	await say(user, 'abort');
	const chat = await ends(user, 3, 15_000);
	expect(chat.map((m) => m.visible)).toContain('⏹ Stopping…');
	expect(chat.filter(isAborted)).toHaveLength(1);
	await expect
		.poll(() => agent.runnerProcesses(), {
			message: 'processes left in the project',
			timeout: 8_000
		})
		.toEqual([]);
	expect(isAlive(grandchild), 'the grandchild died with the tree').toBe(false);

	await agent.stop();
	expectNoSecrets(agent.proxy, agent.name, [secret], 'the tests pass now');
});

test('no configured API key is ever among the bytes an agent sends to the relay, with every runner', async () => {
	const cases = runnerCases({ anthropic: system.anthropic.url, openai: system.openai.url });
	const allSecrets = cases.map((c) => c.secret.replace(/^openai=/, ''));

	const session = async (c: (typeof cases)[number]) => {
		const user = newTelegramUser(c.runner.replace(/\W/g, ''));
		const sdk = c.runner === 'claude-sdk';
		const agent = await agentFor({
			user,
			name: `${c.runner}-box`,
			runner: c.runner,
			...c.opts,
			secret: {
				variable: sdk ? 'ANTHROPIC_API_KEY' : 'E2E_RUNNER_KEY',
				value: c.secret,
				viaFlag: !sdk
			}
		});
		const stored = await configFiles(agent);
		expect(stored.global + stored.agents, `${c.runner}: key in the config files`).toContain(
			c.secret
		);
		await agent.start();
		await say(user, c.prompt);
		const chat = await ends(user, 1, 30_000);
		expect(chat.find(isDone), `${c.runner} finished:\n${chatOf(user)}`).toBeDefined();
		expect(outputText(chat), `${c.runner} output`).toContain(c.expect);
		await agent.stop(); // the goodbye is part of the recorded session
		expectNoSecrets(agent.proxy, agent.name, allSecrets, c.marker);
		return c.runner;
	};
	// Two at a time: seven Deno processes at once are too many for two cores.
	const finished: string[] = [];
	for (let i = 0; i < cases.length; i += 2) {
		finished.push(...(await Promise.all(cases.slice(i, i + 2).map(session))));
	}
	expect(finished).toEqual(cases.map((c) => c.runner));
});

/** init with a code, start, a prompt and its output, a long prompt and its abort. */
async function fullSession(program: AgentProgram, label: string): Promise<void> {
	const user = newTelegramUser(label);
	const agent = await agentFor({
		user,
		name: `${label}-box`,
		runner: 'custom',
		runnerBin: join(FAKE_BIN, 'custom_runner'),
		program
	});
	expect(agent.initOutput).toContain(`Paired: agent '${label}-box'`);
	await agent.start();
	await say(user, `hello from ${label}`);
	expect(outputText(await ends(user, 1))).toContain(`You said: hello from ${label}`);
	await say(user, 'now sleep for a long time');
	await waitForChat(system.telegram, user, 'the runner output "working"', (ms) =>
		ms.some((m) => m.visible === 'working')
	);
	await say(user, 'abort');
	expect((await ends(user, 2, 15_000)).filter(isAborted)).toHaveLength(1);
	await expect
		.poll(() => agent.runnerProcesses(), {
			message: 'processes left in the project',
			timeout: 8_000
		})
		.toEqual([]);
	await agent.stop();
	expect(agent.output()).toMatch(/aborted .*now sleep/);
}

test('the compiled binary runs a full session when a denort runtime is available; deno run of the same entry point always does', async () => {
	const outDir = await mkdtemp(join(tmpdir(), 'e2e-agent-dist-'));
	tempDirs.push(outDir);
	const binary = await buildAgentBinary(outDir);

	await fullSession({ kind: 'deno' }, 'denorun');
	if ('path' in binary) {
		await fullSession({ kind: 'binary', path: binary.path }, 'binary');
	} else {
		// Not a skip: the `deno run` session above is the same program, and it ran in full.
		console.log(`agent binary: not built, so only \`deno run\` was tested: ${binary.reason}`);
		test.info().annotations.push({ type: 'binary not built', description: binary.reason });
	}
});

test('killing the app and then Redis mid-task loses nothing: output complete and in order, one end notice, prompts sent meanwhile run once', async () => {
	const LINES = 60;
	const scripts = await mkdtemp(join(tmpdir(), 'e2e-runner-'));
	tempDirs.push(scripts);
	const runner = await writeCountingRunner(scripts, LINES);
	const user = newTelegramUser('Chaos');
	const agent = await agentFor({ user, name: 'chaos-box', runner: 'custom', runnerBin: runner });
	await agent.start();
	const shownLines = () => {
		const text = outputText(system.telegram.messages(user.id).filter((m) => !m.deleted));
		return [...text.matchAll(/line (\d+) of \d+/g)].map((m) => Number(m[1]));
	};
	/** As Telegram does: re-sent until answered 2xx, then once more (an answer lost on the way). */
	const deliver = async (update: unknown, first: Response | Error) => {
		let answer = first;
		for (let attempt = 1; !(answer instanceof Response && answer.ok); attempt++) {
			if (attempt > 20)
				throw new Error(`e2e: the webhook never took the update: ${String(answer)}`);
			await new Promise((resolve) => setTimeout(resolve, 500));
			answer = await system.postUpdate(update).catch((error: Error) => error);
		}
		const duplicate = await system.postUpdate(update);
		expect(duplicate.status, 'a re-sent update is accepted (and ignored)').toBe(200);
	};
	// The worst moments to die are while the app waits on Telegram to show a batch of output:
	// the agent handed the batch over, but Telegram does not have it yet (app killed), or
	// Telegram has it and the app's bookkeeping in Redis is still to come (Redis killed).
	const outputEdit = (method: string, payload: Record<string, unknown>) =>
		method === 'editMessageText' &&
		Number(payload.chat_id) === user.id &&
		/line \d+ of/.test(String(payload.text));

	await say(user, 'count slowly please');
	await expect
		.poll(() => shownLines().length, { message: 'first lines of output', timeout: 10_000 })
		.toBeGreaterThanOrEqual(3);

	// The app dies mid-task; a message sent meanwhile cannot be delivered (Telegram keeps it).
	const heldByApp = await system.telegramGate.holdNext(outputEdit, 10_000);
	await system.app.kill();
	heldByApp.drop();
	const whileAppDown = textUpdate(user, 'sent while the app was down');
	const refused = await system.postUpdate(whileAppDown).catch((error: Error) => error);
	expect(refused, 'the webhook is unreachable while the app is down').toBeInstanceOf(Error);
	await new Promise((resolve) => setTimeout(resolve, 1_500));
	await system.app.start();
	await deliver(whileAppDown, refused);
	const beforeRedisKill = shownLines().length;
	await expect
		.poll(() => shownLines().length, {
			message: 'output goes on after the restart',
			timeout: 15_000
		})
		.toBeGreaterThan(beforeRedisKill);

	// Redis dies mid-task, right after Telegram took an edit; a message arrives while it is down.
	const heldByRedis = await system.telegramGate.holdNext(outputEdit, 10_000);
	await system.redis.kill();
	await heldByRedis.release();
	expect(shownLines().length, 'the task still runs when Redis is killed').toBeLessThan(LINES);
	const whileRedisDown = textUpdate(user, 'sent while redis was down');
	const pending = system.postUpdate(whileRedisDown).catch((error: Error) => error);
	await new Promise((resolve) => setTimeout(resolve, 1_500));
	await system.redis.start();
	await deliver(whileRedisDown, await withTimeout(pending, 20_000));

	const chat = await ends(user, 3, 45_000);
	// Soft: the checks below still run, and report, when output went missing.
	expect
		.soft(shownLines(), `all ${LINES} lines, each once, in order:\n${chatOf(user)}`)
		.toEqual(Array.from({ length: LINES }, (_, i) => i + 1));
	const outputs = chat.filter((m) => !isNotice(m)).map((m) => m.visible);
	const echoes = (prompt: string) => outputs.filter((t) => t.includes(`echo: ${prompt}`));
	expect(echoes('sent while the app was down'), 'ran once').toHaveLength(1);
	expect(echoes('sent while redis was down'), 'ran once').toHaveLength(1);
	expect(chat.filter(isDone), `three tasks, three end notices:\n${chatOf(user)}`).toHaveLength(3);
	expect(chat.filter(isFailed)).toHaveLength(0);
	await new Promise((resolve) => setTimeout(resolve, 1_000)); // a late duplicate would show now
	expect(system.telegram.messages(user.id).filter(isDone)).toHaveLength(3);
	const prompts = (await readFile(join(agent.projectDir, 'prompts.log'), 'utf8'))
		.trim()
		.split('\n');
	expect(prompts, 'what the runner was given, in order').toEqual([
		'count slowly please',
		'sent while the app was down',
		'sent while redis was down'
	]);
	await agent.stop();
});

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T | Error> {
	const late = new Promise<Error>((resolve) => {
		setTimeout(() => resolve(new Error(`no answer within ${ms} ms`)), ms).unref();
	});
	return Promise.race([promise, late]);
}
