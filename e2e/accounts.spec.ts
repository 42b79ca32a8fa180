/**
 * Accounts: Telegram Login, pairing an agent from the dashboard, managing and revoking it,
 * logout, the bot's one-time sign-in link, and basic accessibility of those pages.
 */
import { join } from 'node:path';
import type { Page } from '@playwright/test';
import { domainCodeOf } from '../shared/src/errors.ts';
import { expect, test } from './support/fixtures.ts';
import { hydrated } from './support/hydration.ts';
import { WIDGET_SCRIPT } from './support/telegram-widget.ts';
import { newTelegramUser, signedPayload, submitWidgetPayload } from './support/telegram-login.ts';

const SESSION_COOKIE = 'ra_session';

/** The domain code a rejected tRPC call carried (null when it did not fail). */
async function domainCodeOfFailure(call: Promise<unknown>): Promise<string | null> {
	return call.then(
		() => null,
		(error: unknown) => domainCodeOf(error) ?? `no domain code: ${String(error)}`
	);
}

test.describe('Telegram Login', () => {
	test('a correctly signed widget payload signs in and lands on /agents', async ({
		page,
		context,
		signedIn
	}) => {
		const user = await signedIn();
		await expect(page.getByRole('heading', { level: 1 })).toHaveText('Your agents');
		await expect(page.getByRole('button', { name: `Sign out ${user.first_name}` })).toBeVisible();
		const cookie = (await context.cookies()).find((c) => c.name === SESSION_COOKIE);
		expect(cookie).toMatchObject({ httpOnly: true, sameSite: 'Lax', path: '/' });
	});

	test('a forged or stale payload shows the error and starts no session', async ({
		page,
		relay,
		context
	}) => {
		const forged = signedPayload(newTelegramUser(), relay.botToken);
		forged.id = String(Number(forged.id) + 1); // someone else's id under the first one's signature
		await submitWidgetPayload(page, forged);
		await expect(page.getByRole('alert')).toHaveText(
			'The sign-in data was not signed by Telegram for this bot.'
		);

		const twoDaysAgo = Math.floor(Date.now() / 1000) - 2 * 86_400;
		await submitWidgetPayload(
			page,
			signedPayload(newTelegramUser(), relay.botToken, { authDate: twoDaysAgo })
		);
		await expect(page.getByRole('alert')).toHaveText(
			'That sign-in is too old. Please sign in again.'
		);

		expect((await context.cookies()).map((c) => c.name)).not.toContain(SESSION_COOKIE);
		await page.goto('/agents');
		await expect(page).toHaveURL(/\/login\?next=%2Fagents$/);
	});
});

