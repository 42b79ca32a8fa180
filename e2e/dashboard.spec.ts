/**
 * The dashboard's sessions and downloads: a session created through the bot is listed, its live
 * view shows the output an agent sends through `session.output`, another account gets a 404,
 * and /download offers the binaries of a DOWNLOADS_DIR with their checksums.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from '../web/test/harness/ports.ts';
import { ScriptedAgent } from '../web/test/harness/scripted-agent.ts';
import { SERVER_ENTRY, WEB_DIR } from './support/build.ts';
import { expect, test } from './support/fixtures.ts';
import { expectNoHorizontalOverflow, PHONE } from './support/layout.ts';
import type { RelayStack } from './support/stack.ts';
import { newTelegramUser, type TelegramUser } from './support/telegram-login.ts';

/** A private-chat text message from `user`, as Telegram would POST it. */
function textMessage(user: TelegramUser, text: string) {
	const id = 800_000 + (user.id % 100_000);
	return {
		update_id: id,
		message: {
			message_id: id,
			date: Math.floor(Date.now() / 1000),
			chat: { id: user.id, type: 'private', first_name: user.first_name },
			from: { id: user.id, is_bot: false, first_name: user.first_name, username: user.username },
			text
		}
	};
}

test.describe('sessions', () => {
	test('a prompt sent to the bot is listed, and its live view shows the agent’s output', async ({
		page,
		signedIn,
		relay,
		api,
		browser,
		baseURL
	}, testInfo) => {
		const user = await signedIn(page, newTelegramUser('Dora'));
		await page.goto('/agents/new');
		await page.getByRole('button', { name: 'Create pairing code' }).click();
		const code = (await page.getByTestId('pairing-code').textContent())!.trim();
		const paired = await api().pairing.redeem.mutate({
			code,
			name: 'dash-box',
			runner: 'claude-code'
		});
		const agent = new ScriptedAgent(api(paired.token));
		agent.connect();
		try {
			const prompt = 'Explain what the sessions page shows';
			expect((await relay.postUpdate(textMessage(user, prompt))).status).toBe(200);
			await agent.until(() => agent.prompts().length > 0, 10_000, 'the prompt reaches the agent');
			const { sessionId } = agent.prompts()[0]!;

			await page.getByRole('link', { name: 'Sessions' }).click();
			await expect(page.getByRole('heading', { level: 1 })).toHaveText('Sessions');
			const row = page.locator(`[data-testid="session-row"][data-session-id="${sessionId}"]`);
			await expect(row).toContainText(prompt);
			await expect(row).toContainText('dash-box');
			await expect(row).toContainText(`@${user.username}`); // the bot names senders by username
			await expect(row.getByTestId('session-status')).toHaveAttribute('data-status', 'queued');
			for (const [name, width] of [
				['sessions-list', 1280],
				['sessions-list-phone', 390]
			] as const) {
				await page.setViewportSize({ width, height: 800 });
				const path = join(testInfo.project.outputDir, `${name}.png`);
				await page.screenshot({ path, fullPage: true });
				await testInfo.attach(name, { path, contentType: 'image/png' });
			}
			await page.setViewportSize({ width: 1280, height: 720 });

			// The status filter is a plain GET form.
			await page.getByLabel('Status').selectOption('done');
			await page.getByRole('button', { name: 'Filter' }).click();
			await expect(page).toHaveURL(/\/sessions\?status=done$/);
			await expect(row).toHaveCount(0);
			await page.goto('/sessions?status=queued');
			await expect(row).toHaveCount(1);

			await agent.client.session.start.mutate({ sessionId, instance: 'e2e-dashboard-instance' });
			await page.goto('/sessions');
			await row.getByRole('link', { name: /^Watch live/ }).click();
			await expect(page).toHaveURL(new RegExp(`/sessions/${sessionId}$`));
			await expect(page.getByTestId('session-preview')).toHaveText(prompt);
			const state = page.getByTestId('live-state');
			await expect(state).toHaveAttribute('data-state', 'live');

			const output = page.getByTestId('live-output');
			await agent.client.session.output.mutate({
				sessionId,
				seq: 0,
				text: 'Reading src/routes…\n'
			});
			await expect(output).toHaveText('Reading src/routes…\n');
			await agent.client.session.output.mutate({
				sessionId,
				seq: 1,
				text: 'The list has **50 rows**.'
			});
			// Markdown, as in Telegram and the console.
			await expect(output).toHaveText('Reading src/routes…\nThe list has 50 rows.');
			await expect(output.locator('strong')).toHaveText('50 rows');

			// A Markdown table on a phone keeps its header row (the dashboard's own tables turn
			// into labelled cards there) and scrolls inside itself, not the page.
			await page.setViewportSize(PHONE);
			await agent.client.session.output.mutate({
				sessionId,
				seq: 2,
				text:
					'\n\n| file | lines | note |\n|---|---|---|\n' +
					'| src/routes/+page.svelte | 120 | renders the list |\n' +
					'| src/lib/server/sessions/listing.ts | 240 | pagination_cursor_for_the_next_page_of_results |\n'
			});
			const header = output.locator('th');
			await expect(header).toHaveText(['file', 'lines', 'note']);
			for (const cell of await header.all()) await expect(cell).toBeVisible();
			const firstRow = output.locator('tbody tr').first().locator('td');
			const [headerBox, cellBox] = [
				await header.nth(1).boundingBox(),
				await firstRow.nth(1).boundingBox()
			];
			expect(cellBox!.x, 'the second column lines up under its header').toBeCloseTo(
				headerBox!.x,
				0
			);
			await expectNoHorizontalOverflow(page, 'session page with a Markdown table');
			await page.setViewportSize({ width: 1280, height: 720 });

			await agent.client.session.finish.mutate({
				sessionId,
				status: 'done',
				reason: null,
				durationMs: 1_000
			});
			await expect(state).toHaveAttribute('data-state', 'ended');
			await expect(state).toContainText('Done');
			// The metadata refreshes from the database; what arrived stays on screen.
			await expect(page.locator('dl').getByTestId('session-status')).toHaveAttribute(
				'data-status',
				'done'
			);
			await expect(output).toContainText('The list has 50 rows.');

			const screenshot = join(testInfo.project.outputDir, 'session-live.png');
			await page.screenshot({ path: screenshot, fullPage: true });
			await testInfo.attach('session-live', { path: screenshot, contentType: 'image/png' });

			// Reopened after the end: the status, and no output (the relay kept none).
			await page.reload();
			await expect(page.getByTestId('live-output')).toHaveCount(0);
			await expect(page.getByText('The relay does not keep output')).toBeVisible();

			// Another account cannot see it.
			const other = await browser.newContext({ baseURL });
			const otherPage = await other.newPage();
			await signedIn(otherPage, newTelegramUser('Eve'));
			const response = await otherPage.goto(`/sessions/${sessionId}`);
			expect(response?.status()).toBe(404);
			await otherPage.goto('/sessions');
			await expect(otherPage.getByTestId('session-row')).toHaveCount(0);
			await other.close();
		} finally {
			agent.disconnect();
		}
	});
});

