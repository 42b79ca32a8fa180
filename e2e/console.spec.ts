/**
 * Issue 11, the web console end to end: the built relay, redis-server behind the Upstash REST
 * stand-in and the real agent (`deno run` of agent/main.ts) with a custom runner. A prompt typed
 * on /console streams back as rendered Markdown and stays on screen after the end; Abort stops a
 * running task (the runner's process tree goes with it); model output that carries HTML, event
 * handlers and javascript: links is shown as text and nothing of it runs.
 */
import { rm, mkdtemp, writeFile } from 'node:fs/promises';
import { readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, test, type Browser, type Page } from '@playwright/test';
import { pairAgent, type Agent } from './support/system-agent.ts';
import { BOT_TOKEN, startSystem, type System } from './support/system.ts';
import { newTelegramUser, signIn, type TelegramUser } from './support/telegram-login.ts';
import { anthropicScript, openaiScript } from './support/system-scripts.ts';
import { watchCsp } from './support/csp.ts';
import { hydrated } from './support/hydration.ts';

let system: System;
let agent: Agent;
let user: TelegramUser;
let runnerDir: string;

test.describe.configure({ timeout: 90_000 });

/**
 * The model, as a shell script: "slow" prints a line every 250 ms for 30 s, "xss" answers with
 * hostile HTML, anything else a short Markdown answer.
 */
const RUNNER = [
	'#!/bin/sh',
	'prompt=$(cat)',
	'case "$prompt" in',
	'*slow*) i=1; while [ $i -le 120 ]; do echo "tick $i"; sleep 0.25; i=$((i+1)); done ;;',
	`*xss*) printf '%s\\n' '# Report' '' '<script>window.__xss = "script"</script>' '' ` +
		`'<img src=x onerror="window.__xss = 1">' '' '[click me](javascript:window.__xss=2)' '' ` +
		`'<a href="javascript:window.__xss=3">raw link</a> and **still bold**' ;;`,
	"*) printf '%s\\n' '## Result' '' 'The answer is **42**, see `main.ts`.' '' '- one' '- two' '' " +
		"'```sh' 'npx remoteagent init --server=http://127.0.0.1:3000/a/very/long/path/that/does/not/break --code=ABCD-EFGH' '```' ;;",
	'esac',
	''
].join('\n');

test.beforeAll(async () => {
	test.setTimeout(90_000);
	system = await startSystem({
		databaseTemplate: process.env.E2E_DATABASE_TEMPLATE,
		anthropicReply: anthropicScript,
		openaiReply: openaiScript
	});
	runnerDir = await mkdtemp(join(tmpdir(), 'e2e-console-runner-'));
	const runnerBin = join(runnerDir, 'model');
	await writeFile(runnerBin, RUNNER, { mode: 0o755 });
	user = newTelegramUser('Console');
	agent = await pairAgent({ system, user, name: 'web-box', runner: 'custom', runnerBin });
	await agent.start();
});

test.afterAll(async () => {
	await agent?.dispose();
	await system?.stop();
	if (runnerDir) await rm(runnerDir, { recursive: true, force: true });
});

test.afterEach(async () => {
	const testInfo = test.info();
	if (testInfo.status === testInfo.expectedStatus || !system) return;
	for (const file of readdirSync(system.logDir)) {
		await testInfo.attach(file, { path: join(system.logDir, file), contentType: 'text/plain' });
	}
});

async function openConsole(browser: Browser): Promise<Page> {
	const context = await browser.newContext({ baseURL: system.entry.baseURL });
	const page = await context.newPage();
	await signIn(page, user, BOT_TOKEN);
	await page.goto('/console');
	await hydrated(page);
	await expect(page.getByTestId('console-agent')).toHaveValue(/.+/);
	return page;
}

async function send(page: Page, prompt: string) {
	await page.getByTestId('console-input').fill(prompt);
	await page.getByTestId('console-send').click();
	const turn = page.getByTestId('console-turn').filter({ hasText: prompt }).first();
	await expect(turn).toBeVisible();
	return turn;
}

