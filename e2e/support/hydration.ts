import type { Page } from '@playwright/test';

/**
 * Resolves once SvelteKit has hydrated the page. Typing into a server-rendered input before
 * that is lost: hydration writes the `value` back (seen in a trace: a rename posted the old
 * name). SvelteKit starts its router right after hydrating, and the first thing it does is set
 * `history.scrollRestoration` to 'manual', which is observable without touching the app.
 */
export async function hydrated(page: Page): Promise<void> {
	await page.waitForFunction(() => history.scrollRestoration === 'manual');
}
