/**
 * Issue 4, output back to Telegram: long output split into ≤4096-character messages in order,
 * formatting fallback, Bot API 429 honoured, and presence alerts.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eq } from 'drizzle-orm';
import { agents, sessions } from '../../src/lib/server/db/schema/index.ts';
import { finishSession } from '../../src/lib/server/sessions/sessions.ts';
import { runSweep } from '../../src/lib/server/sweep.ts';
import { startTestRelay, type TestRelay } from '../harness/relay.ts';
import { agentClient, eventually, type AgentClient } from '../harness/scripted-agent.ts';
import { ALICE, pairAgent, startedSession } from '../harness/accounts.ts';
import { outputLogKey } from '@remoteagent/shared';

let t: TestRelay;
/** Longer than an agent may be silent and still count as online. */
const silence = () => t.relay.config.OFFLINE_AFTER_MS + 1_000;
let alice: Awaited<ReturnType<typeof pairAgent>>;
let client: AgentClient;

beforeAll(async () => {
	t = await startTestRelay();
	alice = await pairAgent(t.relay, t.services, ALICE, 'my-api');
	client = agentClient(t.url, alice.token);
});
afterAll(async () => {
	await t?.stop();
});

const runningSession = (prompt = 'task', messageId: number | null = null) =>
	startedSession(t.relay, alice, client, { prompt, messageId });

/** Deterministic output with code blocks, markup characters, emoji and CJK. */
function bigOutput(size: number): { markdown: string; visible: string } {
	const parts: string[] = [];
	const visible: string[] = [];
	let n = 0;
	while (parts.join('').length < size) {
		n++;
		if (n % 7 === 0) {
			const code = `const x${n} = a < b && c > d; // "${n}" 🚀\nif (x${n}) { return '&amp;'; }\n`;
			parts.push('```ts\n' + code + '```\n');
			visible.push(code);
		} else {
			const line = `Line ${n}: 5 < 6 & 7 > 3 — naïve 日本語 😀 tags like <div> stay text.\n`;
			parts.push(line);
			visible.push(line);
		}
	}
	return { markdown: parts.join(''), visible: visible.join('') };
}

const squash = (s: string) => s.replace(/\s+/g, '');

