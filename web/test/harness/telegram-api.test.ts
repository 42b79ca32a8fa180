import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { autoRetry } from '@grammyjs/auto-retry';
import { Bot, GrammyError, InputFile } from 'grammy';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sha256 } from './telegram-api/files.ts';
import { createFakeTelegram, type FakeTelegram } from './telegram-api.ts';

let tg: FakeTelegram;
let chat = 1000;
const nextChat = () => ++chat; // every test its own chat
const newBot = () => new Bot(tg.token, { client: { apiRoot: tg.apiRoot }, botInfo: tg.botInfo });

/** The rejected call's Bot API error. */
async function apiError(call: Promise<unknown>): Promise<GrammyError> {
	const error = await call.then(
		() => undefined,
		(e: unknown) => e
	);
	expect(error).toBeInstanceOf(GrammyError);
	return error as GrammyError;
}

const post = (method: string, body: string, type: string, token = tg.token) =>
	fetch(`${tg.apiRoot}/bot${token}/${method}`, {
		method: 'POST',
		headers: { 'content-type': type },
		body
	});

beforeAll(async () => {
	tg = await createFakeTelegram();
});
afterAll(() => tg.close());

describe('fake Telegram Bot API, driven by grammY', () => {
	it('answers getMe with the bot it hands out', async () => {
		const bot = new Bot(tg.token, { client: { apiRoot: tg.apiRoot } });
		await bot.init();
		expect(bot.botInfo).toEqual(tg.botInfo);
		expect(tg.calls.at(-1)).toMatchObject({ method: 'getMe', payload: {} });
	});

	it('sends messages with per-chat ids and records them as Telegram would show them', async () => {
		const bot = newBot();
		const [a, b] = [nextChat(), nextChat()];
		const first = await bot.api.sendMessage(a, '<b>Hi</b> &lt;you&gt;', { parse_mode: 'HTML' });
		const second = await bot.api.sendMessage(a, 'plain <b>');
		const other = await bot.api.sendMessage(b, 'x');
		expect([first.message_id, second.message_id, other.message_id]).toEqual([1, 2, 1]);
		expect(first).toMatchObject({
			chat: { id: a, type: 'private' },
			text: 'Hi <you>',
			from: { is_bot: true }
		});
		expect(first.entities).toEqual([{ type: 'bold', offset: 0, length: 2 }]);
		expect(tg.messages(a)).toMatchObject([
			{
				message_id: 1,
				text: '<b>Hi</b> &lt;you&gt;',
				parse_mode: 'HTML',
				visible: 'Hi <you>',
				edits: 0
			},
			{ message_id: 2, text: 'plain <b>', visible: 'plain <b>', deleted: false }
		]);
	});

	it('edits messages and answers "message is not modified" exactly like Telegram', async () => {
		const bot = newBot();
		const id = nextChat();
		const keyboard = { inline_keyboard: [[{ text: 'Stop', callback_data: 'stop' }]] };
		const sent = await bot.api.sendMessage(id, '<i>one</i>', {
			parse_mode: 'HTML',
			reply_markup: keyboard
		});
		await bot.api.editMessageText(id, sent.message_id, '<i>two</i>', {
			parse_mode: 'HTML',
			reply_markup: keyboard
		});
		const error = await apiError(
			bot.api.editMessageText(id, sent.message_id, '<em>two</em>', {
				parse_mode: 'HTML',
				reply_markup: keyboard
			})
		);
		expect(error.error_code).toBe(400);
		expect(error.description).toBe(
			'Bad Request: message is not modified: specified new message content and reply markup are exactly the same as a current content and reply markup of the message'
		);
		// Same text without the keyboard is a change: the keyboard goes away.
		await bot.api.editMessageText(id, sent.message_id, '<i>two</i>', { parse_mode: 'HTML' });
		expect(tg.messages(id)[0]).toMatchObject({ text: '<i>two</i>', visible: 'two', edits: 2 });
		expect(tg.messages(id)[0]!.reply_markup).toBeUndefined();
		await bot.api.deleteMessage(id, sent.message_id);
		expect(tg.messages(id)[0]!.deleted).toBe(true);
		expect((await apiError(bot.api.editMessageText(id, sent.message_id, 'x'))).description).toBe(
			'Bad Request: message to edit not found'
		);
		expect((await apiError(bot.api.deleteMessage(id, sent.message_id))).description).toBe(
			'Bad Request: message to delete not found'
		);
	});

	it('rejects HTML Telegram would not parse, and checks the visible length', async () => {
		const bot = newBot();
		const id = nextChat();
		const bad = async (text: string) =>
			(await apiError(bot.api.sendMessage(id, text, { parse_mode: 'HTML' }))).description;
		expect(await bad('<div>x</div>')).toBe(
			`Bad Request: can't parse entities: Unsupported start tag "div" at byte offset 0`
		);
		expect(await bad('😀 <b>x</i>')).toBe(
			`Bad Request: can't parse entities: Unmatched end tag at byte offset 9, expected "</b>", found "</i>"`
		);
		expect(await bad('<b>open')).toBe(
			"Bad Request: can't parse entities: Can't find end tag corresponding to start tag b"
		);
		expect(await bad('a < b')).toMatch(/^Bad Request: can't parse entities: /);
		expect(await bad('<b> </b>\n')).toBe('Bad Request: message text is empty');
		expect(await bad(`<b>${'x'.repeat(4097)}</b>`)).toBe('Bad Request: message is too long');
		// Like Telegram, a bare & or > is text (only `strictHtml` refuses it).
		expect((await bot.api.sendMessage(id, 'a & b > c', { parse_mode: 'HTML' })).text).toBe(
			'a & b > c'
		);
		// Tags do not count, an entity counts once, trailing whitespace is trimmed first.
		await bot.api.sendMessage(id, `<b>${'&lt;'.repeat(4096)}</b>\n\n`, { parse_mode: 'HTML' });
		await bot.api.sendMessage(id, `${'x'.repeat(4096)}`);
		expect((await apiError(bot.api.sendMessage(id, 'y'.repeat(4097)))).description).toBe(
			'Bad Request: message is too long'
		);
		expect(tg.messages(id).map((m) => m.visible.length)).toEqual([9, 4096, 4096]);
	});

	it('can be told to refuse all HTML', async () => {
		const bot = newBot();
		const id = nextChat();
		tg.rejectHtml(true);
		try {
			const error = await apiError(bot.api.sendMessage(id, '<b>ok</b>', { parse_mode: 'HTML' }));
			expect(error.description).toMatch(/^Bad Request: can't parse entities: /);
			await bot.api.sendMessage(id, 'ok'); // plain text still goes through
		} finally {
			tg.rejectHtml(false);
		}
		await bot.api.sendMessage(id, '<b>ok</b>', { parse_mode: 'HTML' });
		expect(tg.messages(id).map((m) => m.visible)).toEqual(['ok', 'ok']);
	});

	it('injects a 429 that auto-retry waits out', async () => {
		const bot = newBot();
		bot.api.config.use(autoRetry());
		const id = nextChat();
		tg.failNext('sendMessage', {
			error_code: 429,
			description: 'Too Many Requests: retry after 1',
			parameters: { retry_after: 1 }
		});
		const started = Date.now();
		const sent = await bot.api.sendMessage(id, 'after the wait');
		expect(Date.now() - started).toBeGreaterThanOrEqual(950);
		expect(sent.message_id).toBe(1);
		const attempts = tg.calls.filter((c) => c.method === 'sendMessage' && c.payload.chat_id === id);
		expect(attempts.map((c) => c.response?.ok)).toEqual([false, true]);
		expect(attempts[1]!.at - attempts[0]!.at).toBeGreaterThanOrEqual(950);
	});

	it('surfaces an injected error to a bot without auto-retry', async () => {
		const bot = newBot();
		tg.failNext('*', {
			error_code: 429,
			description: 'Too Many Requests: retry after 7',
			parameters: { retry_after: 7 }
		});
		const error = await apiError(bot.api.sendChatAction(nextChat(), 'typing'));
		expect([error.error_code, error.parameters.retry_after]).toEqual([429, 7]);
		expect(await bot.api.sendChatAction(nextChat(), 'typing')).toBe(true);
	});

	it('answers unknown methods with 404 and a wrong token with 401', async () => {
		const unknown = await post('sendTelepathy', '{}', 'application/json');
		expect(unknown.status).toBe(404);
		expect(await unknown.json()).toEqual({
			ok: false,
			error_code: 404,
			description: 'Not Found: method not found'
		});
		const wrong = await post('getMe', '{}', 'application/json', '1:wrong');
		expect(wrong.status).toBe(401);
		expect(await wrong.json()).toEqual({ ok: false, error_code: 401, description: 'Unauthorized' });
		const bot = new Bot('1:wrong', { client: { apiRoot: tg.apiRoot }, botInfo: tg.botInfo });
		expect((await apiError(bot.api.getMe())).error_code).toBe(401);
	});

	it('reads urlencoded bodies like the Bot API (numbers and JSON as strings)', async () => {
		const id = nextChat();
		const markup = JSON.stringify({ inline_keyboard: [[{ text: 'a', callback_data: 'b' }]] });
		const body = new URLSearchParams({
			chat_id: String(id),
			text: '<i>x</i>',
			parse_mode: 'HTML',
			reply_markup: markup
		});
		const res = await post('sendMessage', body.toString(), 'application/x-www-form-urlencoded');
		expect(await res.json()).toMatchObject({
			ok: true,
			result: { message_id: 1, text: 'x', reply_markup: JSON.parse(markup) }
		});
		expect(tg.messages(id)[0]).toMatchObject({ visible: 'x', reply_markup: JSON.parse(markup) });
	});

	it('handles the small methods the bot uses', async () => {
		const bot = newBot();
		const commands = [{ command: 'start', description: 'Start' }];
		expect(await bot.api.setMyCommands(commands)).toBe(true);
		expect(await bot.api.getMyCommands()).toEqual(commands);
		expect(
			(await apiError(bot.api.setMyCommands([{ command: 'Bad-Name', description: 'x' }])))
				.description
		).toBe('Bad Request: BOT_COMMAND_INVALID');
		expect(await bot.api.answerCallbackQuery('42', { text: 'done' })).toBe(true);
		expect(await bot.api.sendChatAction(nextChat(), 'typing')).toBe(true);
		await expect(tg.waitFor(() => false, 50)).rejects.toThrow(/waitFor/);
	});

	it('stores the webhook and its secret, and delivers pushed updates to it', async () => {
		const bot = newBot();
		const received: { secret: string | undefined; body: string }[] = [];
		const receiver = createServer((req, res) => {
			let body = '';
			req.on('data', (c: Buffer) => (body += c.toString()));
			req.on('end', () => {
				received.push({
					secret: req.headers['x-telegram-bot-api-secret-token'] as string | undefined,
					body
				});
				res.writeHead(received.length === 1 ? 401 : 200).end();
			});
		});
		await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
		const url = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/api/telegram`;
		try {
			for (const secret of ['has space', 'colon:', 'ü']) {
				expect(
					(await apiError(bot.api.setWebhook(url, { secret_token: secret }))).description
				).toBe('Bad Request: secret token contains unallowed characters');
			}
			expect(
				(await apiError(bot.api.setWebhook(url, { secret_token: 'a'.repeat(257) }))).error_code
			).toBe(400);
			expect(await bot.api.setWebhook(url, { secret_token: 'Abc_123-xyz' })).toBe(true);
			expect(tg.webhook).toMatchObject({ url, secret_token: 'Abc_123-xyz' });
			expect((await apiError(bot.api.getUpdates())).error_code).toBe(409);

			const update = {
				message: { message_id: 1, date: 0, chat: { id: 5, type: 'private' }, text: 'hi' }
			};
			expect(await tg.pushUpdate(update)).toMatchObject({ webhookStatus: 401 });
			expect(await bot.api.getWebhookInfo()).toMatchObject({ url, pending_update_count: 1 });
			const second = await tg.pushUpdate(update);
			expect(second.webhookStatus).toBe(200);
			expect(received.map((r) => r.secret)).toEqual(['Abc_123-xyz', 'Abc_123-xyz']);
			expect(JSON.parse(received[1]!.body)).toEqual({ ...update, update_id: second.update_id });

			expect(await bot.api.deleteWebhook({ drop_pending_updates: true })).toBe(true);
			expect(await bot.api.getWebhookInfo()).toMatchObject({ url: '', pending_update_count: 0 });
		} finally {
			await new Promise((resolve) => receiver.close(resolve));
		}
	});

	it('reads multipart bodies (grammY uploads files that way)', async () => {
		const bot = newBot();
		await bot.api.setWebhook('https://example.com/hook', {
			certificate: new InputFile(Buffer.from('PEM'), 'cert.pem')
		});
		expect(tg.calls.at(-1)!.payload).toMatchObject({
			url: 'https://example.com/hook',
			certificate: expect.stringMatching(/^attach:\/\//)
		});
		expect(Object.values(tg.calls.at(-1)!.payload)).toContainEqual({
			filename: 'cert.pem',
			size: 3,
			sha256: sha256(Buffer.from('PEM'))
		});
		expect(tg.webhook?.url).toBe('https://example.com/hook');
		await bot.api.deleteWebhook();
	});

	it('serves files users sent (getFile, then the download URL) and records sent documents', async () => {
		const bot = newBot();
		const id = nextChat();
		const bytes = Buffer.from([0, 1, 2, 250, 251]);
		const stored = tg.files.add(bytes, 'a.bin');
		const file = await bot.api.getFile(stored.file_id);
		expect(file).toMatchObject({ file_id: stored.file_id, file_size: 5 });
		const response = await fetch(`${tg.apiRoot}/file/bot${tg.token}/${file.file_path}`);
		expect(Buffer.from(await response.arrayBuffer())).toEqual(bytes);
		expect((await fetch(`${tg.apiRoot}/file/botWRONG/${file.file_path}`)).status).toBe(404);
		await expect(bot.api.getFile('unknown')).rejects.toThrow(/invalid file_id/);
		const sent = await bot.api.sendDocument(id, new InputFile(bytes, 'back.bin'));
		expect(sent.document?.file_name).toBe('back.bin');
		expect(tg.messages(id).at(-1)?.document).toEqual({
			filename: 'back.bin',
			size: 5,
			sha256: sha256(bytes)
		});
	});

	it('long-polls: a bot started with getUpdates receives pushed updates and replies', async () => {
		const bot = newBot();
		const id = nextChat();
		bot.on('message:text', (ctx) => ctx.reply(`echo: ${ctx.message.text}`));
		const started = new Promise<void>((resolve) => void bot.start({ onStart: () => resolve() }));
		await started;
		await tg.waitFor(() =>
			tg.calls.some((c) => c.method === 'getUpdates' && c.response === undefined)
		);
		await tg.pushUpdate({
			message: {
				message_id: 1,
				date: 0,
				chat: { id, type: 'private', first_name: 'U' },
				from: { id, is_bot: false, first_name: 'U' },
				text: 'ping'
			}
		});
		const reply = await tg.waitFor(() => tg.messages(id)[0]);
		expect(reply.visible).toBe('echo: ping');
		await bot.stop();
		// The confirmed update is gone; a new poller does not see it again.
		expect(await newBot().api.getUpdates({ timeout: 0 })).toEqual([]);
	});
});
