/**
 * The serverless claim, proven: two app instances behind a round-robin load balancer (every
 * request to the next instance), sharing Redis and a real PostgreSQL reached through the Neon
 * driver. One instance is SIGKILLed in the middle of a task while prompts keep coming: the
 * other carries on, and nothing is lost, repeated or reordered, because no state lives in an
 * instance's memory.
 */
import { readFile, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, test } from '@playwright/test';
import { pairAgent, type Agent } from './support/system-agent.ts';
import {
	describeChat,
	isDone,
	isFailed,
	isNotice,
	outputText,
	textUpdate,
	waitForEnds
} from './support/system-chat.ts';
import { anthropicScript, openaiScript, writeCountingRunner } from './support/system-scripts.ts';
import { startSystem, type System } from './support/system.ts';
import { newTelegramUser } from './support/telegram-login.ts';

let system: System;
let agent: Agent | undefined;
let scripts: string;

test.describe.configure({ timeout: 180_000 });

test.beforeAll(async () => {
	test.setTimeout(90_000);
	system = await startSystem({
		instances: 2,
		anthropicReply: anthropicScript,
		openaiReply: openaiScript
	});
	scripts = await mkdtemp(join(tmpdir(), 'e2e-scale-runner-'));
});

test.afterAll(async () => {
	await agent?.dispose();
	await system?.stop();
	if (scripts) await rm(scripts, { recursive: true, force: true });
});

test.afterEach(async () => {
	const info = test.info();
	if (info.status === info.expectedStatus || !system) return;
	for (const app of system.apps) await info.attach('app.log', { path: app.logFile });
	if (agent) await info.attach('agent.log', { body: agent.output() });
});

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

test('two instances, one killed mid-task: output complete and in order, every prompt run once', async () => {
	const LINES = 40;
	const runner = await writeCountingRunner(scripts, LINES);
	const user = newTelegramUser('Scale');
	agent = await pairAgent({ system, user, name: 'scale-box', runner: 'custom', runnerBin: runner });
	await agent.start();
	const shownLines = () => {
		const text = outputText(system.telegram.messages(user.id).filter((m) => !m.deleted));
		return [...text.matchAll(/line (\d+) of \d+/g)].map((m) => Number(m[1]));
	};

	await system.deliver(textUpdate(user, 'count slowly please'));
	await expect
		.poll(() => shownLines().length, { message: 'first lines of output', timeout: 15_000 })
		.toBeGreaterThanOrEqual(5);
	const [first, second] = system.apps;
	await first!.kill();
	const sent = [system.deliver(textUpdate(user, 'sent while one instance was dead'))];
	await sleep(1_500);
	sent.push(system.deliver(textUpdate(user, 'sent a moment later')));
	await Promise.all(sent);
	expect(shownLines().length, 'the task is still running').toBeLessThan(LINES);
	await first!.start();
	await second!.kill();
	await sleep(1_000);
	await second!.start();

	const chat = await waitForEnds(system.telegram, user, 3, 60_000);
	await sleep(1_000); // a late duplicate would show now
	expect(
		shownLines(),
		`all ${LINES} lines, each once, in order:\n${describeChat(system.telegram, user)}`
	).toEqual(Array.from({ length: LINES }, (_, i) => i + 1));
	const outputs = chat.filter((m) => !isNotice(m)).map((m) => m.visible);
	for (const prompt of ['sent while one instance was dead', 'sent a moment later']) {
		expect(
			outputs.filter((t) => t.includes(`echo: ${prompt}`)),
			prompt
		).toHaveLength(1);
	}
	expect(system.telegram.messages(user.id).filter(isDone)).toHaveLength(3);
	expect(chat.filter(isFailed)).toHaveLength(0);
	const prompts = (await readFile(join(agent.projectDir, 'prompts.log'), 'utf8'))
		.trim()
		.split('\n');
	expect(prompts, 'what the runner was given, in order').toEqual([
		'count slowly please',
		'sent while one instance was dead',
		'sent a moment later'
	]);
	const served = system.entry.served ?? [];
	expect(
		served.every((n) => n > 10),
		`both instances served requests: ${served.join(', ')}`
	).toBe(true);
	await agent.stop();
});