describe('output to Telegram', () => {
	it('delivers a 100,000-character output complete, in order, in messages of at most 4096 characters', async () => {
		const sessionId = await runningSession();
		const firstMessage = t.telegram.messages(ALICE.id).length;
		const { markdown, visible } = bigOutput(100_000);
		let seq = 0;
		for (let i = 0; i < markdown.length; i += 3000) {
			await client.session.output.mutate({
				sessionId,
				seq: seq++,
				text: markdown.slice(i, i + 3000)
			});
		}
		const messages = t.telegram.messages(ALICE.id).slice(firstMessage);
		expect(messages.length).toBeGreaterThanOrEqual(25);
		for (const message of messages) {
			expect(message.parse_mode).toBe('HTML');
			expect(message.visible.length).toBeLessThanOrEqual(4096);
		}
		expect(squash(messages.map((m) => m.visible).join(''))).toBe(squash(visible));
		// At most about one message or edit per second in the chat (paced through Redis).
		const ids = new Set(messages.map((m) => m.message_id));
		const times = t.telegram.calls
			.filter(
				(c) =>
					(c.method === 'sendMessage' &&
						c.payload.parse_mode === 'HTML' &&
						Number(c.payload.chat_id) === ALICE.id) ||
					(c.method === 'editMessageText' && ids.has(Number(c.payload.message_id)))
			)
			.map((c) => c.at);
		expect(times.length).toBeGreaterThanOrEqual(messages.length);
		const gaps = times.slice(1).map((at, i) => at - times[i]!);
		expect(Math.min(...gaps)).toBeGreaterThanOrEqual(900);
	}, 120_000);

	it('sends the same text plain when Telegram rejects the formatting', async () => {
		const sessionId = await runningSession();
		t.telegram.rejectHtml(true);
		try {
			await client.session.output.mutate({
				sessionId,
				seq: 0,
				text: 'Result: **bold** and `code` <x>'
			});
			await client.session.output.mutate({ sessionId, seq: 1, text: ' and more' });
		} finally {
			t.telegram.rejectHtml(false);
		}
		const last = t.telegram.messages(ALICE.id).at(-1)!;
		expect(last.parse_mode).toBeUndefined();
		expect(last.visible).toBe('Result: bold and code <x> and more');
	});

	it('a batch whose live-view append failed after the chat had it is retried without a second message', async () => {
		const sessionId = await runningSession();
		// The append to the live view's log fails; the chat's send, running alongside, succeeds.
		const sealer = t.relay.sealer;
		const seal = sealer.seal;
		let failures = 1;
		sealer.seal = (purpose, context, text) =>
			purpose === 'output' && failures-- > 0
				? Promise.reject(new Error('Redis went away'))
				: seal.call(sealer, purpose, context, text);
		try {
			const before = t.telegram.messages(ALICE.id).length;
			await expect(
				client.session.output.mutate({ sessionId, seq: 0, text: 'only once' })
			).rejects.toThrow();
			expect(t.telegram.messages(ALICE.id).length).toBe(before + 1);
			// The agent retries the batch: the live view gets it, the chat not again.
			await client.session.output.mutate({ sessionId, seq: 0, text: 'only once' });
			await client.session.output.mutate({ sessionId, seq: 1, text: ', then more' });
			const messages = t.telegram.messages(ALICE.id);
			expect(messages.length).toBe(before + 1);
			expect(messages.at(-1)!.visible).toBe('only once, then more');
			const log = await t.relay.redis.xrange(outputLogKey(sessionId), '-', '+');
			expect(Object.keys(log)).toHaveLength(2);
		} finally {
			sealer.seal = seal;
		}
	});

	it('waits out a 429 from the Bot API instead of dropping the text', async () => {
		const sessionId = await runningSession();
		await client.session.output.mutate({ sessionId, seq: 0, text: 'first part' });
		t.telegram.failNext('editMessageText', {
			error_code: 429,
			description: 'Too Many Requests: retry after 1',
			parameters: { retry_after: 1 }
		});
		await client.session.output.mutate({ sessionId, seq: 1, text: ', second part' });
		expect(t.telegram.messages(ALICE.id).at(-1)!.visible).toBe('first part, second part');
		const edits = t.telegram.calls.filter((c) => c.method === 'editMessageText');
		const failed = edits.at(-2)!;
		expect(failed.response?.ok).toBe(false);
		expect(edits.at(-1)!.at - failed.at).toBeGreaterThanOrEqual(900);
	});

	it('reports failures and aborts as new messages', async () => {
		const failed = await runningSession();
		await client.session.finish.mutate({
			sessionId: failed,
			status: 'failed',
			reason: 'runner exited with code 2',
			durationMs: 3
		});
		expect(t.telegram.messages(ALICE.id).at(-1)!.visible).toBe(
			'❌ Failed: runner exited with code 2'
		);
	});
});

