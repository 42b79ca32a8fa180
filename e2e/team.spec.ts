/**
 * Team page: the owner creates an invite link, the invitee opens it in Telegram (the bot gets
 * `/start join_…`) and appears on the page; removing them silences them in the bot.
 */
import { textUpdate } from '../web/test/harness/accounts.ts';
import { expect, test } from './support/fixtures.ts';
import { hydrated } from './support/hydration.ts';
import { newTelegramUser } from './support/telegram-login.ts';

test('an invite link adds a teammate, and removing them silences them', async ({
	page,
	relay,
	signedIn
}) => {
	const owner = await signedIn();
	await page.goto('/team');
	await hydrated(page);
	await expect(page.getByTestId('member-row')).toHaveCount(1);
	await expect(page.getByTestId('member-row')).toContainText('owner');

	await page.getByRole('button', { name: 'Create invite link' }).click();
	const link = (await page.getByTestId('invite-link').textContent())?.trim() ?? '';
	expect(link).toMatch(new RegExp(`^https://t\\.me/${relay.botUsername}\\?start=join_[\\w-]+$`));
	const payload = new URL(link).searchParams.get('start')!;

	const mate = newTelegramUser('Mate');
	const person = { id: mate.id, firstName: mate.first_name, username: mate.username! };
	expect((await relay.postUpdate(textUpdate(person, `/start ${payload}`))).status).toBe(200);
	const welcome = await relay.telegram.waitFor(() => relay.telegram.messages(mate.id).at(-1));
	expect(welcome.visible).toBe(
		`Welcome to ${owner.first_name}’s team. Send any text to give your first prompt; /agents lists the agents.`
	);

	await page.reload();
	await hydrated(page);
	const rows = page.getByTestId('member-row');
	await expect(rows).toHaveCount(2);
	await expect(rows.nth(1)).toContainText(`@${mate.username}`);

	await page.getByRole('button', { name: `Remove @${mate.username}` }).click();
	await expect(page.getByTestId('member-row')).toHaveCount(1);
	const before = relay.telegram.messages(mate.id).length;
	expect((await relay.postUpdate(textUpdate(person, '/agents'))).status).toBe(200);
	expect(relay.telegram.messages(mate.id).length).toBe(before);
});
