/**
 * Every page at a desktop size (1280×800) and a phone size (390×844): nothing wider than the
 * phone's screen, and the key pages compared with committed screenshots (with a tolerance).
 * The baselines are deterministic: fixed names and prompts, a user without a username (ids vary
 * per run), and everything that depends on the clock (times, the pairing code and its
 * countdown) masked.
 */
import type { Locator, Page } from '@playwright/test';
import { expect, test } from './support/fixtures.ts';
import type { RelayStack } from './support/stack.ts';
import { newTelegramUser, type TelegramUser } from './support/telegram-login.ts';
import { hydrated } from './support/hydration.ts';
import { expectNoHorizontalOverflow, PHONE } from './support/layout.ts';

const SIZES = [
	{ name: 'desktop', width: 1280, height: 800 },
	{ name: 'phone', ...PHONE }
] as const;

/** A user whose visible name is always "Ada" (the username would carry a per-run id). */
function ada(): TelegramUser {
	const { id } = newTelegramUser('Ada');
	return { id, first_name: 'Ada' };
}

/** A private-chat text message from `user`, as Telegram would POST it. */
function textMessage(user: TelegramUser, text: string, updateId: number) {
	return {
		update_id: updateId,
		message: {
			message_id: updateId,
			date: Math.floor(Date.now() / 1000),
			chat: { id: user.id, type: 'private', first_name: user.first_name },
			from: { id: user.id, is_bot: false, first_name: user.first_name },
			text
		}
	};
}

/** What changes from run to run (times, codes, the clock) is masked in screenshots. */
function volatile(page: Page): Locator[] {
	return [
		page.locator('time'),
		page.getByTestId('pairing-code'),
		page.getByTestId('countdown'),
		page.getByTestId('pairing-command'),
		page.getByTestId('live-state')
	];
}

/**
 * Checks `path` at both sizes; `shot` names the baseline screenshots (`<shot>-desktop.png`,
 * `<shot>-phone.png`), or null for a page checked for overflow only.
 */
async function checkPage(
	page: Page,
	path: string,
	shot: string | null,
	status = 200,
	ready?: () => Promise<void>
) {
	for (const size of SIZES) {
		await page.setViewportSize({ width: size.width, height: size.height });
		const response = await page.goto(path);
		expect(response?.status(), `status of ${path}`).toBe(status);
		await hydrated(page);
		await ready?.();
		await expect(page.locator('h1')).toHaveCount(1);
		expect(await page.title(), `title of ${path}`).toMatch(/\S.* — RemoteAgent$|^RemoteAgent — /);
		await expectNoHorizontalOverflow(page, `${path} at ${size.width}px`);
		if (shot) {
			await expect(page).toHaveScreenshot(`${shot}-${size.name}.png`, {
				fullPage: true,
				mask: volatile(page),
				maxDiffPixelRatio: 0.02
			});
		}
	}
}

