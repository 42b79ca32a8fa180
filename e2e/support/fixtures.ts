/**
 * The e2e `test`: every worker gets its own relay stack (app + redis + REST server + Bot API
 * stand-in), started once and shared by that worker's tests; `baseURL` points pages at it.
 * Tests that share a worker share its database, so each one signs in as its own Telegram user.
 */
import { test as base, expect, type Page } from '@playwright/test';
import { closeSync, openSync, readSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { agentClient, type AgentClient } from '../../web/test/harness/scripted-agent.ts';
import { watchCsp, type CspWatch } from './csp.ts';
import { startRelayStack, type RelayStack } from './stack.ts';
import { newTelegramUser, signIn, type TelegramUser } from './telegram-login.ts';

export interface TestFixtures {
	/** A tRPC client as an agent would use it (no token: only public procedures). */
	api: (token?: string | null) => AgentClient;
	/** Signs `page` in as a fresh Telegram user through the widget callback; returns the user. */
	signedIn: (page?: Page, user?: TelegramUser) => Promise<TelegramUser>;
	/** Automatic: a failed test gets the app's log lines written while it ran. */
	appLogOnFailure: void;
	/**
	 * Automatic: `page` must report no Content-Security-Policy violation. A test that causes one
	 * on purpose takes it with `csp.take()`.
	 */
	csp: CspWatch;
}

export interface WorkerFixtures {
	relay: RelayStack;
}

export const test = base.extend<TestFixtures, WorkerFixtures>({
	relay: [
		// Playwright reads the fixtures a function needs from its first parameter's pattern.
		// eslint-disable-next-line no-empty-pattern
		async ({}, use, workerInfo) => {
			const logFile = join(
				workerInfo.project.outputDir,
				`app-worker-${workerInfo.workerIndex}.log`
			);
			const stack = await startRelayStack({
				logFile,
				databaseTemplate: process.env.E2E_DATABASE_TEMPLATE
			});
			try {
				await use(stack);
			} finally {
				await stack.stop();
			}
		},
		{ scope: 'worker', timeout: 60_000 }
	],
	baseURL: async ({ relay }, use) => use(relay.baseURL),
	api: async ({ relay }, use) => use((token = null) => agentClient(relay.baseURL, token)),
	signedIn: async ({ page, relay }, use) =>
		use(async (target = page, user = newTelegramUser()) => {
			await signIn(target, user, relay.botToken);
			return user;
		}),
	csp: [
		async ({ page }, use) => {
			const watch = watchCsp(page);
			await use(watch);
			expect(watch.take(), 'Content-Security-Policy violations').toEqual([]);
		},
		{ auto: true }
	],
	appLogOnFailure: [
		async ({ relay }, use, testInfo) => {
			const from = statSync(relay.logFile).size;
			await use();
			if (testInfo.status === testInfo.expectedStatus) return;
			await testInfo.attach('app log', {
				body: readFrom(relay.logFile, from),
				contentType: 'text/plain'
			});
		},
		{ auto: true }
	]
});

function readFrom(file: string, offset: number): Buffer {
	const fd = openSync(file, 'r');
	try {
		const length = Math.max(0, statSync(file).size - offset);
		const buffer = Buffer.alloc(length);
		readSync(fd, buffer, 0, length, offset);
		return buffer;
	} finally {
		closeSync(fd);
	}
}

export { expect } from '@playwright/test';