test.describe.serial('pairing an agent from the dashboard', () => {
	const owner = newTelegramUser('Grace');
	let code = '';
	let token = '';

	test('a code shown on "Add agent" pairs an agent through the API', async ({
		page,
		signedIn,
		baseURL,
		api
	}, testInfo) => {
		await signedIn(page, owner);
		await page.getByRole('link', { name: 'Add agent' }).click();
		await expect(page).toHaveURL(/\/agents\/new$/);
		await page.getByRole('button', { name: 'Create pairing code' }).click();

		const shown = page.getByTestId('pairing-code');
		await expect(shown).toHaveText(/^[A-Z0-9]{4}-[A-Z0-9]{4}$/);
		code = (await shown.textContent())!.trim();
		const countdown = page.getByTestId('countdown');
		await expect(countdown).toHaveText(/^9:5\d$/);
		const first = await countdown.textContent();
		await expect(countdown, 'the countdown ticks').not.toHaveText(first!);
		// …but is not read out every second: no live region holds it.
		expect(
			await countdown.evaluate((el) => el.closest('[aria-live], [role=status], [role=alert]'))
		).toBeNull();
		const command = page.getByTestId('pairing-command');
		await expect(command).toContainText(`--server ${baseURL}`);
		await expect(command).toContainText(`--code ${code}`);

		const screenshot = join(testInfo.project.outputDir, 'agents-new.png');
		await page.screenshot({ path: screenshot, fullPage: true });
		await testInfo.attach('agents-new', { path: screenshot, contentType: 'image/png' });

		const paired = await api().pairing.redeem.mutate({
			code,
			name: 'build-box',
			runner: 'claude-code',
			hostname: 'devbox'
		});
		expect(paired.name).toBe('build-box');
		token = paired.token;

		// The page notices the pairing by itself and moves on to the first prompt.
		await expect(page.getByTestId('paired')).toContainText('build-box is paired');
		await expect(page.getByTestId('paired')).toContainText('devbox');
		await expect(page.getByTestId('pairing-announcement')).toHaveText('Paired: build-box.');
		await expect(page.getByRole('heading', { name: 'Send your first prompt' })).toBeVisible();
		await expect(page.getByTestId('message-bot')).toHaveAttribute(
			'href',
			/^https:\/\/t\.me\/e2e_relay_bot$/
		);
		await expect(page.getByTestId('pairing-code')).toHaveCount(0);

		await page.goto('/agents');
		const row = page.getByTestId('agent-row');
		await expect(row).toHaveCount(1);
		await expect(row).toContainText('build-box');
		await expect(row).toContainText('devbox');
		await expect(row).toContainText('claude-code');
		await expect(row).toContainText('offline');
	});

	test('the same code cannot be redeemed twice', async ({ api }) => {
		const again = api().pairing.redeem.mutate({ code, name: 'second-box', runner: 'codex' });
		expect(await domainCodeOfFailure(again)).toBe('PAIRING_CODE_USED');
	});

	test('the agent page renames it, and revoking it (after a confirm dialog) revokes its token', async ({
		page,
		signedIn,
		api
	}) => {
		expect(await api(token).agent.me.query()).toMatchObject({ name: 'build-box' });
		await signedIn(page, owner);
		await page.getByTestId('agent-row').getByRole('link', { name: 'Manage build-box' }).click();
		await expect(page).toHaveURL(/\/agents\/agt_\w+$/);
		await hydrated(page);
		await expect(page.getByTestId('agent-name')).toHaveText('build-box');
		await expect(page.getByTestId('agent-runner')).toHaveText('claude-code');
		await expect(page.getByTestId('agent-last-seen')).toHaveText('never');
		await expect(page.getByTestId('permission-mode')).toHaveText('not reported by the agent');
		await expect(page.getByTestId('no-sessions')).toBeVisible();

		await page.getByRole('textbox', { name: 'Name' }).fill('laptop');
		await page.getByRole('button', { name: 'Rename' }).click();
		await expect(page.getByRole('status')).toHaveText('Renamed to laptop.');
		await expect(page.getByTestId('agent-name')).toHaveText('laptop');
		await page.reload();
		await hydrated(page);
		await expect(page.getByTestId('agent-name')).toHaveText('laptop');

		// Cancel in the dialog keeps the agent.
		const dialog = page.getByTestId('revoke-dialog');
		await page.getByRole('button', { name: 'Revoke…' }).click();
		await expect(dialog).toBeVisible();
		await expect(dialog.getByRole('heading')).toHaveText('Revoke laptop?');
		await dialog.getByRole('button', { name: 'Cancel' }).click();
		await expect(dialog).toBeHidden();
		expect(await api(token).agent.me.query()).toMatchObject({ name: 'laptop' });

		await page.getByRole('button', { name: 'Revoke…' }).click();
		await dialog.getByRole('button', { name: 'Revoke laptop' }).click();
		await expect(page).toHaveURL(/\/agents\?revoked=laptop$/);
		await expect(page.getByRole('status')).toHaveText(
			'Agent laptop deleted: its token no longer works.'
		);
		await expect(page.getByTestId('agent-row')).toHaveCount(0);
		expect(await domainCodeOfFailure(api(token).agent.me.query())).toBe('AGENT_REVOKED');
	});
});

test('logout ends the session on the server, not just in the browser', async ({
	page,
	context,
	browser,
	baseURL,
	signedIn
}) => {
	const user = await signedIn();
	const cookie = (await context.cookies()).find((c) => c.name === SESSION_COOKIE);
	expect(cookie, 'session cookie after sign-in').toBeDefined();

	// The same cookie value works from another browser while the session lives…
	const other = await browser.newContext({ baseURL });
	await other.addCookies([cookie!]);
	const otherPage = await other.newPage();
	await otherPage.goto('/agents');
	await expect(otherPage).toHaveURL(/\/agents$/);

	await page.getByRole('button', { name: `Sign out ${user.first_name}` }).click();
	await expect(page).toHaveURL(/\/$/);
	await expect(page.getByRole('link', { name: 'Sign in', exact: true })).toBeVisible();
	expect((await context.cookies()).map((c) => c.name)).not.toContain(SESSION_COOKIE);

	// …and not after logout, although that browser still holds it.
	await otherPage.goto('/agents');
	await expect(otherPage).toHaveURL(/\/login\?next=%2Fagents$/);
	await other.close();
});

test("the bot's one-time sign-in link works once", async ({ page, relay }) => {
	const user = newTelegramUser('Linus');
	const updateId = 900_000 + (user.id % 100_000);
	const sent = await relay.postUpdate({
		update_id: updateId,
		message: {
			message_id: 1,
			date: Math.floor(Date.now() / 1000),
			chat: { id: user.id, type: 'private', first_name: user.first_name },
			from: { id: user.id, is_bot: false, first_name: user.first_name, username: user.username },
			text: '/login',
			entities: [{ type: 'bot_command', offset: 0, length: 6 }]
		}
	});
	expect(sent.status).toBe(200);

	// Whatever the bot answers, so a wrong answer fails with its text rather than a timeout.
	const reply = await relay.telegram.waitFor(() => relay.telegram.messages(user.id)[0]);
	expect(reply.text, "the bot's answer to /login").toMatch(/^Your sign-in link/);
	const link = /https?:\/\/\S+/.exec(reply.text ?? '')?.[0];
	expect(link, "a sign-in link in the bot's reply").toMatch(
		/^http:\/\/127\.0\.0\.1:\d+\/login\/link\?token=/
	);

	await page.goto(link!);
	await page.getByRole('button', { name: 'Sign in' }).click();
	await expect(page).toHaveURL(/\/agents$/);
	await expect(page.getByRole('button', { name: `Sign out ${user.first_name}` })).toBeVisible();

	// Used: the page says so at once and offers no Sign-in button, only a way to a new link.
	await page.goto(link!);
	await expect(page.getByRole('alert')).toHaveText(
		'This sign-in link was already used. Send /login to the bot for a new one.'
	);
	await expect(page.getByRole('button', { name: 'Sign in' })).toHaveCount(0);
	await expect(page.getByRole('link', { name: /Get a new link/ })).toHaveAttribute(
		'href',
		'https://t.me/e2e_relay_bot?start=login'
	);
});

