/** Checks of a page's layout shared by the specs that look at pages on a phone. */
import { expect, type Page } from '@playwright/test';

/** The phone size every page is checked at (an iPhone 12–15 in portrait). */
export const PHONE = { width: 390, height: 844 } as const;

/** The page is no wider than the viewport: nothing scrolls sideways. */
export async function expectNoHorizontalOverflow(page: Page, what: string): Promise<void> {
	const { scrollWidth, clientWidth } = await page.evaluate(() => ({
		scrollWidth: document.documentElement.scrollWidth,
		clientWidth: document.documentElement.clientWidth
	}));
	expect(
		scrollWidth,
		`${what}: page width ${scrollWidth} within ${clientWidth}`
	).toBeLessThanOrEqual(clientWidth);
}