describe('presence', () => {
	it('still sends the end notice when the relay died between recording the end and telling the chat', async () => {
		const sessionId = await runningSession('the task whose notice was owed', 4242);
		const agent = await t.services.authenticateAgent(alice.token);
		const done = { sessionId, status: 'done' as const, reason: null, durationMs: 2_000 };
		// The process that records the end dies before the notice goes out.
		const dying = {
			...t.relay,
			notifier: { ...t.relay.notifier, edit: () => Promise.reject(new Error('SIGKILL')) }
		};
		await expect(finishSession(dying, agent, done)).rejects.toThrow('SIGKILL');
		const notices = () =>
			t.telegram.calls.filter(
				(c) =>
					c.method === 'sendMessage' &&
					Number(c.payload.chat_id) === ALICE.id &&
					String(c.payload.text).startsWith('✅ Done')
			);
		const before = notices().length;
		// The agent got no answer, so it retries `finish`: the owed notice goes out, once.
		await client.session.finish.mutate(done);
		await client.session.finish.mutate(done);
		const sent = notices().slice(before);
		expect(sent).toHaveLength(1);
		expect(sent[0]!.payload.text).toBe('✅ Done in 2s');
		expect(sent[0]!.payload.reply_parameters, 'a reply to the prompt').toMatchObject({
			message_id: 4242
		});
	});

	it('a relay that died while sending the end notice leaves one notice at most: the retry edits the status message instead', async () => {
		const sessionId = await runningSession('the task whose notice may have gone out', 4545);
		const agent = await t.services.authenticateAgent(alice.token);
		const done = { sessionId, status: 'done' as const, reason: null, durationMs: 3_000 };
		const replies = () =>
			t.telegram.calls.filter(
				(c) =>
					c.method === 'sendMessage' &&
					(c.payload.reply_parameters as { message_id?: number } | undefined)?.message_id === 4545
			);
		const status = replies().find((c) => String(c.payload.text).startsWith('▶'));
		expect(status, 'the status message answers the prompt').toBeDefined();
		// Telegram takes the notice, and the process dies before it hears back.
		const dying = {
			...t.relay,
			notifier: {
				...t.relay.notifier,
				send: async (...args: Parameters<typeof t.relay.notifier.send>) => {
					await t.relay.notifier.send(...args);
					throw new Error('SIGKILL');
				}
			}
		};
		await expect(finishSession(dying, agent, done)).rejects.toThrow('SIGKILL');
		expect(await t.relay.redis.get(`tg:notice:${sessionId}`)).toBe('sending');
		await client.session.finish.mutate(done);
		await client.session.finish.mutate(done);
		const notices = replies().filter((c) => String(c.payload.text).startsWith('✅'));
		expect(
			notices.map((c) => c.payload.text),
			'not told twice'
		).toEqual(['✅ Done in 3s']);
		const shown = t.telegram.messages(ALICE.id).filter((m) => m.text === '✅ Done in 3s');
		expect(
			shown.map((m) => ({ edited: m.edits > 0, buttons: buttonsOf(m.reply_markup) })),
			'the notice, and the status message edited to the end without its Abort button'
		).toEqual([
			{ edited: true, buttons: 0 },
			{ edited: false, buttons: 0 }
		]);
		expect(await t.relay.redis.get(`tg:notice:${sessionId}`)).toBe('sent');
	});

	it('a session ended before notices were tracked gets no second notice when ended again', async () => {
		const sessionId = await runningSession('ended long ago', 4444);
		const done = { sessionId, status: 'done' as const, reason: null, durationMs: 1 };
		await client.session.finish.mutate(done);
		await t.relay.redis.del(`tg:notice:${sessionId}`); // as before this tracking existed
		const notices = () =>
			t.telegram.calls.filter(
				(c) =>
					c.method === 'sendMessage' &&
					(c.payload.reply_parameters as { message_id?: number } | undefined)?.message_id ===
						4444 &&
					String(c.payload.text).startsWith('✅')
			);
		expect(notices()).toHaveLength(1);
		await client.session.finish.mutate(done);
		t.advance(31_000);
		try {
			await runSweep(t.relay);
		} finally {
			t.advance(-31_000);
		}
		expect(notices(), 'no second notice').toHaveLength(1);
		expect(await t.relay.redis.exists(`tg:notice:${sessionId}`)).toBe(0);
	});

	it('the sweep sends an end notice nobody else will (the agent that finished it died too)', async () => {
		const sessionId = await runningSession('nobody retries this one', 4343);
		const agent = await t.services.authenticateAgent(alice.token);
		const dying = {
			...t.relay,
			notifier: { ...t.relay.notifier, edit: () => Promise.reject(new Error('SIGKILL')) }
		};
		const failed = { sessionId, status: 'failed' as const, reason: 'exit 2', durationMs: 1 };
		await expect(finishSession(dying, agent, failed)).rejects.toThrow('SIGKILL');
		const replies = () =>
			t.telegram.calls.filter(
				(c) =>
					c.method === 'sendMessage' &&
					(c.payload.reply_parameters as { message_id?: number } | undefined)?.message_id ===
						4343 &&
					!String(c.payload.text).startsWith('▶')
			);
		expect((await runSweep(t.relay)).owedNotices, 'within the grace: maybe still sending').toBe(0);
		t.advance(31_000);
		try {
			expect((await runSweep(t.relay)).owedNotices).toBe(1);
			expect((await runSweep(t.relay)).owedNotices).toBe(0);
		} finally {
			t.advance(-31_000);
		}
		expect(replies().map((c) => c.payload.text)).toEqual(['❌ Failed: exit 2']);
	});

	it('the sweep fails a task left running on an agent that went offline', async () => {
		const sessionId = await runningSession('stranded');
		await client.agent.heartbeat.mutate({ busySessionId: sessionId, version: 't' });
		t.advance(silence()); // silent past OFFLINE_AFTER_MS
		try {
			expect((await runSweep(t.relay)).strandedTasks).toBe(1);
		} finally {
			t.advance(-silence());
		}
		const [row] = await t.relay.db.select().from(sessions).where(eq(sessions.id, sessionId));
		expect(row?.status).toBe('failed');
		expect(t.telegram.messages(ALICE.id).map((m) => m.visible)).toContain(
			'❌ Failed: the agent went offline while running this task'
		);
		await client.agent.heartbeat.mutate({ busySessionId: null, version: 't' }); // back online
	});

	it('alerts the owner when an agent goes silent, and again when it is back', async () => {
		await client.agent.heartbeat.mutate({ busySessionId: null, version: 'test' });
		t.advance(silence());
		try {
			expect((await runSweep(t.relay)).wentOffline).toBe(1);
			expect(t.telegram.messages(ALICE.id).at(-1)!.visible).toMatch(
				/Your agent "my-api" went offline/
			);
			expect((await runSweep(t.relay)).wentOffline).toBe(0);
			const before = t.telegram.messages(ALICE.id).length;
			await client.agent.heartbeat.mutate({ busySessionId: null, version: 'test' });
			const after = t.telegram
				.messages(ALICE.id)
				.slice(before)
				.map((m) => m.visible);
			expect(after).toContain('🟢 Your agent "my-api" is back online.');
		} finally {
			t.advance(-silence());
		}
	});

	it('sends no alert after a graceful shutdown', async () => {
		await client.agent.heartbeat.mutate({ busySessionId: null, version: 'test' });
		await client.agent.goodbye.mutate();
		const [row] = await t.relay.db.select().from(agents).where(eq(agents.id, alice.agentId));
		expect(row?.status).toBe('offline');
		const before = t.telegram.messages(ALICE.id).length;
		t.advance(silence());
		try {
			expect((await runSweep(t.relay)).wentOffline).toBe(0);
			await eventually(() => true);
			expect(t.telegram.messages(ALICE.id).length).toBe(before);
		} finally {
			t.advance(-silence());
		}
	});
});