test.describe('live view', () => {
	test('Abort stops the task through the agent, and the output stays on screen after the end', async ({
		page,
		signedIn,
		relay,
		api
	}) => {
		const user = await signedIn(page, newTelegramUser('Ines'));
		await page.goto('/agents/new');
		await page.getByRole('button', { name: 'Create pairing code' }).click();
		const code = (await page.getByTestId('pairing-code').textContent())!.trim();
		const paired = await api().pairing.redeem.mutate({ code, name: 'abort-box', runner: 'aider' });
		const agent = new ScriptedAgent(api(paired.token));
		agent.connect();
		try {
			expect((await relay.postUpdate(textMessage(user, 'Run the long migration'))).status).toBe(
				200
			);
			await agent.until(() => agent.prompts().length > 0, 10_000, 'the prompt reaches the agent');
			const { sessionId } = agent.prompts()[0]!;
			await agent.client.session.start.mutate({ sessionId, instance: 'e2e-abort-instance' });

			await page.goto(`/sessions/${sessionId}`);
			const state = page.getByTestId('live-state');
			await expect(state).toHaveAttribute('data-state', 'live');
			const output = page.getByTestId('live-output');
			await agent.client.session.output.mutate({ sessionId, seq: 0, text: 'Step 1 of 40 done\n' });
			await expect(output).toHaveText('Step 1 of 40 done\n');

			const abort = page.getByTestId('abort');
			await abort.click();
			await expect(abort).toHaveText('Stopping…');
			await expect(abort).toBeDisabled();
			await agent.until(
				() =>
					agent.received.some(
						(r) => r.command.type === 'abort' && r.command.sessionId === sessionId
					),
				10_000,
				'the abort command reaches the agent'
			);
			await agent.client.session.finish.mutate({
				sessionId,
				status: 'aborted',
				reason: null,
				durationMs: 2_000
			});
			await expect(state).toHaveAttribute('data-state', 'ended');
			await expect(state).toContainText('Aborted');
			await expect(abort).toHaveCount(0);
			// What arrived is still there to read.
			await expect(output).toHaveText('Step 1 of 40 done\n');
			const badge = page.locator('dl').getByTestId('session-status');
			await expect(badge).toHaveAttribute('data-status', 'aborted');
			// Drawn, not an emoji: no emoji font needed.
			await expect(badge.locator('svg')).toHaveCount(1);
			expect(await badge.textContent()).not.toMatch(/\p{Extended_Pictographic}/u);
		} finally {
			agent.disconnect();
		}
	});
});

