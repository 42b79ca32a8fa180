/**
 * Plays the Telegram Login Widget: builds the payload Telegram would hand to the page, signed
 * with the bot token exactly as Telegram signs it, and gives it to the page's callback.
 */
import { expect, type Page } from '@playwright/test';
import { signLoginFields } from '../../web/src/lib/server/auth/telegram-login.ts';
import { hydrated } from './hydration.ts';

export interface TelegramUser {
	id: number;
	first_name: string;
	username?: string;
}

let nextId = 0;

/** A Telegram user no other test uses (ids differ per worker and per call). */
export function newTelegramUser(firstName = 'Ada'): TelegramUser {
	nextId += 1;
	const id = 700_000_000 + (Number(process.env.TEST_WORKER_INDEX ?? 0) * 100_000 + nextId);
	return { id, first_name: firstName, username: `${firstName.toLowerCase()}_${id}` };
}

/** The widget's payload: every field as a string, plus `hash`. */
export function signedPayload(
	user: TelegramUser,
	botToken: string,
	opts: { authDate?: number } = {}
): Record<string, string> {
	const fields: Record<string, string> = {
		id: String(user.id),
		first_name: user.first_name,
		auth_date: String(opts.authDate ?? Math.floor(Date.now() / 1000))
	};
	if (user.username) fields.username = user.username;
	return { ...fields, hash: signLoginFields(fields, botToken) };
}

/** Open /login and call `window.onTelegramAuth(payload)`, as the page does with the widget's login message. */
export async function submitWidgetPayload(
	page: Page,
	payload: Record<string, string>
): Promise<void> {
	await page.goto('/login');
	// The callback is installed on mount: wait for hydration rather than racing it.
	await page.waitForFunction(
		() => typeof (window as { onTelegramAuth?: unknown }).onTelegramAuth === 'function'
	);
	await page.evaluate((user) => {
		(window as unknown as { onTelegramAuth(u: Record<string, string>): void }).onTelegramAuth(user);
	}, payload);
}

/** Sign in through the widget callback and land on /agents, ready for input. */
export async function signIn(page: Page, user: TelegramUser, botToken: string): Promise<void> {
	await submitWidgetPayload(page, signedPayload(user, botToken));
	await expect(page).toHaveURL(/\/agents$/);
	await hydrated(page);
}
