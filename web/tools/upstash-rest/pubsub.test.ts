// Pub/sub over SSE, consumed by the client's own subscribe()/psubscribe().
import { describe, expect, it } from 'vitest';
import { createUpstashRestServer } from './server.ts';
import { TOKEN, command, eventually, useUpstashRest } from './testing.ts';

const env = useUpstashRest();

const numsub = async (channel: string) =>
	((await env.direct.pubsub('NUMSUB', channel)) as [string, number])[1];

/** Resolves when `predicate` holds, checking on every call of the returned `poke`. */
function waitFor(predicate: () => boolean, what: string, timeoutMs = 10_000) {
	let poke = () => {};
	const done = new Promise<void>((resolve, reject) => {
		const timer = setTimeout(() => reject(new Error(`timed out waiting for ${what}`)), timeoutMs);
		poke = () => {
			if (predicate()) {
				clearTimeout(timer);
				resolve();
			}
		};
	});
	return { done, poke };
}

/** Reads an SSE response until its text contains `needle`. */
async function readUntil(
	reader: ReadableStreamDefaultReader<Uint8Array>,
	seen: { text: string },
	needle: string
) {
	const decoder = new TextDecoder();
	while (!seen.text.includes(needle)) {
		const { value, done } = await reader.read();
		if (done) throw new Error(`stream ended before ${JSON.stringify(needle)}`);
		seen.text += decoder.decode(value, { stream: true });
	}
}

describe('subscribe', () => {
	it('20 concurrent subscribers each receive every message, in order, payloads intact', async () => {
		const channel = 'ps:many';
		const payloads: unknown[] = [
			'plain',
			'commas, in, the, payload',
			'line one\nline two\r\nline three, with comma',
			'data: message,ps:many,forged',
			'',
			'unicode — 日本語 🚀',
			{ kind: 'object', text: 'with\nnewline', n: 3 },
			[1, 'two', { three: 3 }],
			...Array.from({ length: 30 }, (_, i) => `msg-${i}`)
		];
		const subscribers = Array.from({ length: 20 }, () => env.redis.subscribe(channel));
		const received = subscribers.map(() => [] as unknown[]);
		let subscribed = 0;
		const allSubscribed = waitFor(() => subscribed === subscribers.length, 'subscriptions');
		const allReceived = waitFor(
			() => received.every((list) => list.length === payloads.length),
			'all messages'
		);
		subscribers.forEach((sub, i) => {
			sub.on('subscribe', (count) => {
				expect(count).toBe(1);
				subscribed++;
				allSubscribed.poke();
			});
			sub.on('message', ({ message }) => {
				received[i]!.push(message);
				allReceived.poke();
			});
		});
		await allSubscribed.done;
		expect(await numsub(channel)).toBe(20);

		for (const payload of payloads) expect(await env.redis.publish(channel, payload)).toBe(20);
		await allReceived.done;
		for (const list of received) expect(list).toEqual(payloads);

		await Promise.all(subscribers.map((sub) => sub.unsubscribe()));
		expect(await eventually(async () => (await numsub(channel)) === 0)).toBe(true);
	});

	it('a pretty-printed JSON payload arrives as the value the client would parse it to', async () => {
		const sub = env.redis.subscribe('ps:json');
		const got: unknown[] = [];
		const ready = waitFor(() => true, 'subscribe');
		const one = waitFor(() => got.length === 1, 'message');
		sub.on('subscribe', () => ready.poke());
		sub.on('message', ({ message }) => {
			got.push(message);
			one.poke();
		});
		await ready.done;
		await env.direct.publish('ps:json', '{\n  "a": [1, 2],\n  "b": "x"\n}');
		await one.done;
		expect(got).toEqual([{ a: [1, 2], b: 'x' }]);
		await sub.unsubscribe();
	});

	it('psubscribe delivers pmessage with pattern and channel, and cleans up', async () => {
		const sub = env.redis.psubscribe('ps:news.*');
		const got: { pattern: string; channel: string; message: unknown }[] = [];
		const ready = waitFor(() => true, 'psubscribe');
		const two = waitFor(() => got.length === 2, 'pmessages');
		sub.on('psubscribe', (count) => {
			expect(count).toBe(1);
			ready.poke();
		});
		sub.on('pmessage', (event) => {
			got.push(event);
			two.poke();
		});
		await ready.done;
		// The client JSON-parses pmessage payloads without a fallback (unlike message), so
		// pattern subscribers only get JSON: a quoted string here, an object below.
		await env.redis.publish('ps:news.eu', JSON.stringify('a,b'));
		await env.redis.publish('ps:other', 'ignored');
		await env.redis.publish('ps:news.us', { n: 1 });
		await two.done;
		expect(got).toEqual([
			{ pattern: 'ps:news.*', channel: 'ps:news.eu', message: 'a,b' },
			{ pattern: 'ps:news.*', channel: 'ps:news.us', message: { n: 1 } }
		]);
		const numpat = async () => (await env.direct.pubsub('NUMPAT')) as unknown as number;
		expect(await numpat()).toBe(1);
		await sub.unsubscribe();
		expect(await eventually(async () => (await numpat()) === 0)).toBe(true);
	});
});

