/**
 * Issue 10, approvals, through the real relay and the real agent (`deno run`, claude-sdk runner
 * in `ask` mode, the default of a new agent) with the Bot API stand-in and the fake Messages
 * API: ask → allow once → the command ran; deny with a reason → the model got the reason;
 * allow for the task → no second request in that task; no answer → denied after
 * APPROVAL_TIMEOUT; a stranger's tap → ignored. And the claude-code runner: the fake `claude`
 * asks `remoteagent permission-prompt` (started from --mcp-config, as the real CLI does) and the
 * person's tap lets the command run.
 */
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { expect, test } from '@playwright/test';
import { FAKE_BIN, pairAgent, type Agent } from './support/system-agent.ts';
import {
	agentsPage,
	approvalRequest,
	approvalsScript,
	callbackAnswer,
	callbackUpdate,
	isApproval,
	replyUpdate,
	toolResults
} from './support/system-approvals.ts';
import {
	describeChat,
	isDone,
	outputText,
	textUpdate,
	waitForChat,
	waitForEnds
} from './support/system-chat.ts';
import { anthropicScript, openaiScript } from './support/system-scripts.ts';
import { BOT_TOKEN, SECRETS, startSystem, type System } from './support/system.ts';
import { newTelegramUser, type TelegramUser } from './support/telegram-login.ts';

const APPROVAL_TIMEOUT_MS = 6_000;
let system: System;
let agent: Agent;
let user: TelegramUser;
let ended = 0;

test.describe.configure({ mode: 'serial', timeout: 90_000 });

test.beforeAll(async () => {
	test.setTimeout(90_000);
	system = await startSystem({
		databaseTemplate: process.env.E2E_DATABASE_TEMPLATE,
		anthropicReply: (body) => approvalsScript(body) ?? anthropicScript(body),
		openaiReply: openaiScript,
		env: { APPROVAL_TIMEOUT: String(APPROVAL_TIMEOUT_MS), TELEGRAM_RATE_PER_MINUTE: '1000' }
	});
	user = newTelegramUser('Approver');
	agent = await pairAgent({
		system,
		user,
		name: 'ask-box',
		runner: 'claude-sdk',
		baseUrl: system.anthropic.url,
		model: 'claude-test-model',
		secret: { variable: 'ANTHROPIC_API_KEY', value: SECRETS.anthropic, viaFlag: false }
	});
	await agent.start();
});

test.afterAll(async () => {
	await agent?.dispose();
	await system?.stop();
});

test.afterEach(async () => {
	const testInfo = test.info();
	if (testInfo.status === testInfo.expectedStatus || !system) return;
	for (const file of readdirSync(system.logDir)) {
		await testInfo.attach(file, { path: join(system.logDir, file), contentType: 'text/plain' });
	}
});

async function send(update: unknown): Promise<void> {
	expect((await system.postUpdate(update)).status).toBe(200);
}

/** Sends a prompt and returns once its task has ended (the next end notice). */
async function nextEnd() {
	ended++;
	return waitForEnds(system.telegram, user, ended, 30_000);
}

const lastRequestTo = () => system.anthropic.requests.at(-1)!;

test('a new agent asks: Allow once runs the command, and the chat says who allowed it', async () => {
	expect(agent.output()).toContain('permissions ask');
	await send(textUpdate(user, '$ echo approved > allowed.txt'));
	const { message, buttons } = await approvalRequest(
		system.telegram,
		user,
		'echo approved > allowed.txt'
	);
	expect(message.visible).toContain('🔐 ask-box asks to use Bash:');
	expect(Object.keys(buttons)).toEqual([
		'✅ Allow once',
		'✅ Allow for this task',
		'✅ Always allow Bash(echo approved > allowed.txt)',
		'❌ Deny'
	]);
	expect(existsSync(join(agent.projectDir, 'allowed.txt')), 'the runner waits').toBe(false);
	const tap = callbackUpdate(user, buttons['✅ Allow once']!, message.message_id);
	await send(tap);
	expect(callbackAnswer(system.telegram, tap.callback_query.id)).toBe('Allowed once.');
	const chat = await nextEnd();
	expect(chat.find(isDone), describeChat(system.telegram, user)).toBeDefined();
	expect(readFileSync(join(agent.projectDir, 'allowed.txt'), 'utf8')).toBe('approved\n');
	const decided = system.telegram
		.messages(user.id)
		.find((m) => m.message_id === message.message_id)!;
	expect(decided.visible).toContain(`✅ Allowed once by @${user.username}`);
	expect(outputText(chat)).toContain(`allowed once by @${user.username}`);
	expect(toolResults(lastRequestTo())[0]).toMatch(/^exit code 0/);
	// The dashboard names the mode the agent reported with its heartbeat.
	expect(await agentsPage(system.entry.baseURL, user, BOT_TOKEN)).toContain(
		'asks before commands and edits'
	);
});