describe('orphaned sessions', () => {
	it('fails a running session when its agent comes back idle', async () => {
		const sessionId = await runningSession('interrupted work');
		t.advance(30_000);
		try {
			await client.agent.heartbeat.mutate({ busySessionId: null, version: 'test' });
		} finally {
			t.advance(-30_000);
		}
		expect(t.telegram.messages(ALICE.id).at(-1)!.visible).toBe(
			'❌ Failed: the agent restarted while running this task'
		);
		const { sessions } = await import('../../src/lib/server/db/schema/index.ts');
		const [row] = await t.relay.db.select().from(sessions).where(eq(sessions.id, sessionId));
		expect(row?.status).toBe('failed');
	});

	it('leaves the running session alone while the agent reports it busy', async () => {
		const sessionId = await runningSession('ongoing work');
		t.advance(30_000);
		try {
			await client.agent.heartbeat.mutate({ busySessionId: sessionId, version: 'test' });
		} finally {
			t.advance(-30_000);
		}
		const { sessions } = await import('../../src/lib/server/db/schema/index.ts');
		const [row] = await t.relay.db.select().from(sessions).where(eq(sessions.id, sessionId));
		expect(row?.status).toBe('running');
	});
});

function buttonsOf(markup: unknown): number {
	const rows = (markup as { inline_keyboard?: unknown[][] } | undefined)?.inline_keyboard ?? [];
	return rows.flat().length;
}
