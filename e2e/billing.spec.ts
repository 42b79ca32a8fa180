/**
 * Billing in the browser: the app runs with the Stripe stand-in (the real `stripe` SDK pointed at
 * it) on PostgreSQL, so a test can move an account's trial end the way time would. A trial user
 * upgrades through the stand-in's Checkout page and sees the plan the webhook applied; a user
 * over a limit is told why pairing is refused; an ended trial's prompt gets the billing message.
 */
import { join } from 'node:path';
import { textUpdate } from '../web/test/harness/accounts.ts';
import { startPostgres } from '../web/test/harness/postgres.ts';
import {
	billingConfig,
	createFakeStripe,
	STANDIN_PRICES,
	type FakeStripe
} from '../web/test/harness/stripe-api.ts';
import { createDb, type DbHandle } from '../web/src/lib/server/db/index.ts';
import {
	accountOfTelegramUser,
	sessionsOfAccount,
	setTrialEnd
} from '../web/test/harness/billing-rows.ts';
import { test as base, expect } from './support/fixtures.ts';
import { hydrated } from './support/hydration.ts';
import { startRelayStack } from './support/stack.ts';
import type { TelegramUser } from './support/telegram-login.ts';

interface Billing {
	stripe: FakeStripe;
	/** The app's database, for reading account rows and moving a trial's end. */
	db: DbHandle['db'];
	/** DATABASE_URL and DATABASE_WS_PROXY of that database, for the app. */
	databaseEnv: Record<string, string>;
}

const test = base.extend<object, { billing: Billing }>({
	billing: [
		// eslint-disable-next-line no-empty-pattern
		async ({}, use) => {
			const postgres = await startPostgres();
			const stripe = await createFakeStripe();
			const handle = await createDb({
				databaseUrl: postgres.databaseUrl,
				dataDir: '',
				neon: { wsProxy: postgres.wsProxy, insecure: true }
			});
			try {
				await use({
					stripe,
					db: handle.db,
					databaseEnv: {
						DATABASE_URL: postgres.databaseUrl,
						DATABASE_WS_PROXY: postgres.wsProxy
					}
				});
			} finally {
				await handle.close();
				await stripe.close();
				await postgres.stop();
			}
		},
		{ scope: 'worker', timeout: 90_000 }
	],
	relay: [
		async ({ billing }, use, workerInfo) => {
			const stack = await startRelayStack({
				logFile: join(workerInfo.project.outputDir, `app-billing-${workerInfo.workerIndex}.log`),
				env: { ...billingConfig(billing.stripe), ...billing.databaseEnv }
			});
			try {
				billing.stripe.webhookUrl = `${stack.baseURL}/api/stripe/webhook`;
				await use(stack);
			} finally {
				await stack.stop();
			}
		},
		{ scope: 'worker', timeout: 90_000 }
	]
});

const account = (db: Billing['db'], who: TelegramUser) => accountOfTelegramUser(db, who.id);

test('a trial user upgrades through the stand-in checkout and sees the new plan', async ({
	page,
	signedIn,
	billing
}) => {
	const who = await signedIn();
	await page.goto('/billing');
	await hydrated(page);
	await expect(page.getByTestId('current-plan')).toHaveText('Trial');
	await expect(page.getByTestId('trial-left')).toContainText('14 days of trial left');
	await expect(page.getByTestId('usage-agents')).toHaveText('Agents: 0 of 2');

	// Stripe's success URL without a verified event: "processing…", and the account is unchanged.
	const before = await account(billing.db, who);
	await page.goto('/billing?checkout=done');
	await expect(page.getByTestId('processing')).toBeVisible();
	await expect(page.getByTestId('current-plan')).toHaveText('Trial');
	expect(await account(billing.db, who)).toEqual(before);

	await page.goto('/billing');
	await hydrated(page);
	await page.getByRole('button', { name: 'Upgrade to Pro' }).click();
	await expect(page).toHaveURL(new RegExp(`^${billing.stripe.apiBase}/c/pay/cs_test_`));
	await page.getByRole('button', { name: 'Subscribe' }).click();
	await expect(page).toHaveURL(/\/billing\?checkout=done$/);
	await expect(page.getByTestId('current-plan')).toHaveText('Pro', { timeout: 15_000 });
	await expect(page.getByTestId('processing')).toHaveCount(0);
	await expect(page.getByTestId('usage-agents')).toHaveText('Agents: 0 of unlimited');
	await expect(page.getByRole('button', { name: 'Manage billing' })).toBeVisible();
	expect(await account(billing.db, who)).toMatchObject({
		plan: 'pro',
		subscriptionStatus: 'active',
		stripeCustomerId: expect.stringMatching(/^cus_/)
	});

	// The page fits a phone.
	await page.setViewportSize({ width: 390, height: 800 });
	await page.reload();
	await hydrated(page);
	const overflow = await page.evaluate(
		() => document.documentElement.scrollWidth - document.documentElement.clientWidth
	);
	expect(overflow).toBeLessThanOrEqual(0);
});

