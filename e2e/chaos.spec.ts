/**
 * "Nothing lost": a numbered series of prompts through the real relay (built app, redis-server
 * behind the Upstash REST server, Bot API stand-in) and the real agent (`deno run`), while the
 * test SIGKILLs the agent, the app and Redis at seeded random moments and brings each back.
 * Updates are delivered as Telegram does: re-sent until answered 2xx.
 *
 * For every prompt: the runner ran it at most once; its sender got exactly one end notice (a
 * reply to the prompt); "✅ Done" only for a prompt that ran, with its output complete, in order
 * and nothing twice; "⌛ Not run" only for one that never ran. A task the agent was killed in
 * the middle of is reported failed. Seeds: CHAOS_SEEDS (default 1,2,3); a failure names its seed.
 */
import { readFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, test } from '@playwright/test';
import { pairAgent, type Agent } from './support/system-agent.ts';
import { describeChat, isNotice, textUpdate } from './support/system-chat.ts';
import { anthropicScript, openaiScript } from './support/system-scripts.ts';
import { startSystem, type System } from './support/system.ts';
import { newTelegramUser, type TelegramUser } from './support/telegram-login.ts';
import { prng } from '../web/test/harness/random-markdown.ts';

const CRON_SECRET = 'e2e-chaos-cron-secret-0123456789';
const SEEDS = (process.env.CHAOS_SEEDS ?? '1,2,3').split(',').map(Number);
const PROMPTS = 20;
const LINES = 6;
const FAULTS = ['agent', 'app', 'redis'] as const;
type Fault = (typeof FAULTS)[number];

let system: System;
let scripts: string;
/** The test's stand-in for Vercel's cron, stopped after each test whatever happened. */
let cron: ReturnType<typeof setInterval> | undefined;
const agents: Agent[] = [];

test.describe.configure({ timeout: 300_000 });

test.beforeAll(async () => {
	test.setTimeout(60_000);
	system = await startSystem({
		databaseTemplate: process.env.E2E_DATABASE_TEMPLATE,
		anthropicReply: anthropicScript,
		openaiReply: openaiScript,
		// 20 prompts in ~15 s: over the default limit, which would (rightly) refuse some.
		env: { TELEGRAM_RATE_PER_MINUTE: '1000', CRON_SECRET }
	});
	scripts = await mkdtemp(join(tmpdir(), 'e2e-chaos-runner-'));
	// Prints LINES numbered lines for "task NN"; every start is logged to runs.log first.
	await writeFile(
		join(scripts, 'chaos-runner'),
		[
			'#!/bin/sh',
			'prompt=$(cat)',
			'printf "%s\\n" "$prompt" >> "$PWD/runs.log"',
			`i=1; while [ $i -le ${LINES} ]; do echo "$prompt line $i of ${LINES}"; sleep 0.05; i=$((i+1)); done`,
			''
		].join('\n'),
		{ mode: 0o755 }
	);
});

test.afterAll(async () => {
	await Promise.all(agents.splice(0).map((agent) => agent.dispose()));
	await system?.stop();
	if (scripts) await rm(scripts, { recursive: true, force: true });
});

test.afterEach(async () => {
	clearInterval(cron);
	const info = test.info();
	if (info.status === info.expectedStatus || !system) return;
	for (const agent of agents) {
		await info.attach(`agent-${agent.name}.log`, { body: agent.output() });
	}
	await info.attach('app.log', { path: system.app.logFile });
});