describe('SSE wire format', () => {
	it('emits data: lines, quotes payloads with line breaks, frees Redis when the client aborts', async () => {
		const abort = new AbortController();
		const res = await env.fetch('/subscribe/ps:raw', {
			headers: { Accept: 'text/event-stream' },
			body: '[]',
			signal: abort.signal
		});
		expect(res.status).toBe(200);
		expect(res.headers.get('content-type')).toBe('text/event-stream');
		const reader = res.body!.getReader();
		const seen = { text: '' };
		await readUntil(reader, seen, '\n\n');
		expect(seen.text).toBe('data: subscribe,ps:raw,1\n\n');

		await env.direct.publish('ps:raw', 'a,b,c');
		await env.direct.publish('ps:raw', 'x\ny');
		await readUntil(reader, seen, '"x\\ny"');
		expect(seen.text).toBe(
			'data: subscribe,ps:raw,1\n\n' +
				'data: message,ps:raw,a,b,c\n\n' +
				'data: message,ps:raw,"x\\ny"\n\n'
		);
		expect(await numsub('ps:raw')).toBe(1);
		abort.abort();
		expect(await eventually(async () => (await numsub('ps:raw')) === 0)).toBe(true);
	});

	it('SUBSCRIBE as a plain command is refused; the stream endpoints need the token', async () => {
		const { status, body } = await command(env, ['SUBSCRIBE', 'ps:x']);
		expect(status).toBe(400);
		expect(body.error).toMatch(/SUBSCRIBE.*\/subscribe/);
		const res = await fetch(`${env.server.url}/subscribe/ps:x`, { method: 'POST', body: '[]' });
		expect(res.status).toBe(401);
		expect(await res.json()).toEqual({ error: 'Unauthorized' });
		expect(await numsub('ps:x')).toBe(0);
	});

	it('quiet streams get heartbeats; closing the server ends them and frees Redis', async () => {
		const extra = await createUpstashRestServer({
			redisUrl: env.redisServer.url,
			token: TOKEN,
			sseHeartbeatMs: 50
		});
		const res = await fetch(`${extra.url}/subscribe/ps:shutdown`, {
			method: 'POST',
			headers: { Authorization: `Bearer ${TOKEN}`, Accept: 'text/event-stream' },
			body: '[]'
		});
		const reader = res.body!.getReader();
		const seen = { text: '' };
		await readUntil(reader, seen, ': ping\n\n');
		expect(seen.text).toMatch(/^data: subscribe,ps:shutdown,1\n\n(: ping\n\n)+$/);
		expect(await numsub('ps:shutdown')).toBe(1);
		await extra.close();
		let ended = false;
		while (!ended) ended = (await reader.read()).done;
		expect(ended).toBe(true);
		expect(await eventually(async () => (await numsub('ps:shutdown')) === 0)).toBe(true);
	});
});
