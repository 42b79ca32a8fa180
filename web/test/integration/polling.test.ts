/**
 * Long polling under faults: an update that fails (Redis down) is not skipped; the offset stays
 * on it and it runs once Redis is back, before the updates behind it. A poisoned update is given
 * up only after its attempts run out.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Redis } from '@upstash/redis';
import { createBot } from '../../src/lib/server/telegram/bot.ts';
import { startPolling } from '../../src/lib/server/telegram/polling.ts';
import { ALICE, pairAgent, textUpdate } from '../harness/accounts.ts';
import {
	startTestRelay,
	TEST_BOT_TOKEN,
	TEST_JWT_SECRET,
	type TestRelay
} from '../harness/relay.ts';
import { UpdateClaims } from '../../src/lib/server/telegram/update-claim.ts';
import { eventually } from '../harness/scripted-agent.ts';

let t: TestRelay;
beforeAll(async () => {
	t = await startTestRelay({ TELEGRAM_RATE_PER_MINUTE: '1000' });
	await pairAgent(t.relay, t.services, ALICE);
});
afterAll(async () => {
	await t?.stop();
});

/** The relay's Redis, failing every command while `down` is set (as when redis-server died). */
function switchableRedis(redis: Redis) {
	const state = { down: false, refused: 0 };
	const proxy = new Proxy(redis, {
		get(target, property, receiver) {
			const value = Reflect.get(target, property, receiver) as unknown;
			if (typeof value !== 'function') return value;
			const call = (fn: (...a: unknown[]) => unknown, self: unknown, args: unknown[]) => {
				if (state.down) {
					state.refused++;
					return Promise.reject(new Error('connect ECONNREFUSED (redis is down)'));
				}
				return fn.apply(self, args);
			};
			if (property === 'createScript') {
				// Scripts run through the same switch.
				return (...args: unknown[]) => {
					const script = (
						value as (...a: unknown[]) => { exec: (...a: unknown[]) => unknown }
					).apply(target, args);
					return { ...script, exec: (...a: unknown[]) => call(script.exec, script, a) };
				};
			}
			return (...args: unknown[]) => call(value as (...a: unknown[]) => unknown, target, args);
		}
	});
	return { redis: proxy, state };
}

const replies = () =>
	t.telegram.calls
		.filter((c) => c.method === 'sendMessage' && Number(c.payload.chat_id) === ALICE.id)
		.map((c) => String(c.payload.text));

describe('long polling', () => {
	it('keeps a failed update and runs it, in order, once Redis is back', async () => {
		const { redis, state } = switchableRedis(t.relay.redis);
		const deps = { ...t.relay, redis, claims: new UpdateClaims(redis, TEST_JWT_SECRET) };
		const bot = createBot(TEST_BOT_TOKEN, deps, t.bot.bot.botInfo);
		state.down = true;
		await t.telegram.pushUpdate(textUpdate(ALICE, '/help'));
		await t.telegram.pushUpdate(textUpdate(ALICE, '/agents'));
		const polling = startPolling({ bot, deps }, { backoffMs: () => 50 });
		try {
			await eventually(async () => state.refused >= 3, 10_000, 'a few failed attempts');
			expect(replies(), 'nothing ran while Redis was down').toEqual([]);
			state.down = false;
			await eventually(async () => replies().length >= 2, 10_000, 'both updates to run');
			expect(replies()[0]).toContain('I relay your messages');
			expect(replies()[1], JSON.stringify(replies())).toMatch(/my-api/);
			expect(replies(), 'each ran once').toHaveLength(2);
		} finally {
			await polling.stop();
		}
	});

	it('gives up an update that keeps failing after its attempts, and goes on', async () => {
		const { redis, state } = switchableRedis(t.relay.redis);
		const errors: { event: string; fields?: Record<string, unknown> }[] = [];
		const log = {
			...t.relay.log,
			error: (event: string, fields?: Record<string, unknown>) =>
				void errors.push({ event, fields })
		};
		const deps = { ...t.relay, redis, log, claims: new UpdateClaims(redis, TEST_JWT_SECRET) };
		const bot = createBot(TEST_BOT_TOKEN, deps, t.bot.bot.botInfo);
		const before = replies().length;
		state.down = true;
		await t.telegram.pushUpdate(textUpdate(ALICE, '/help'));
		const polling = startPolling({ bot, deps }, { backoffMs: () => 20, maxAttempts: 4 });
		try {
			const givenUp = await eventually(
				async () => errors.find((e) => e.event === 'telegram.update_given_up'),
				10_000,
				'the attempts to run out'
			);
			expect(givenUp?.fields?.attempts).toBe(4);
			state.down = false;
			await t.telegram.pushUpdate(textUpdate(ALICE, '/agents'));
			await eventually(async () => replies().length > before, 10_000, 'the next update');
			expect(replies().slice(before)).toHaveLength(1);
			expect(replies().at(-1)).toMatch(/my-api/);
		} finally {
			await polling.stop();
		}
	});
});