for (const seed of SEEDS) {
	test(`seed ${seed}: ${PROMPTS} prompts while the agent, the app and Redis are killed at random moments`, async () => {
		const random = prng(seed);
		const user = newTelegramUser(`Chaos${seed}`);
		const agent = await pairAgent({
			system,
			user,
			name: `chaos-${seed}`,
			runner: 'custom',
			runnerBin: join(scripts, 'chaos-runner')
		});
		agents.push(agent);
		await agent.start();

		// Every kind of fault at least once, then more at random: 4–6 in all, before random prompts.
		const faultCount = 4 + Math.floor(random() * 3);
		const faults: Fault[] = [...FAULTS];
		while (faults.length < faultCount) faults.push(FAULTS[Math.floor(random() * FAULTS.length)]!);
		const faultAt = new Map<number, Fault>();
		for (const fault of faults.sort(() => random() - 0.5)) {
			let at = 1 + Math.floor(random() * (PROMPTS - 1));
			while (faultAt.has(at)) at = (at % (PROMPTS - 1)) + 1;
			faultAt.set(at, fault);
		}
		const log: string[] = [`seed ${seed}: faults after prompts ${JSON.stringify([...faultAt])}`];

		// As Vercel's cron does (every minute there; more often here, the test is short).
		cron = setInterval(() => {
			void fetch(`${system.entry.baseURL}/api/cron/sweep`, {
				headers: { authorization: `Bearer ${CRON_SECRET}` }
			}).catch(() => {});
		}, 5_000);
		const updates = Array.from({ length: PROMPTS }, (_, i) => textUpdate(user, taskName(i + 1)));
		const deliveries: Promise<void>[] = [];
		for (let i = 0; i < PROMPTS; i++) {
			deliveries.push(system.deliver(updates[i]!));
			await sleep(between(random, 50, 600));
			const fault = faultAt.get(i + 1);
			if (fault) {
				// Somewhere in the middle of whatever is happening now.
				await sleep(between(random, 0, 900));
				log.push(`${new Date().toISOString()} kill ${fault} after prompt ${i + 1}`);
				await kill(fault, agent);
				await sleep(between(random, 200, 1_500));
				await restart(fault, agent);
				log.push(`${new Date().toISOString()} ${fault} back`);
			}
		}
		await Promise.all(deliveries);

		// Every prompt is told how it ended, once: a notice that replies to it. If the app died
		// while sending that notice (Telegram may or may not have it), the retry edits the task's
		// status message to the end instead of risking a second notice. A task the agent was killed
		// in is failed when the new process reports in (after a grace of 10 s), hence the wait.
		const messageIds = updates.map((u) => u.message.message_id);
		const noticesFor = (messageId: number) =>
			system.telegram.calls.filter(
				(c) =>
					c.method === 'sendMessage' &&
					Number(c.payload.chat_id) === user.id &&
					(c.payload.reply_parameters as { message_id?: number } | undefined)?.message_id ===
						messageId &&
					isEnd(String(c.payload.text))
			);
		const statusEnd = (messageId: number) =>
			system.telegram
				.messages(user.id)
				.find((m) => m.reply_to === messageId && m.edits > 0 && isEnd(m.text))?.text;
		const endOf = (messageId: number) =>
			noticesFor(messageId).map((c) => String(c.payload.text))[0] ?? statusEnd(messageId);
		const context = () =>
			`${log.join('\n')}\nchat:\n${describeChat(system.telegram, user)}\nruns:\n${runs().join('\n')}`;
		const runs = () => {
			try {
				return readFileSync(join(agent.projectDir, 'runs.log'), 'utf8').trim().split('\n');
			} catch {
				return [];
			}
		};
		// Telegram allows about one message a second per chat: ~4 per task (queued, working,
		// output, end), so the chat lags the agent by a minute or more.
		const untold = () => messageIds.filter((id) => endOf(id) === undefined);
		for (const deadline = Date.now() + 180_000; untold().length > 0 && Date.now() < deadline;)
			await sleep(500);
		expect(untold(), `every prompt told how it ended\n${context()}`).toEqual([]);
		await sleep(1_500); // a late duplicate would show now

		const lines = outputLines(system, user);
		const outcomes: Record<string, number> = {};
		for (let i = 0; i < PROMPTS; i++) {
			const name = taskName(i + 1);
			const notices = noticesFor(messageIds[i]!).map((c) => String(c.payload.text));
			expect(notices.length, `${name}: never two end notices\n${context()}`).toBeLessThanOrEqual(1);
			const notice = endOf(messageIds[i]!)!;
			const ran = runs().filter((r) => r === name).length;
			expect(ran, `${name}: ran at most once\n${context()}`).toBeLessThanOrEqual(1);
			const shown = lines.get(name) ?? [];
			expect(shown, `${name}: output in order, nothing twice\n${context()}`).toEqual(
				Array.from({ length: shown.length }, (_, k) => k + 1)
			);
			const kind = notice.slice(0, 1);
			outcomes[kind] = (outcomes[kind] ?? 0) + 1;
			if (notice.startsWith('✅')) {
				expect(ran, `${name}: done, so it ran\n${context()}`).toBe(1);
				expect(shown.length, `${name}: done, so all its output arrived\n${context()}`).toBe(LINES);
			} else if (notice.startsWith('⌛')) {
				expect(ran, `${name}: "not run", so it never ran\n${context()}`).toBe(0);
			} else {
				expect(notice, `${name}: ${notice}\n${context()}`).toMatch(
					/^❌ Failed: the agent restarted while running this task/
				);
			}
		}
		test.info().annotations.push({ type: `seed ${seed}`, description: JSON.stringify(outcomes) });
		expect(outcomes['✅'] ?? 0, `most prompts ran to the end\n${context()}`).toBeGreaterThanOrEqual(
			PROMPTS - faults.filter((f) => f === 'agent').length
		);
		await agent.stop();
	});
}

/** The end of a task as the chat shows it: done, failed, not run, aborted. */
function isEnd(text: string): boolean {
	return /^(✅|❌|⌛|⏹)/.test(text);
}

function taskName(n: number): string {
	return `task ${String(n).padStart(2, '0')}`;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

const between = (random: () => number, min: number, max: number) =>
	min + Math.floor(random() * (max - min));

async function kill(fault: Fault, agent: Agent): Promise<void> {
	if (fault === 'agent') await agent.kill();
	else if (fault === 'app') await system.app.kill();
	else await system.redis.kill();
}

async function restart(fault: Fault, agent: Agent): Promise<void> {
	// The agent comes back on its own schedule: it may have to wait for the relay.
	if (fault === 'agent') await agent.start({ waitConnected: false });
	else if (fault === 'app') await system.app.start();
	else await system.redis.start();
}

/** Line numbers of each task's output as the chat shows it, in message order. */
function outputLines(system: System, user: TelegramUser): Map<string, number[]> {
	const byTask = new Map<string, number[]>();
	for (const message of system.telegram.messages(user.id)) {
		if (message.deleted || isNotice(message)) continue;
		for (const match of message.visible.matchAll(/(task \d+) line (\d+) of \d+/g)) {
			const list = byTask.get(match[1]!) ?? [];
			list.push(Number(match[2]));
			byTask.set(match[1]!, list);
		}
	}
	return byTask;
}
