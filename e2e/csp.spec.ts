/**
 * Content-Security-Policy: every page carries it, the dashboard works under it (hydrates, no
 * violation; the `csp` fixture checks that in every spec), an injected inline script does not
 * run, and the Telegram Login Widget still signs in.
 */
import type { Page } from '@playwright/test';
import { parseCsp } from './support/csp.ts';
import { expect, test } from './support/fixtures.ts';
import { hydrated } from './support/hydration.ts';
import { newTelegramUser, signedPayload } from './support/telegram-login.ts';
import { serveLoginWidget, WIDGET_ORIGIN, WIDGET_SCRIPT } from './support/telegram-widget.ts';

const PUBLIC_PAGES = ['/', '/login', '/download'];
const DASHBOARD_PAGES = ['/agents', '/agents/new', '/sessions', '/team', '/download', '/'];

/** The page's policy, as directives; fails when there is none. */
async function policyOf(page: Page, path: string): Promise<Record<string, string[]>> {
	const response = await page.goto(path);
	const header = response?.headers()['content-security-policy'];
	expect(header, `Content-Security-Policy of ${path}`).toBeTruthy();
	return parseCsp(header!);
}

test('every page carries the policy: own scripts by nonce, the widget, no framing', async ({
	page,
	signedIn
}) => {
	const policies: [string, Record<string, string[]>][] = [];
	for (const path of PUBLIC_PAGES) policies.push([path, await policyOf(page, path)]);
	await signedIn();
	for (const path of DASHBOARD_PAGES) policies.push([path, await policyOf(page, path)]);

	for (const [path, csp] of policies) {
		const scripts = csp['script-src'] ?? [];
		expect(scripts, path).toEqual(expect.arrayContaining(["'self'", WIDGET_SCRIPT]));
		expect(
			scripts.some((source) => /^'nonce-[A-Za-z0-9+/=]+'$/.test(source)),
			path
		).toBe(true);
		expect(scripts, path).not.toContain("'unsafe-inline'");
		expect(scripts, path).not.toContain("'unsafe-eval'");
		expect(csp['style-src'], path).toContain("'self'");
		expect(csp['style-src'], path).not.toContain("'unsafe-inline'");
		expect(csp, path).toMatchObject({
			'default-src': ["'self'"],
			'connect-src': ["'self'"],
			'frame-src': [WIDGET_ORIGIN],
			'frame-ancestors': ["'none'"],
			'base-uri': ["'self'"],
			// Upgrade and Manage billing redirect to Stripe's hosted pages; nothing else.
			'form-action': ["'self'", 'https://checkout.stripe.com', 'https://billing.stripe.com'],
			'object-src': ["'none'"]
		});
	}
});

test('the dashboard hydrates under the policy, and an injected inline script does not run', async ({
	page,
	signedIn,
	csp
}) => {
	await signedIn();
	for (const path of DASHBOARD_PAGES) {
		await policyOf(page, path);
		await hydrated(page);
	}
	// Hydrated means working: the pairing form is handled by the page's script.
	await page.goto('/agents/new');
	await hydrated(page);
	await page.getByRole('button', { name: 'Create pairing code' }).click();
	await expect(page.getByTestId('pairing-code')).toHaveText(/^[A-Z0-9]{4}-[A-Z0-9]{4}$/);
	expect(csp.take()).toEqual([]);

	await page.evaluate(() => {
		const script = document.createElement('script');
		script.textContent = 'window.injected = true';
		document.body.append(script);
	});
	await expect.poll(() => csp.take().join('\n')).toMatch(/inline script/);
	expect(await page.evaluate(() => (window as { injected?: boolean }).injected)).toBeUndefined();
});

test('the Login Widget loads from telegram.org and signs in under the policy', async ({
	page,
	relay
}) => {
	await serveLoginWidget(page, signedPayload(newTelegramUser('Wendy'), relay.botToken));
	const csp = await policyOf(page, '/login');
	expect(csp['frame-src']).toEqual([WIDGET_ORIGIN]);
	const widget = page.frameLocator(`iframe[src^="${WIDGET_ORIGIN}/embed/"]`);
	await widget.getByRole('button', { name: 'Log in with Telegram' }).click();
	await expect(page).toHaveURL(/\/agents$/);
	await expect(page.getByRole('button', { name: 'Sign out Wendy' })).toBeVisible();
});
