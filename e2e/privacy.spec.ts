/**
 * "Nothing kept": after a session whose prompt (longer than the 200-character preview) and
 * output both carry a marker, the marker is nowhere at rest except inside the stored preview:
 * not in the PGlite files and WAL under DATA_DIR, not in Redis's AOF or a fresh RDB snapshot
 * (written uncompressed, so nothing hides in LZF), not in any live Redis key, not in the app's
 * log. Prompt and output did pass through Redis, sealed. The same holds for an approval request
 * (its command line) and the reason a person gave for denying it (issue 10).
 */
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { promisify } from 'node:util';
import { expect, test } from '@playwright/test';
import { pairAgent, type Agent } from './support/system-agent.ts';
import {
	describeChat,
	isDone,
	outputText,
	textUpdate,
	waitForEnds
} from './support/system-chat.ts';
import { anthropicScript, openaiScript } from './support/system-scripts.ts';
import { approvalRequest, approvalsScript, replyUpdate } from './support/system-approvals.ts';
import { commitAll, photoUpdate } from './support/system-files.ts';
import { SECRETS, startSystem, type System } from './support/system.ts';
import { newTelegramUser } from './support/telegram-login.ts';

let system: System;
let agent: Agent | undefined;
let asker: Agent | undefined;
let scripts: string;

test.describe.configure({ timeout: 120_000 });

test.beforeAll(async () => {
	test.setTimeout(60_000);
	system = await startSystem({
		databaseTemplate: process.env.E2E_DATABASE_TEMPLATE,
		anthropicReply: (body) => approvalsScript(body) ?? anthropicScript(body),
		openaiReply: openaiScript
	});
	scripts = await mkdtemp(join(tmpdir(), 'e2e-privacy-runner-'));
});

test.afterAll(async () => {
	await agent?.dispose();
	await asker?.dispose();
	await system?.stop();
	if (scripts) await rm(scripts, { recursive: true, force: true });
});

test('the marker of a prompt and its output is at rest only inside the 200-character preview', async () => {
	const marker = `mk${randomBytes(6).toString('hex')}`;
	// In the preview the marker is followed by these words, and nowhere else.
	const inPreview = `${marker} opens the preview`;
	const prompt = `${inPreview}. ${'Filler words to pass the preview. '.repeat(8)} Here, past character 200, ${marker} is secret.`;
	expect(prompt.indexOf(marker, 200)).toBeGreaterThan(200);
	const runner = join(scripts, 'marker-runner');
	await writeFile(
		runner,
		[
			'#!/bin/sh',
			'prompt=$(cat)',
			'for i in 1 2 3 4 5 6 7 8; do',
			`  echo "output line $i carries ${marker} in the output"; sleep 0.1`,
			'done',
			'echo "and the prompt comes back: $prompt"',
			''
		].join('\n'),
		{ mode: 0o755 }
	);
	const user = newTelegramUser('Privacy');
	agent = await pairAgent({
		system,
		user,
		name: 'privacy-box',
		runner: 'custom',
		runnerBin: runner
	});
	await agent.start();

	expect((await system.postUpdate(textUpdate(user, prompt))).status).toBe(200);
	const chat = await waitForEnds(system.telegram, user, 1);
	expect(chat.find(isDone), describeChat(system.telegram, user)).toBeDefined();
	const shown = outputText(chat);
	expect(shown, 'the output reached Telegram').toContain(`output line 8 carries ${marker}`);
	expect(shown, 'the whole prompt reached the runner').toContain(`${marker} is secret`);
	await agent.stop();

	// An approval request carrying the marker (past the preview), denied with a reason carrying it.
	asker = await pairAgent({
		system,
		user,
		name: 'privacy-asker',
		runner: 'claude-sdk',
		baseUrl: system.anthropic.url,
		model: 'claude-test-model',
		secret: { variable: 'ANTHROPIC_API_KEY', value: SECRETS.anthropic, viaFlag: false }
	});
	await asker.start();
	const ask = `${'Filler words to pass the preview. '.repeat(7)}\n$ echo ${marker} wants to run`;
	expect(ask.indexOf(marker)).toBeGreaterThan(200);
	expect((await system.postUpdate(textUpdate(user, ask))).status).toBe(200);
	const { message } = await approvalRequest(system.telegram, user, `echo ${marker}`);
	const deny = replyUpdate(system.telegram, user, `no, ${marker} stays secret`, message);
	expect((await system.postUpdate(deny)).status).toBe(200);
	const afterAsk = await waitForEnds(system.telegram, user, 2);
	expect(outputText(afterAsk), 'the reason reached the model').toContain(
		`The user denied this tool call: no, ${marker} stays secret`
	);
	await asker.stop();

	// Redis: everything it holds now, as an uncompressed snapshot, next to its append-only files.
	const cli = (...args: string[]) =>
		promisify(execFile)('redis-cli', ['-p', String(system.redis.port), ...args]);
	await cli('CONFIG', 'SET', 'rdbcompression', 'no');
	await cli('SAVE');
	const keys = (await cli('--scan')).stdout.trim().split('\n').filter(Boolean);
	expect(keys.length, 'the relay still has keys (the scan is not empty)').toBeGreaterThan(0);

	const leaks: string[] = [];
	const files = [...walk(system.dataDir), ...walk(system.redis.dir), system.app.logFile];
	const scanned = { files: 0, bytes: 0, previews: 0 };
	for (const file of files) {
		const bytes = readFileSync(file);
		scanned.files++;
		scanned.bytes += bytes.length;
		for (let at = bytes.indexOf(marker); at !== -1; at = bytes.indexOf(marker, at + 1)) {
			const context = bytes.subarray(at, at + inPreview.length).toString('latin1');
			if (context === inPreview) scanned.previews++;
			else leaks.push(`${relative(tmpdir(), file)} @${at}: ${JSON.stringify(context)}`);
		}
	}
	expect(leaks, `the marker at rest outside the preview`).toEqual([]);
	expect(scanned.previews, 'the preview itself is stored (the scan can see text)').toBeGreaterThan(
		0
	);
	expect(
		files.some((f) => f.includes('appendonly')),
		`Redis's AOF was scanned: ${files.join(', ')}`
	).toBe(true);
	expect(files.some((f) => f.endsWith('.rdb'))).toBe(true);
	test.info().annotations.push({ type: 'scanned', description: JSON.stringify(scanned) });
});

