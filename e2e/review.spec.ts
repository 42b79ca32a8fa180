/**
 * Issue 10, review and files, end to end: the built relay, the real agent (`deno run`), the Bot
 * API stand-in and a custom runner script. A task's changes are summarised after its output;
 * `/diff` shows them again; `/undo` (confirmed with a tap) restores exactly the files the task
 * changed; a photo reaches the project's inbox byte-identical; an outbox file comes back as a
 * document.
 */
import { createHash, randomBytes } from 'node:crypto';
import { readdirSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, test } from '@playwright/test';
import { pairAgent, type Agent } from './support/system-agent.ts';
import {
	describeChat,
	isDone,
	textUpdate,
	waitForChat,
	waitForEnds
} from './support/system-chat.ts';
import { commitAll, git, photoUpdate } from './support/system-files.ts';
import { anthropicScript, openaiScript } from './support/system-scripts.ts';
import { type MessagesRequestBody, type ModelReply } from './support/system-fakes.ts';
import { SECRETS, startSystem, type System } from './support/system.ts';
import { newTelegramUser, type TelegramUser } from './support/telegram-login.ts';

let system: System;
let scripts: string;
const agents: Agent[] = [];

test.describe.configure({ timeout: 90_000 });

test.beforeAll(async () => {
	test.setTimeout(60_000);
	system = await startSystem({
		databaseTemplate: process.env.E2E_DATABASE_TEMPLATE,
		anthropicReply: (body) =>
			JSON.stringify(body.messages[0]).includes('send me')
				? sendFileScript(body)
				: anthropicScript(body),
		openaiReply: openaiScript
	});
	scripts = await mkdtemp(join(tmpdir(), 'e2e-review-runner-'));
});

test.afterAll(async () => {
	await Promise.all(agents.splice(0).map((agent) => agent.dispose()));
	await system?.stop();
	if (scripts) await rm(scripts, { recursive: true, force: true });
});

test.afterEach(async () => {
	const testInfo = test.info();
	if (testInfo.status === testInfo.expectedStatus || !system) return;
	for (const file of readdirSync(system.logDir)) {
		await testInfo.attach(file, { path: join(system.logDir, file), contentType: 'text/plain' });
	}
});

/**
 * The runner: "edit" changes a.txt and creates c.txt; "photo" copies the inbox to the outbox;
 * it always echoes the prompt it got.
 */
async function reviewRunner(): Promise<string> {
	const path = join(scripts, 'review-runner');
	const script = [
		'#!/bin/sh',
		'prompt=$(cat)',
		'case "$prompt" in',
		'*edit*) printf "changed by the task\\n" > a.txt; printf "created\\n" > c.txt ;;',
		'*photo*) mkdir -p .remoteagent/outbox; cp .remoteagent/inbox/* .remoteagent/outbox/ ;;',
		'esac',
		'echo "runner got: $prompt"',
		''
	];
	await writeFile(path, script.join('\n'), { mode: 0o755 });
	return path;
}

async function startAgent(user: TelegramUser, name: string): Promise<Agent> {
	const agent = await pairAgent({
		system,
		user,
		name,
		runner: 'custom',
		runnerBin: await reviewRunner(),
		files: { 'a.txt': 'original a\n', 'b.txt': 'original b\n' }
	});
	agents.push(agent);
	await commitAll(agent.projectDir);
	await agent.start();
	return agent;
}

async function say(user: TelegramUser, text: string): Promise<void> {
	const update = textUpdate(user, text);
	if (text.startsWith('/')) {
		// As Telegram marks a command.
		Object.assign(update.message, {
			entities: [{ type: 'bot_command', offset: 0, length: text.split(' ')[0]!.length }]
		});
	}
	expect((await system.postUpdate(update)).status).toBe(200);
}

const sha256 = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');

