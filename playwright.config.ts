import { defineConfig, devices } from '@playwright/test';
import { CHROMIUM, CHROMIUM_ARGS } from './e2e/support/binaries.ts';

/**
 * Browser tests against the built app and real local services (see e2e/support/).
 * Chromium is Debian's: Playwright cannot download its own browsers on these machines.
 */
export default defineConfig({
	testDir: 'e2e',
	// Playwright empties this at start: concurrent runs in one checkout each need their own.
	outputDir: process.env.E2E_OUTPUT_DIR ?? 'test-results',
	globalSetup: './e2e/support/global-setup.ts',
	fullyParallel: false,
	forbidOnly: !!process.env.CI,
	retries: 0,
	// 2 cores: one worker (and one relay stack) keeps the machine responsive.
	workers: 1,
	reporter: 'list',
	timeout: 30_000,
	expect: { timeout: 5_000 },
	use: {
		trace: 'retain-on-failure',
		screenshot: 'only-on-failure',
		actionTimeout: 10_000,
		navigationTimeout: 15_000
	},
	projects: [
		{
			name: 'chromium',
			use: {
				...devices['Desktop Chrome'],
				launchOptions: {
					executablePath: CHROMIUM,
					// No internet here: refuse every outside host at once (e.g. the Login Widget's
					// telegram.org script) instead of waiting on DNS.
					args: [...CHROMIUM_ARGS, '--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1']
				}
			}
		}
	]
});