test('files and diffs pass through: a marker in a photo, a diff and an outbox file is nowhere at rest', async () => {
	const marker = `fm${randomBytes(6).toString('hex')}`;
	const runner = join(scripts, 'files-runner');
	await writeFile(
		runner,
		[
			'#!/bin/sh',
			'prompt=$(cat)',
			'mkdir -p .remoteagent/outbox',
			'cp .remoteagent/inbox/* .remoteagent/outbox/',
			`printf "report on ${marker}\\n" > .remoteagent/outbox/report.txt`,
			`printf "a line with ${marker}\\n" > changed.txt`,
			'echo "files handled"',
			''
		].join('\n'),
		{ mode: 0o755 }
	);
	const user = newTelegramUser('Files');
	const filesAgent = await pairAgent({
		system,
		user,
		name: 'files-privacy-box',
		runner: 'custom',
		runnerBin: runner,
		files: { 'README.md': 'project\n' }
	});
	try {
		await commitAll(filesAgent.projectDir);
		await filesAgent.start();
		const photo = Buffer.concat([randomBytes(5000), Buffer.from(` ${marker} `), randomBytes(5000)]);
		const { update } = photoUpdate(system.telegram, user, photo, 'please check the photo');
		expect((await system.postUpdate(update)).status).toBe(200);
		const chat = await waitForEnds(system.telegram, user, 1);
		expect(chat.find(isDone), describeChat(system.telegram, user)).toBeDefined();
		expect(
			chat.some((m) => m.visible.startsWith('📝') && m.visible.includes(`+a line with ${marker}`)),
			'the diff with the marker reached the chat'
		).toBe(true);
		const documents = chat.flatMap((m) => (m.document ? [m.document] : []));
		expect(documents.map((d) => d.size).sort((a, b) => a - b)).toEqual(
			[photo.length, `report on ${marker}\n`.length].sort((a, b) => a - b)
		);
	} finally {
		await filesAgent.dispose();
	}

	const cli = (...args: string[]) =>
		promisify(execFile)('redis-cli', ['-p', String(system.redis.port), ...args]);
	await cli('CONFIG', 'SET', 'rdbcompression', 'no');
	await cli('SAVE');
	const leaks: string[] = [];
	for (const file of [...walk(system.dataDir), ...walk(system.redis.dir), system.app.logFile]) {
		if (readFileSync(file).includes(marker)) leaks.push(relative(tmpdir(), file));
	}
	expect(leaks, 'the marker at rest').toEqual([]);
});

function walk(dir: string): string[] {
	const out: string[] = [];
	for (const entry of readdirSync(dir)) {
		const path = join(dir, entry);
		if (statSync(path).isDirectory()) out.push(...walk(path));
		else out.push(path);
	}
	return out;
}