test('a user over a limit sees why pairing is refused', async ({ page, signedIn, api }) => {
	await signedIn();
	for (const name of ['first-box', 'second-box']) {
		await page.goto('/agents/new');
		await hydrated(page);
		await page.getByRole('button', { name: /Create (a new code|pairing code)/ }).click();
		const code = (await page.getByTestId('pairing-code').textContent())!.trim();
		await api().pairing.redeem.mutate({ code, name, runner: 'claude-code' });
	}
	await page.goto('/agents/new');
	await hydrated(page);
	await expect(page.getByTestId('plan-limit')).toContainText(
		'Your plan (Trial) allows 2 agents and you have 2. Upgrade on the Billing page, or remove an agent, to pair another.'
	);
	await expect(page.getByRole('button', { name: 'Create pairing code' })).toBeDisabled();
	await page.getByTestId('plan-limit').getByRole('link', { name: 'Billing' }).click();
	await expect(page.getByTestId('usage-agents')).toHaveText('Agents: 2 of 2');
});

test("an expired trial's prompt gets the billing message, not the agent", async ({
	page,
	signedIn,
	api,
	relay,
	billing
}) => {
	const who = await signedIn();
	await page.goto('/agents/new');
	await hydrated(page);
	await page.getByRole('button', { name: 'Create pairing code' }).click();
	const code = (await page.getByTestId('pairing-code').textContent())!.trim();
	await api().pairing.redeem.mutate({ code, name: 'late-box', runner: 'claude-code' });
	const user = await account(billing.db, who);
	await setTrialEnd(billing.db, user.id, new Date(Date.now() - 60_000));

	const person = { id: who.id, firstName: who.first_name, username: who.username! };
	expect((await relay.postUpdate(textUpdate(person, 'fix the flaky test'))).status).toBe(200);
	const told = await relay.telegram.waitFor(() => relay.telegram.messages(who.id).at(-1));
	expect(told.text).toBe(
		'The RemoteAgent trial of this account has ended, so prompts are not relayed. ' +
			`Choose a plan: ${relay.baseURL}/billing`
	);
	// Commands still work; and no session was created, so nothing reached the agent.
	expect((await relay.postUpdate(textUpdate(person, '/agents'))).status).toBe(200);
	await relay.telegram.waitFor(() =>
		relay.telegram.messages(who.id).some((m) => m.text?.includes('late-box'))
	);
	expect(await sessionsOfAccount(billing.db, user.id)).toEqual([]);

	await page.goto('/billing');
	await expect(page.getByTestId('plan-refusal')).toHaveText(
		'Your trial has ended: prompts are not relayed until you choose a plan.'
	);
});

test('a downgrade in the customer portal pauses the newest agent and deletes nothing', async ({
	page,
	signedIn,
	api,
	billing
}) => {
	await signedIn();
	await page.goto('/billing');
	await hydrated(page);
	await page.getByRole('button', { name: 'Upgrade to Pro' }).click();
	await page.getByRole('button', { name: 'Subscribe' }).click();
	await expect(page.getByTestId('current-plan')).toHaveText('Pro', { timeout: 15_000 });

	const names = ['box-1', 'box-2', 'box-3', 'box-4'];
	for (const name of names) {
		await page.goto('/agents/new');
		await hydrated(page);
		await page.getByRole('button', { name: 'Create pairing code' }).click();
		const code = (await page.getByTestId('pairing-code').textContent())!.trim();
		await api().pairing.redeem.mutate({ code, name, runner: 'claude-code' });
	}

	await page.goto('/billing');
	await hydrated(page);
	await page.getByRole('button', { name: 'Manage billing' }).click();
	await expect(page).toHaveURL(new RegExp(`^${billing.stripe.apiBase}/p/session/bps_`));
	await page.getByRole('button', { name: `Switch to ${STANDIN_PRICES[0]!.id}` }).click();
	await expect(page).toHaveURL(/\/billing$/);
	// The portal's change arrives as a webhook event: the page shows it once applied.
	await expect(async () => {
		await page.reload();
		await expect(page.getByTestId('current-plan')).toHaveText('Solo', { timeout: 500 });
	}).toPass({ timeout: 15_000 });
	await expect(page.getByTestId('usage-agents')).toHaveText('Agents: 4 of 3');
	await expect(page.getByTestId('paused')).toContainText('box-4');

	await page.goto('/agents');
	await expect(page.getByTestId('agent-row')).toHaveCount(4);
	await expect(page.getByTestId('paused-agents')).toContainText('Paused by your plan: box-4.');
});

// The default stack has no STRIPE_SECRET_KEY: billing is off, as on a self-hosted relay.
base(
	'without a Stripe key the Billing page says every account is unlimited',
	async ({ page, signedIn }) => {
		await signedIn();
		await page.goto('/billing');
		await expect(page.getByTestId('billing-off')).toHaveText(
			'Billing is off on this server (no Stripe key is configured): every account is unlimited.'
		);
		await expect(page.getByRole('button', { name: /Upgrade/ })).toHaveCount(0);
		await page.goto('/agents/new');
		await expect(page.getByTestId('plan-limit')).toHaveCount(0);
	}
);