test('a prompt from the console streams back as Markdown and stays on screen after the end', async ({
	browser
}) => {
	const page = await openConsole(browser);
	const csp = watchCsp(page);
	const turn = await send(page, 'what is the answer?');
	await expect(turn).toHaveAttribute('data-status', 'done', { timeout: 30_000 });
	const output = turn.getByTestId('console-output');
	await expect(output.locator('h2')).toHaveText('Result');
	await expect(output.locator('strong')).toHaveText('42');
	await expect(output.locator('p > code')).toHaveText('main.ts');
	await expect(output.locator('li')).toHaveText(['one', 'two']);
	await expect(output, 'no Markdown syntax left over').not.toContainText('**');
	// Still there a while after the end: the page keeps it, nothing is replaced.
	await page.waitForTimeout(1_500);
	await expect(output.locator('strong')).toHaveText('42');
	await expect(turn.getByTestId('console-abort')).toHaveCount(0);
	expect(agent.output()).toMatch(/done/);
	// On a phone the long command wraps inside the page: nothing scrolls sideways.
	await page.setViewportSize({ width: 390, height: 844 });
	await expect(output.locator('pre code')).toContainText('--code=ABCD-EFGH');
	const overflow = await page.evaluate(
		() => document.documentElement.scrollWidth - document.documentElement.clientWidth
	);
	expect(overflow, 'horizontal overflow at 390 px').toBeLessThanOrEqual(0);
	expect(csp.take()).toEqual([]);
});

test('Abort stops a running task; what it printed stays', async ({ browser }) => {
	const page = await openConsole(browser);
	const turn = await send(page, 'go slow please');
	const output = turn.getByTestId('console-output');
	await expect(output).toContainText('tick 3', { timeout: 30_000 });
	// One line per line, as the runner printed them (not run together into one paragraph).
	expect(await output.innerText()).toMatch(/tick 1\ntick 2\ntick 3/);
	await expect(turn).toHaveAttribute('data-status', 'running');
	expect(agent.runnerProcesses().length, 'the runner is running').toBeGreaterThan(0);

	await turn.getByTestId('console-abort').click();
	await expect(turn).toHaveAttribute('data-status', 'aborted', { timeout: 15_000 });
	await expect(turn.getByTestId('console-status')).toHaveText('Aborted');
	await expect
		.poll(() => agent.runnerProcesses(), { message: 'runner processes left', timeout: 8_000 })
		.toEqual([]);
	const shown = (await output.textContent()) ?? '';
	expect(shown).toContain('tick 1');
	expect(shown, 'stopped long before its 120 lines').not.toContain('tick 120');
	await page.waitForTimeout(1_000);
	expect(await output.textContent()).toBe(shown);
});

test('HTML and javascript: links in model output are shown, never run', async ({ browser }) => {
	const page = await openConsole(browser);
	const csp = watchCsp(page);
	let dialogs = 0;
	page.on('dialog', (dialog) => {
		dialogs++;
		void dialog.dismiss();
	});
	const turn = await send(page, 'xss attempt');
	await expect(turn).toHaveAttribute('data-status', 'done', { timeout: 30_000 });
	const output = turn.getByTestId('console-output');
	await expect(output.locator('h1')).toHaveText('Report');
	await expect(output.locator('strong')).toHaveText('still bold');
	// The markup arrives as text.
	await expect(output).toContainText('<script>window.__xss = "script"</script>');
	await expect(output).toContainText('<img src=x onerror="window.__xss = 1">');
	await expect(output.locator('script, img, iframe, [onerror]')).toHaveCount(0);
	await expect(output.locator('a[href^="javascript" i]')).toHaveCount(0);
	// The Markdown link keeps its text but loses its target.
	const link = output.getByRole('link', { name: 'click me' });
	await expect(link).toHaveAttribute('href', '');
	await page.waitForTimeout(300);
	expect(await page.evaluate(() => (window as { __xss?: unknown }).__xss)).toBeUndefined();
	expect(dialogs).toBe(0);
	expect(csp.take(), 'nothing even tried to run inline').toEqual([]);
});