test('a reply to the request denies it, and the model gets the reason', async () => {
	await send(textUpdate(user, '$ rm -rf build'));
	const { message } = await approvalRequest(system.telegram, user, 'rm -rf build');
	await send(replyUpdate(system.telegram, user, 'keep build, run make clean', message));
	const chat = await nextEnd();
	expect(chat.find(isDone), describeChat(system.telegram, user)).toBeDefined();
	expect(toolResults(lastRequestTo())).toEqual([
		'The user denied this tool call: keep build, run make clean'
	]);
	expect(outputText(chat)).toContain(
		'Results: 1) The user denied this tool call: keep build, run make clean'
	);
	const decided = system.telegram
		.messages(user.id)
		.find((m) => m.message_id === message.message_id)!;
	expect(decided.visible).toContain(`❌ Denied by @${user.username}: “keep build, run make clean”`);
});

test('Allow for this task: the second command of the task is not asked again', async () => {
	const before = system.telegram.messages(user.id).filter(isApproval).length;
	await send(textUpdate(user, '$ touch task-1.txt\n$ touch task-2.txt'));
	const { message, buttons } = await approvalRequest(system.telegram, user, 'touch task-1.txt');
	expect(Object.keys(buttons)).toContain('✅ Always allow Bash(touch:*)');
	await send(callbackUpdate(user, buttons['✅ Allow for this task']!, message.message_id));
	const chat = await nextEnd();
	expect(chat.find(isDone), describeChat(system.telegram, user)).toBeDefined();
	expect(existsSync(join(agent.projectDir, 'task-1.txt'))).toBe(true);
	expect(existsSync(join(agent.projectDir, 'task-2.txt'))).toBe(true);
	expect(system.telegram.messages(user.id).filter(isApproval).length).toBe(before + 1);
});

test("a stranger's tap is ignored; no answer in time denies the call", async () => {
	await send(textUpdate(user, '$ touch never.txt'));
	const { message, buttons } = await approvalRequest(system.telegram, user, 'touch never.txt');
	const stranger = newTelegramUser('Stranger');
	const tap = callbackUpdate(stranger, buttons['✅ Allow once']!, message.message_id);
	await send(tap);
	// The relay answers strangers with silence: no toast, no edit, nothing reaches the agent.
	expect(callbackAnswer(system.telegram, tap.callback_query.id)).toBeUndefined();
	const expired = await waitForChat(
		system.telegram,
		user,
		'the request to expire',
		(ms) =>
			ms.find((m) => m.message_id === message.message_id && m.visible.includes('⌛ No answer')),
		APPROVAL_TIMEOUT_MS + 15_000
	);
	expect(expired.visible).toContain('⌛ No answer within 6s: denied.');
	const chat = await nextEnd();
	expect(chat.find(isDone), describeChat(system.telegram, user)).toBeDefined();
	expect(existsSync(join(agent.projectDir, 'never.txt'))).toBe(false);
	expect(toolResults(lastRequestTo())).toEqual([
		'Not allowed: nobody answered the approval request in time.'
	]);
	// A tap after the expiry is told so, and changes nothing.
	const late = callbackUpdate(user, buttons['✅ Allow once']!, message.message_id);
	await send(late);
	expect(callbackAnswer(system.telegram, late.callback_query.id)).toBe('Already answered.');
});

test("claude-code: a permission prompt reaches the chat through remoteagent's MCP tool; one tap runs the command", async () => {
	const coder = newTelegramUser('Coder');
	const codeAgent = await pairAgent({
		system,
		user: coder,
		name: 'code-box',
		runner: 'claude-code',
		runnerBin: join(FAKE_BIN, 'claude')
	});
	try {
		await codeAgent.start();
		await send(textUpdate(coder, '$ echo from-claude > cc.txt'));
		const { message, buttons } = await approvalRequest(
			system.telegram,
			coder,
			'echo from-claude > cc.txt',
			40_000
		);
		expect(message.visible).toContain('🔐 code-box asks to use Bash:');
		expect(message.visible).toContain('Why: Run step 1');
		await send(callbackUpdate(coder, buttons['✅ Allow once']!, message.message_id));
		const chat = await waitForEnds(system.telegram, coder, 1, 30_000);
		expect(chat.find(isDone), describeChat(system.telegram, coder)).toBeDefined();
		expect(readFileSync(join(codeAgent.projectDir, 'cc.txt'), 'utf8')).toBe('from-claude\n');
		expect(outputText(chat)).toContain('Done: ran echo from-claude > cc.txt.');
		const argv = readFileSync(join(codeAgent.projectDir, '.fake', 'argv'), 'utf8').split('\0');
		expect(argv[argv.indexOf('--permission-prompt-tool') + 1]).toBe('mcp__remoteagent__approve');
	} finally {
		await codeAgent.dispose();
	}
});
