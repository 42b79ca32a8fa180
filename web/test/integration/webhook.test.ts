/** Issue 4, webhook rules: each one fails this file if it is removed. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { count } from 'drizzle-orm';
import { sessions } from '../../src/lib/server/db/schema/index.ts';
import { startTestRelay, type TestRelay } from '../harness/relay.ts';
import { Redis } from '@upstash/redis';
import {
	ALICE,
	MALLORY,
	callbackUpdate,
	pairAgent,
	textUpdate,
	type Person
} from '../harness/accounts.ts';
import { TEST_BOT_TOKEN, TEST_JWT_SECRET, TEST_WEBHOOK_SECRET } from '../harness/relay.ts';
import { UpdateClaims } from '../../src/lib/server/telegram/update-claim.ts';
import { prng } from '../harness/random-markdown.ts';
import { handleWebhook } from '../../src/lib/server/telegram/webhook.ts';
import { createBot } from '../../src/lib/server/telegram/bot.ts';
import {
	deriveWebhookSecret,
	SECRET_HEADER
} from '../../src/lib/server/telegram/webhook-secret.ts';

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

	it('asks for a redelivery later while an update is claimed, and never makes a second session from it', async () => {
		const update = textUpdate(ALICE, 'handled by an attempt that died');
		expect((await t.postUpdate(update)).status).toBe(200);
		const after = await sessionCount();
		const claim = `tg:update:${update.update_id}`;
		// As if an attempt had died after creating the session, before recording the update as done.
		await t.relay.redis.set(claim, 'processing');
		expect((await t.postUpdate(update)).status, 'busy: come back later').toBe(503);
		await t.relay.redis.del(claim); // the dead attempt's claim lapsed
		expect((await t.postUpdate(update)).status).toBe(200);
		expect(await sessionCount()).toBe(after);
	});

	it('limits each authorised user to 10 updates a minute: the 11th is not run, and the sender is told once', async () => {
		const rate: Person = { id: 777, firstName: 'Rate', username: 'rate' };
		await pairAgent(t.relay, t.services, rate, 'rate-box');
		const statuses = [];
		const undo = t.atMinuteStart(); // all 13 in one minute's window
		try {
			for (let i = 0; i < 13; i++)
				statuses.push((await t.postUpdate(textUpdate(rate, '/help'))).status);
		} finally {
			undo();
		}
		expect(statuses, 'the update is taken (Telegram must not redeliver it)').toEqual(
			Array(13).fill(200)
		);
		const replies = sentTo(rate).map((c) => String(c.payload.text));
		expect(replies.filter((r) => r.includes('I relay your messages'))).toHaveLength(10);
		const slow = replies.filter((r) => r.startsWith('🐢 Slow down'));
		expect(slow, 'told once per window, not once per message').toHaveLength(1);
		expect(slow[0]).toMatch(/at most 10 messages a minute\. .*try again in \d+ s\.$/);
		// Another user is not affected.
		expect((await t.postUpdate(textUpdate(ALICE, '/help'))).status).toBe(200);
	});

	it('stores nothing keyed by a sender who is not authorised', async () => {
		const stranger: Person = { id: 4_040_404, firstName: 'Stranger', username: 'stranger' };
		for (let i = 0; i < 12; i++) {
			expect((await t.postUpdate(textUpdate(stranger, `hello ${i}`))).status).toBe(200);
		}
		const keys = await t.relay.redis.keys('*');
		expect(keys.filter((k) => k.includes(String(stranger.id)))).toEqual([]);
		expect(sentTo(stranger)).toHaveLength(0);
	});

	it('answers a forged request with 401 without building the bot (Bot API or Redis unreachable)', async () => {
		let asked = false;
		const response = await handleWebhook(
			new Request('http://relay.test/api/telegram', {
				method: 'POST',
				headers: { [SECRET_HEADER]: 'forged' },
				body: JSON.stringify(textUpdate(ALICE, 'hi'))
			}),
			{
				secret: TEST_WEBHOOK_SECRET,
				bot: () => {
					asked = true;
					return new Promise(() => {}); // getMe that never answers
				}
			}
		);
		expect(response.status).toBe(401);
		expect(asked).toBe(false);
	});

	it('answers ill-typed updates with 400, never 500 (3,000 seeded mutations of real updates)', async () => {
		const named = [
			{ update_id: 1, callback_query: { id: 'x', chat_instance: 'c', data: 'abort:x' } },
			{ ...textUpdate(ALICE, 'x'), message: { ...textUpdate(ALICE, 'x').message, text: -1 } },
			{
				...textUpdate(ALICE, 'x'),
				message: { ...textUpdate(ALICE, 'x').message, from: { id: true, is_bot: false } }
			},
			{ ...textUpdate(ALICE, 'x'), message: { ...textUpdate(ALICE, 'x').message, chat: {} } },
			{ update_id: 'one', message: textUpdate(ALICE, 'x').message },
			{ update_id: 2.5 },
			null,
			'update',
			[]
		];
		for (const update of named) {
			const status = (await t.postUpdate(JSON.stringify(update))).status;
			expect(status, JSON.stringify(update)).toBe(400);
		}
		// An authorised sender of its own: mutations that keep the shape go deep into the bot.
		const fuzz: Person = { id: 31_337, firstName: 'Fuzz', username: 'fuzz' };
		await pairAgent(t.relay, t.services, fuzz, 'fuzz-box');
		const random = prng(20261129);
		const statuses = new Map<number, number>();
		for (let i = 0; i < 3_000; i++) {
			const base =
				i % 2
					? textUpdate(fuzz, i % 3 ? '/help' : 'abort', 900_000 + i)
					: callbackUpdate(fuzz, 'abort:ses_0000000000000000', 1, 900_000 + i);
			const update = mutate(structuredClone(base) as Json, random);
			const status = (await t.postUpdate(JSON.stringify(update))).status;
			statuses.set(status, (statuses.get(status) ?? 0) + 1);
			expect([200, 400], JSON.stringify(update)).toContain(status);
		}
		expect(statuses.get(400), 'most mutations break the shape').toBeGreaterThan(1_000);
	}, 120_000);

	it('answers 503 when Redis is down, so Telegram delivers the update again', async () => {
		const dead = new Redis({
			url: 'http://127.0.0.1:9',
			token: 'x',
			enableTelemetry: false,
			retry: { retries: 0 }
		});
		const deps = { ...t.relay, redis: dead, claims: new UpdateClaims(dead, TEST_JWT_SECRET) };
		const bot = createBot(TEST_BOT_TOKEN, deps, t.bot.bot.botInfo);
		const update = textUpdate(ALICE, 'sent while redis was down');
		const response = await handleWebhook(
			new Request('http://relay.test/api/telegram', {
				method: 'POST',
				headers: { [SECRET_HEADER]: deriveWebhookSecret(TEST_WEBHOOK_SECRET) },
				body: JSON.stringify(update)
			}),
			{ secret: TEST_WEBHOOK_SECRET, bot: async () => ({ bot, deps }) }
		);
		expect(response.status).toBe(503);
		// Telegram's redelivery to a healthy relay is processed.
		const before = await sessionCount();
		expect((await t.postUpdate(update)).status).toBe(200);
		expect(await sessionCount()).toBe(before + 1);
	});

	it('takes the session back when Redis fails between the SQL statement and the enqueue', async () => {
		const queue = t.relay.queue;
		const enqueue = queue.enqueue.bind(queue);
		let failures = 0;
		queue.enqueue = async () => {
			failures++;
			throw new Error('connect ECONNREFUSED (redis is down)');
		};
		const update = textUpdate(ALICE, 'queued while redis died');
		const before = await sessionCount();
		try {
			expect((await t.postUpdate(update)).status).toBe(503);
		} finally {
			queue.enqueue = enqueue;
		}
		expect(failures).toBe(1);
		// Nothing half-made is left: the row went with the failed enqueue.
		expect(await sessionCount()).toBe(before);
		// Telegram delivers the update again; now it is queued once.
		expect((await t.postUpdate(update)).status).toBe(200);
		expect(await sessionCount()).toBe(before + 1);
	});
});

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

const WRONG: Json[] = [true, false, -1, 0, 1.5, 1e308, '', 'x', null, [], {}, [1, 'a'], { id: 1 }];

/** Replace or delete one to three leaves or branches of `value` with values of the wrong type. */
function mutate(value: Json, random: () => number): Json {
	const times = 1 + Math.floor(random() * 3);
	for (let n = 0; n < times; n++) {
		const paths: { parent: Json[] | { [key: string]: Json }; key: string | number }[] = [];
		const walk = (node: Json) => {
			if (node === null || typeof node !== 'object') return;
			for (const key of Object.keys(node)) {
				const k = Array.isArray(node) ? Number(key) : key;
				paths.push({ parent: node, key: k });
				walk((node as Record<string, Json>)[key as string] as Json);
			}
		};
		walk(value);
		const target = paths[Math.floor(random() * paths.length)];
		if (!target) break;
		const parent = target.parent as Record<string | number, Json>;
		if (random() < 0.2 && !Array.isArray(target.parent)) delete parent[target.key];
		else parent[target.key] = structuredClone(WRONG[Math.floor(random() * WRONG.length)]!);
	}
	return value;
}