async function startDownloadsApp(relay: RelayStack, downloadsDir: string) {
	const dataDir = await mkdtemp(join(tmpdir(), 'e2e-downloads-data-'));
	const port = await freePort();
	const url = `http://127.0.0.1:${port}`;
	const child: ChildProcess = spawn(process.execPath, [SERVER_ENTRY], {
		cwd: WEB_DIR,
		stdio: 'ignore',
		env: {
			PATH: process.env.PATH ?? '/usr/bin:/bin',
			HOME: process.env.HOME ?? tmpdir(),
			NODE_ENV: 'production',
			HOST: '127.0.0.1',
			PORT: String(port),
			ORIGIN: url,
			PUBLIC_URL: url,
			DATA_DIR: dataDir,
			DOWNLOADS_DIR: downloadsDir,
			UPSTASH_REDIS_REST_URL: relay.upstash.url,
			UPSTASH_REDIS_REST_TOKEN: relay.upstash.token,
			AGENT_JWT_SECRET: randomBytes(36).toString('base64'),
			LOG_LEVEL: 'error',
			// adapter-node otherwise waits up to 30 s for the browser's keep-alive connections.
			SHUTDOWN_TIMEOUT: '1'
		}
	});
	const stop = async () => {
		if (child.exitCode === null && child.signalCode === null) {
			await new Promise((resolve) => {
				const force = setTimeout(() => child.kill('SIGKILL'), 5_000);
				child.once('exit', () => resolve(clearTimeout(force)));
				child.kill('SIGTERM');
			});
		}
		await rm(dataDir, { recursive: true, force: true });
	};
	const deadline = Date.now() + 30_000;
	for (;;) {
		const ok = await fetch(`${url}/healthz`).then(
			(r) => r.ok,
			() => false
		);
		if (ok) return { url, stop };
		if (child.exitCode !== null || Date.now() > deadline) {
			await stop();
			throw new Error(`the downloads app did not start (exit ${child.exitCode})`);
		}
		await new Promise((resolve) => setTimeout(resolve, 100));
	}
}