test('a task’s changes follow its output; /diff repeats them; /undo restores exactly the changed files', async () => {
	const user = newTelegramUser('Review');
	const agent = await startAgent(user, 'review-box');
	const dir = agent.projectDir;
	// A staged change of the user's: their index must come out of all this untouched.
	await writeFile(join(dir, 'b.txt'), 'staged b\n');
	await git(dir, 'add', 'b.txt');
	const index = await git(dir, 'ls-files', '--stage');

	await say(user, 'please edit the files');
	const chat = await waitForEnds(system.telegram, user, 1);
	const summary = chat.findIndex((m) => m.visible.startsWith('📝 2 files changed (+2 −1)'));
	expect(summary, describeChat(system.telegram, user)).toBeGreaterThanOrEqual(0);
	expect(chat.findIndex(isDone)).toBeGreaterThan(summary);
	expect(
		chat.findIndex((m) => m.visible.includes('runner got: please edit the files')),
		'the summary follows the output'
	).toBeLessThan(summary);
	const text = chat[summary]!.visible;
	expect(text).toContain('M a.txt +1 −1');
	expect(text).toContain('A c.txt +1 −0');
	expect(text).toContain('-original a');
	expect(text).toContain('+changed by the task');
	expect(await git(dir, 'ls-files', '--stage')).toBe(index);
	expect(await git(dir, 'stash', 'list')).toBe('');

	// After the task the user changes b.txt (not the task's) and c.txt (the task's): undo must
	// leave both alone, and say so for c.txt.
	await writeFile(join(dir, 'b.txt'), 'the user’s own edit\n');
	await writeFile(join(dir, 'c.txt'), 'the user took c.txt over\n');

	await say(user, '/diff');
	await waitForChat(system.telegram, user, 'the /diff answer', (ms) =>
		ms.find((m) => m.visible.startsWith('Last task: “please edit the files”'))
	);

	await say(user, '/undo');
	const question = await waitForChat(system.telegram, user, 'the undo question', (ms) =>
		ms.find((m) => m.visible.startsWith('Put the files changed by the last task on review-box'))
	);
	const keyboard = question.reply_markup as {
		inline_keyboard: { callback_data: string }[][];
	};
	const confirm = keyboard.inline_keyboard[0]![0]!.callback_data;
	const stranger = newTelegramUser('Stranger');
	expect((await system.postUpdate(tap(stranger, confirm, question.message_id))).status).toBe(200);
	expect((await system.postUpdate(tap(user, confirm, question.message_id))).status).toBe(200);
	const undone = await waitForChat(system.telegram, user, 'the undo answer', (ms) =>
		ms.find((m) => m.visible.startsWith('↩ Undid'))
	);
	expect(undone.visible).toBe(
		'↩ Undid “please edit the files”: 1 restored.\n• a.txt\n' +
			'Left alone, because they changed again after the task:\n• c.txt'
	);
	expect(await readFile(join(dir, 'a.txt'), 'utf8')).toBe('original a\n');
	expect(await readFile(join(dir, 'c.txt'), 'utf8')).toBe('the user took c.txt over\n');
	expect(await readFile(join(dir, 'b.txt'), 'utf8')).toBe('the user’s own edit\n');
	expect(await git(dir, 'ls-files', '--stage')).toBe(index);
	expect(
		system.telegram.calls.filter(
			(c) =>
				c.method === 'answerCallbackQuery' && c.payload.callback_query_id === `cb-${stranger.id}`
		),
		'a stranger’s tap gets no answer at all'
	).toEqual([]);
});