test.describe('layout at 1280 and 390 px', () => {
	test('public pages: home, sign-in, a used or unknown sign-in link, downloads, 404', async ({
		page
	}) => {
		await checkPage(page, '/', 'home');
		// telegram.org is unreachable here: the widget fails and the bot's button takes its place.
		await checkPage(page, '/login', 'login', 200, () =>
			expect(page.getByTestId('widget-fallback')).toBeVisible()
		);
		await checkPage(page, '/login/link?token=not-a-real-token', null);
		await checkPage(page, '/download', null);
		await checkPage(page, '/no/such/page', 'not-found', 404);
		await expect(page).toHaveTitle('Page not found — RemoteAgent');
		await expect(page.getByRole('link', { name: 'Home' })).toHaveAttribute('href', '/');

		// The favicon is the logo, served by the app.
		const icon = await page.locator('link[rel=icon]').getAttribute('href');
		const response = await page.request.get(icon!);
		expect(response.status()).toBe(200);
		expect(response.headers()['content-type']).toMatch(/^image\/svg\+xml/);
		// What the Add-agent page polls answers only a signed-in account.
		const poll = await page.request.get('/agents/new/paired?since=2030-01-01T00:00:00Z');
		expect(poll.status()).toBe(401);
		// The current section is marked for assistive technology as well as drawn.
		await page.goto('/download');
		await expect(page.getByRole('link', { name: 'Download' })).toHaveAttribute(
			'aria-current',
			'page'
		);
		await expect(page.getByRole('link', { name: 'Sign in' })).not.toHaveAttribute(
			'aria-current',
			'page'
		);
	});

	test('signed-in pages: agents, an agent, Add agent, sessions, a session, team, 404, console, billing', async ({
		page,
		signedIn,
		relay,
		api
	}) => {
		test.setTimeout(90_000);
		const user = await signedIn(page, ada());
		await checkPage(page, '/agents', 'agents-empty');
		await checkPage(page, '/agents/new', null);
		await page.setViewportSize(PHONE);
		await page.getByRole('button', { name: 'Create pairing code' }).click();
		await expect(page.getByTestId('pairing-code')).toBeVisible();
		await expectNoHorizontalOverflow(page, 'Add agent with a code at 390px');
		await expect(page).toHaveScreenshot('agents-new-code-phone.png', {
			fullPage: true,
			mask: volatile(page),
			maxDiffPixelRatio: 0.02
		});
		const code = (await page.getByTestId('pairing-code').textContent())!.trim();
		const paired = await api().pairing.redeem.mutate({
			code,
			name: 'build-box',
			runner: 'claude-code',
			hostname: 'devbox'
		});
		await expect(page.getByTestId('paired')).toBeVisible();
		await expectNoHorizontalOverflow(page, 'Add agent, paired, at 390px');

		await checkPage(page, '/agents', 'agents');
		await checkPage(page, `/agents/${paired.agentId}`, 'agent');
		// Times read "just now", with the exact time on hover.
		const pairedAt = page.locator('dd time');
		await expect(pairedAt).toHaveText('just now');
		await expect(pairedAt).toHaveAttribute('title', /\d{1,2}:\d{2}:\d{2}/);
		await expect(pairedAt).toHaveAttribute('datetime', /^\d{4}-\d{2}-\d{2}T/);
		await checkPage(page, '/agents/agt_doesnotexist0000000000000', null, 404);

		await checkPage(page, '/sessions', 'sessions-empty');
		await postPrompt(relay, user, 'Explain what the layout test checks, in one paragraph', 1);
		await expect
			.poll(
				async () => (await page.goto('/sessions'), await page.getByTestId('session-row').count())
			)
			.toBe(1);
		await checkPage(page, '/sessions', 'sessions');
		const sessionId = await page.getByTestId('session-row').getAttribute('data-session-id');
		await checkPage(page, `/sessions/${sessionId}`, 'session', 200, () =>
			expect(page.getByTestId('live-state')).toHaveAttribute('data-state', 'live')
		);
		await expect(page.getByTestId('abort')).toBeVisible();
		await checkPage(page, `/agents/${paired.agentId}`, 'agent-with-session');
		await checkPage(page, '/team', 'team');
		// Pages other specs take through their flows; here: both sizes, a title, no overflow.
		await checkPage(page, '/console', null);
		await checkPage(page, '/billing', null);
	});
});

async function postPrompt(relay: RelayStack, user: TelegramUser, text: string, n: number) {
	const updateId = 950_000 + ((user.id * 10 + n) % 1_000_000);
	expect((await relay.postUpdate(textMessage(user, text, updateId))).status).toBe(200);
}

test('long names, hosts and prompts wrap instead of widening the phone page', async ({
	page,
	signedIn,
	relay,
	api
}) => {
	const user = await signedIn(page, { ...newTelegramUser('Maximiliane'), username: undefined });
	await page.goto('/agents/new');
	await page.getByRole('button', { name: 'Create pairing code' }).click();
	const code = (await page.getByTestId('pairing-code').textContent())!.trim();
	const paired = await api().pairing.redeem.mutate({
		code,
		name: 'a'.repeat(40),
		runner: 'custom',
		hostname: `build-${'x'.repeat(120)}.internal.example.com`
	});
	await postPrompt(relay, user, `Refactor ${'src/lib/server/'.repeat(12)}and keep going`, 2);
	await expect
		.poll(async () => (await page.goto('/sessions'), await page.getByTestId('session-row').count()))
		.toBe(1);
	const sessionId = await page.getByTestId('session-row').getAttribute('data-session-id');
	await page.setViewportSize(PHONE);
	for (const path of [
		'/agents',
		`/agents/${paired.agentId}`,
		'/sessions',
		`/sessions/${sessionId}`
	]) {
		await page.goto(path);
		await hydrated(page);
		await expectNoHorizontalOverflow(page, `${path} with long values at 390px`);
	}
});