test('the download page lists the built binaries and serves them with their checksum', async ({
	page,
	relay
}) => {
	test.setTimeout(60_000);
	const dir = await mkdtemp(join(tmpdir(), 'e2e-downloads-'));
	const app = await startDownloadsApp(relay, dir);
	try {
		// Nothing built yet: the page says so and how to build or run from source.
		await page.goto(`${app.url}/download`);
		await expect(page.getByTestId('no-downloads')).toContainText(
			'pnpm --filter @remoteagent/agent compile'
		);
		await expect(page.getByTestId('no-downloads')).toContainText('DENORT_BIN');
		await expect(page.getByTestId('no-downloads')).toContainText(
			`pnpm -w agent init --server ${app.url}`
		);

		const file = 'remoteagent-x86_64-unknown-linux-gnu';
		const binary = randomBytes(300_000);
		const sha256 = createHash('sha256').update(binary).digest('hex');
		await writeFile(join(dir, file), binary);
		await writeFile(join(dir, 'remoteagent-aarch64-apple-darwin'), 'built, but not in SHA256SUMS');
		await writeFile(join(dir, 'SHA256SUMS'), `${sha256}  ${file}\n`);

		await page.reload();
		const rows = page.getByTestId('download-row');
		await expect(rows).toHaveCount(1);
		await expect(rows).toContainText('Linux x86_64');
		await expect(rows).toContainText('293.0 KB');
		await expect(rows.getByTestId('sha256')).toHaveText(sha256);
		await expect(page.getByTestId('install-command')).toHaveText(
			`curl -fsSL ${app.url}/download/${file} -o remoteagent && chmod +x remoteagent && sudo mv remoteagent /usr/local/bin/`
		);
		await expect(page.getByTestId('verify-command')).toContainText(
			`echo "${sha256}  remoteagent" | sha256sum -c -`
		);
		await expect(page.getByTestId('npm-install-command')).toHaveCount(0);
		// On a phone the table becomes cards and the long commands and checksums wrap.
		await page.setViewportSize({ width: 390, height: 844 });
		const width = await page.evaluate(() => [
			document.documentElement.scrollWidth,
			document.documentElement.clientWidth
		]);
		expect(width[0], 'page width at 390 px').toBeLessThanOrEqual(width[1]!);
		await page.setViewportSize({ width: 1280, height: 720 });

		const [download] = await Promise.all([
			page.waitForEvent('download'),
			rows.getByRole('link', { name: file }).click()
		]);
		expect(download.suggestedFilename()).toBe(file);
		const saved = await readFile((await download.path())!);
		expect(createHash('sha256').update(saved).digest('hex')).toBe(sha256);

		const response = await fetch(`${app.url}/download/${file}`);
		expect(response.status).toBe(200);
		expect(response.headers.get('content-length')).toBe(String(binary.length));
		expect(response.headers.get('content-disposition')).toBe(`attachment; filename="${file}"`);
		expect(response.headers.get('x-checksum-sha256')).toBe(sha256);
		expect(Buffer.from(await response.arrayBuffer()).equals(binary)).toBe(true);

		for (const name of [
			'remoteagent-aarch64-apple-darwin',
			'SHA256SUMS',
			'..%2F..%2Fetc%2Fpasswd',
			'remoteagent-x%2F..%2F..'
		]) {
			expect((await fetch(`${app.url}/download/${name}`)).status, name).toBe(404);
		}

		// The npm package (deno task pack) is offered with its one-command install.
		const tgz = 'remoteagent-0.1.0.tgz';
		const packed = randomBytes(1000);
		const packedSha = createHash('sha256').update(packed).digest('hex');
		await writeFile(join(dir, tgz), packed);
		await writeFile(join(dir, 'SHA256SUMS'), `${sha256}  ${file}\n${packedSha}  ${tgz}\n`);
		await page.reload();
		await expect(page.getByTestId('download-row')).toHaveCount(2);
		await expect(page.getByTestId('npm-install-command')).toHaveText(
			`npm i -g ${app.url}/download/${tgz}`
		);
		const served = await fetch(`${app.url}/download/${tgz}`);
		expect(served.headers.get('x-checksum-sha256')).toBe(packedSha);
		expect(Buffer.from(await served.arrayBuffer()).equals(packed)).toBe(true);
	} finally {
		await app.stop();
		await rm(dir, { recursive: true, force: true });
	}
});