test('a photo reaches the inbox byte-identical; an outbox file comes back as a document', async () => {
	const user = newTelegramUser('Files');
	const agent = await startAgent(user, 'files-box');
	const bytes = new Uint8Array(randomBytes(200_000));
	const { file, update } = photoUpdate(system.telegram, user, bytes, 'look at this photo');
	expect((await system.postUpdate(update)).status).toBe(200);
	const chat = await waitForEnds(system.telegram, user, 1);
	expect(chat.find(isDone), describeChat(system.telegram, user)).toBeDefined();

	const name = `photo-${file.file_unique_id}.jpg`;
	const saved = await readFile(join(agent.projectDir, '.remoteagent', 'inbox', name));
	expect(sha256(saved)).toBe(sha256(bytes));
	expect(
		chat.some((m) =>
			m.visible.includes(
				`runner got: look at this photo\n\n(Sent with this message and saved in the project: .remoteagent/inbox/${name})`
			)
		),
		describeChat(system.telegram, user)
	).toBe(true);
	const document = chat.find((m) => m.document)?.document;
	expect(document).toEqual({ filename: name, size: bytes.length, sha256: sha256(bytes) });
	expect(chat.findIndex((m) => m.document)).toBeLessThan(chat.findIndex(isDone));
	// The photo is the agent's, not the project's: it is not among the task's changes.
	expect(chat.some((m) => m.visible.startsWith('📝'))).toBe(false);
});

/** "send me …": the model writes chart.csv and sends it with send_file, then says so. */
function sendFileScript(body: MessagesRequestBody): ModelReply {
	const last = body.messages.at(-1);
	if (Array.isArray(last?.content) && last.content.some((b) => b.type === 'tool_result')) {
		return { blocks: [{ type: 'text', pieces: ['The chart ', 'is on its way.'] }] };
	}
	return {
		blocks: [
			{ type: 'tool_use', name: 'write_file', input: { path: 'chart.csv', content: CHART } },
			{ type: 'tool_use', name: 'send_file', input: { path: 'chart.csv' } }
		]
	};
}

const CHART = 'month,tasks\njan,3\nfeb,5\n';

test('claude-sdk sends a file it wrote with send_file; the summary and /undo cover the file', async () => {
	const user = newTelegramUser('Sdk');
	const agent = await pairAgent({
		system,
		user,
		name: 'sdk-files-box',
		runner: 'claude-sdk',
		baseUrl: system.anthropic.url,
		model: 'claude-test-model',
		secret: { variable: 'ANTHROPIC_API_KEY', value: SECRETS.anthropic, viaFlag: false },
		files: { 'README.md': 'project\n' }
	});
	agents.push(agent);
	await commitAll(agent.projectDir);
	await agent.start();

	await say(user, 'send me a chart of the tasks');
	const chat = await waitForEnds(system.telegram, user, 1);
	expect(chat.find(isDone), describeChat(system.telegram, user)).toBeDefined();
	expect(
		chat.some((m) => m.visible.includes('The chart is on its way.')),
		describeChat(system.telegram, user)
	).toBe(true);
	expect(
		chat.some((m) => m.visible.startsWith('📝 1 file changed (+3 −0)\nA chart.csv +3 −0'))
	).toBe(true);
	const document = chat.find((m) => m.document)?.document;
	expect(document).toEqual({
		filename: 'chart.csv',
		size: CHART.length,
		sha256: sha256(new TextEncoder().encode(CHART))
	});

	await say(user, '/undo');
	const question = await waitForChat(system.telegram, user, 'the undo question', (ms) =>
		ms.find((m) => m.visible.startsWith('Put the files changed by the last task'))
	);
	const keyboard = question.reply_markup as { inline_keyboard: { callback_data: string }[][] };
	const confirm = keyboard.inline_keyboard[0]![0]!.callback_data;
	expect((await system.postUpdate(tap(user, confirm, question.message_id))).status).toBe(200);
	await waitForChat(system.telegram, user, 'the undo answer', (ms) =>
		ms.find((m) => m.visible.startsWith('↩ Undid “send me a chart of the tasks”: 1 restored.'))
	);
	await expect(readFile(join(agent.projectDir, 'chart.csv'))).rejects.toThrow();
});

let tapId = 800_000;
function tap(user: TelegramUser, data: string, messageId: number) {
	const id = ++tapId;
	return {
		update_id: id,
		callback_query: {
			id: `cb-${user.id}`,
			chat_instance: 'ci',
			data,
			from: { id: user.id, is_bot: false, first_name: user.first_name },
			message: {
				message_id: messageId,
				date: Math.floor(Date.now() / 1000),
				chat: { id: user.id, type: 'private', first_name: user.first_name }
			}
		}
	};
}