test('when the Login Widget cannot load, the sign-in page offers the bot instead', async ({
	page
}) => {
	// telegram.org does not resolve in these tests (playwright.config.ts): the script fails.
	await page.goto('/login');
	const fallback = page.getByTestId('widget-fallback');
	await expect(fallback).toBeVisible();
	await expect(fallback.getByRole('link', { name: 'Sign in with @e2e_relay_bot' })).toHaveAttribute(
		'href',
		'https://t.me/e2e_relay_bot?start=login'
	);
	// The "no public domain?" card links to the bot too.
	await expect(page.getByTestId('bot-login-link')).toHaveAttribute(
		'href',
		'https://t.me/e2e_relay_bot?start=login'
	);
});

test('a widget script that loads but draws nothing also leads to the bot', async ({ page }) => {
	// A blocker that answers with an empty script: no error event, just no button.
	await page.route(`${WIDGET_SCRIPT}*`, (route) =>
		route.fulfill({ status: 200, contentType: 'application/javascript', body: '' })
	);
	await page.clock.install();
	await page.goto('/login');
	await hydrated(page);
	const fallback = page.getByTestId('widget-fallback');
	await page.clock.runFor(5_000);
	await expect(fallback).toHaveCount(0);
	await page.clock.runFor(4_000);
	await expect(fallback).toBeVisible();
});

test.describe('accessibility basics', () => {
	/** Every visible form control has an accessible name. */
	async function expectNamedControls(page: Page) {
		const controls = page
			.locator('input:not([type=hidden]), select, textarea, button')
			.filter({ visible: true });
		const count = await controls.count();
		for (let i = 0; i < count; i++) {
			await expect(controls.nth(i), `control #${i} on ${page.url()}`).toHaveAccessibleName(/\S/);
		}
		return count;
	}

	test('the login page has a main landmark and named controls', async ({ page }) => {
		await page.goto('/login');
		await expect(page.getByRole('main')).toHaveCount(1);
		await expect(page.getByRole('navigation', { name: 'Main' })).toBeVisible();
		await expect(page.getByRole('heading', { level: 1 })).toHaveText('Sign in');
		// The widget is an iframe from telegram.org (blocked here); its container is labelled.
		await expect(page.getByRole('link', { name: 'Sign in', exact: true })).toHaveAttribute(
			'aria-current',
			'page'
		);
		await expect(page.getByLabel('Telegram login')).toHaveCount(1);
		await expectNamedControls(page);
	});

	test('a keyboard user can create a pairing code; the agents page has named controls', async ({
		page,
		signedIn,
		api
	}) => {
		await signedIn();
		await expect(page.getByRole('main')).toHaveCount(1);
		await page.goto('/agents/new');
		await hydrated(page);
		await expect(page.getByRole('main')).toHaveCount(1);

		const target = page.getByRole('button', { name: 'Create pairing code' });
		let reached = false;
		for (let presses = 0; presses < 15 && !reached; presses++) {
			await page.keyboard.press('Tab');
			reached = await target.evaluate((el) => el === document.activeElement);
		}
		expect(reached, 'Tab reaches "Create pairing code"').toBe(true);
		await page.keyboard.press('Enter');
		await expect(page.getByTestId('pairing-code')).toBeVisible();
		const code = (await page.getByTestId('pairing-code').textContent())!.trim();

		await api().pairing.redeem.mutate({ code, name: 'a11y-box', runner: 'aider' });
		await page.goto('/agents');
		await expect(page.getByTestId('agent-row')).toHaveCount(1);
		await expectNamedControls(page);
		await page.getByRole('link', { name: 'Manage a11y-box' }).click();
		await hydrated(page);
		// Sign out, the name field, Rename, Revoke… (the dialog's own controls are hidden).
		expect(await expectNamedControls(page)).toBeGreaterThanOrEqual(4);
		await page.getByRole('button', { name: 'Revoke…' }).click();
		await expect(page.getByTestId('revoke-dialog').getByRole('button')).toHaveCount(2);
		await expectNamedControls(page);
	});
});
