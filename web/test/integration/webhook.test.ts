/** Issue 4, webhook rules: each one fails this file if it is removed. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { count } from 'drizzle-orm';
import { sessions } from '../../src/lib/server/db/schema/index.ts';
import { startTestRelay, type TestRelay } from '../harness/relay.ts';
import { ALICE, MALLORY, pairAgent, textUpdate, type Person } from '../harness/accounts.ts';

let t: TestRelay;
beforeAll(async () => {
	t = await startTestRelay();
	await pairAgent(t.relay, t.services, ALICE);
});
afterAll(async () => {
	await t?.stop();
});

const sentTo = (person: Person) =>
	t.telegram.calls.filter(
		(c) => c.method === 'sendMessage' && Number(c.payload.chat_id) === person.id
	);
const sessionCount = async () =>
	Number((await t.relay.db.select({ n: count() }).from(sessions))[0]?.n ?? 0);

describe('POST /api/telegram', () => {
	it('refuses a request without the secret header before the bot sees it', async () => {
		const before = t.telegram.calls.length;
		const response = await t.postUpdate(textUpdate(ALICE, '/help'), null);
		expect(response.status).toBe(401);
		expect(t.telegram.calls.length).toBe(before);
	});

	it('refuses a wrong secret header', async () => {
		const response = await t.postUpdate(textUpdate(ALICE, '/help'), 'not-the-derived-secret');
		expect(response.status).toBe(401);
		const raw = await t.postUpdate(
			textUpdate(ALICE, '/help'),
			'webhook-secret-for-tests-0123456789'
		);
		expect(raw.status, 'the configured secret itself is not the registered value').toBe(401);
	});

	it('answers malformed JSON with 400', async () => {
		expect((await t.postUpdate('{"update_id": 1,')).status).toBe(400);
		expect((await t.postUpdate('[1,2]')).status).toBe(400);
	});

	it('acknowledges update kinds it does not handle and does nothing', async () => {
		const before = t.telegram.calls.length;
		const edited = { update_id: 555_001, edited_message: textUpdate(ALICE, 'x').message };
		const channel = {
			update_id: 555_002,
			channel_post: { message_id: 1, date: 0, chat: { id: -100, type: 'channel' }, text: 'hi' }
		};
		expect((await t.postUpdate(edited)).status).toBe(200);
		expect((await t.postUpdate(channel)).status).toBe(200);
		expect(t.telegram.calls.length).toBe(before);
	});

	it('ignores unauthorised senders completely: no reply, nothing stored or queued', async () => {
		const sessionsBefore = await sessionCount();
		const response = await t.postUpdate(textUpdate(MALLORY, 'rm -rf / please'));
		expect(response.status).toBe(200);
		expect(sentTo(MALLORY)).toHaveLength(0);
		expect(await sessionCount()).toBe(sessionsBefore);
		const queues = await t.relay.queue.activeAgents();
		for (const agentId of queues) {
			const entries = await t.relay.queue.read(agentId, null);
			expect(
				entries.every((e) => e.command.type !== 'prompt' || !e.command.prompt.includes('rm -rf'))
			).toBe(true);
		}
	});

	it('processes a redelivered update_id once', async () => {
		const update = textUpdate(ALICE, 'do the thing once');
		const before = await sessionCount();
		expect((await t.postUpdate(update)).status).toBe(200);
		expect((await t.postUpdate(update)).status).toBe(200);
		expect(await sessionCount()).toBe(before + 1);
	});

	it('limits each Telegram user to 10 updates a minute (the 11th gets 429)', async () => {
		const someone = { id: 777, firstName: 'Rate', username: 'rate' };
		const statuses = [];
		for (let i = 0; i < 11; i++)
			statuses.push((await t.postUpdate(textUpdate(someone, '/help'))).status);
		expect(statuses.slice(0, 10)).toEqual(Array(10).fill(200));
		expect(statuses[10]).toBe(429);
		// Another user is not affected.
		expect((await t.postUpdate(textUpdate(ALICE, '/help'))).status).toBe(200);
	});
});
